#pragma once
// DiskQueue: the disk buffer in front of one output, on a SegmentLog (runnel/buffer/segment_log.h)
// under data_dir/outputs.NAME/buffer. Push stores a batch, zstd-compressed once, and returns once
// it is appended (and synced, under sync = "always"): the batch's source may then commit. The
// output's worker reads entries back in order with Pop and acknowledges each with Ack once the
// output has delivered it. What is not acknowledged when the process stops or dies is read again
// after the next start.
//
// A full log (when_full = "block") makes Push wait for acknowledgements; "drop_oldest" drops the
// oldest segment instead (SegmentLog counts it). A write error (a full disk, EIO) makes Push wait
// and try again every second, logged; nothing is acknowledged that is not stored.
// Thread-safe: many pushers, one popper.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runnel/batch.h"
#include "runnel/buffer/segment_log.h"
#include "runnel/metrics.h"
#include "runtime/cancel_flag.h"

namespace runnel::forward {
class Decompressor;
}

namespace runnel::runtime {

struct DiskQueueOptions {
  std::string dir;
  std::string component;  // "outputs.store", for logs and metrics
  uint64_t max_bytes = 0;
  buffer::WhenFull when_full = buffer::WhenFull::kBlock;
  buffer::SyncPolicy sync = buffer::SyncPolicy::kInterval;
  std::chrono::milliseconds sync_interval{1000};
  // The consumer takes zstd batches as stored (Output::takes_zstd); otherwise Pop decompresses.
  bool consumer_takes_zstd = false;
  buffer::FileOps* file_ops = nullptr;  // tests
};

class DiskQueue {
 public:
  // Opens (and recovers) the log. Errors name the directory.
  static Result<std::unique_ptr<DiskQueue>> Open(DiskQueueOptions options,
                                                 MetricsRegistry* metrics);
  ~DiskQueue();

  // Stores the batch. Waits while the log is full (block) or a write fails. Errors: Cancelled
  // after Abort() or when `cancel` is set (and WakeProducers called); InvalidArgument when the
  // batch can never fit max_bytes.
  Status Push(const Batch& batch, const CancelFlag* cancel = nullptr);
  // Wakes every waiting Push, so that those whose CancelFlag is set return.
  void WakeProducers();
  // The next stored entry not yet popped, as a batch (no acknowledgement handle), with its
  // sequence number for Ack. Waits until one is there or the deadline passes; nullopt then, or
  // after Abort(). Errors: a read error or a corrupt payload (the entry is skipped and counted).
  std::optional<std::pair<Batch, uint64_t>> Pop(std::chrono::steady_clock::time_point deadline);
  // The entry was delivered (or dead-lettered): it will not be read again.
  void Ack(uint64_t seq);
  // For a periodic timer: fsync under sync = "interval"; refreshes the gauges.
  void Tick();
  // Makes a waiting Pop return now (nullopt when nothing is there).
  void Wake();
  // Makes waiting Push and Pop calls return, and every later one.
  void Abort();

  // Entries stored and not acknowledged.
  uint64_t unacked() const;
  // New limits (a reload): SegmentLog::SetLimits; waiting pushes try again under them.
  void SetLimits(uint64_t max_bytes, buffer::WhenFull when_full, buffer::SyncPolicy sync,
                 std::chrono::milliseconds sync_interval);
  // The consumer was replaced by one that does (not) take zstd (a reload): for the next Pop.
  void SetConsumerTakesZstd(bool takes) { consumer_takes_zstd_.store(takes); }

 private:
  DiskQueue(DiskQueueOptions options, std::unique_ptr<buffer::SegmentLog> log,
            MetricsRegistry* metrics);
  void UpdateMetrics();

  const DiskQueueOptions options_;
  std::atomic<bool> consumer_takes_zstd_;
  std::unique_ptr<buffer::SegmentLog> log_;
  std::unique_ptr<forward::Decompressor> decompressor_;  // the popper's
  std::mutex mu_;
  std::condition_variable appended_cv_;  // an entry was appended, or aborted
  std::condition_variable acked_cv_;     // an entry was acknowledged, or aborted
  uint64_t appends_ = 0;
  uint64_t acks_ = 0;
  uint64_t wakeups_ = 0;
  bool aborted_ = false;

  Gauge* bytes_gauge_ = nullptr;
  Gauge* entries_gauge_ = nullptr;
  Gauge* segments_gauge_ = nullptr;
  Counter* corrupt_ = nullptr;
  Counter* dropped_ = nullptr;
  Counter* write_errors_ = nullptr;
  buffer::SegmentLogStats reported_;  // what the counters have been given
};

}  // namespace runnel::runtime
