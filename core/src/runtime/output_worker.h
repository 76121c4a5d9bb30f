#pragma once
// OutputWorker: the buffer and the thread of one output.
//
// Enqueue puts a batch in the output's buffer (output_options.h):
//   - memory: a BatchQueue in the process MemoryBudget. With acknowledgements = "durable" the
//     batch's acknowledgement part travels with it and completes when the output is done with
//     it; with "accepted" it completes at once.
//   - disk: a DiskQueue. The acknowledgement part completes once the batch is stored; the
//     worker reads it back, and what is not delivered by the time the process stops or dies is
//     delivered after the next start.
// The thread takes batches from the buffer and calls Output::Write, retrying with backoff on
// kRetry; an output that completes later (Output::completes_later) is handed each batch by Submit
// instead, and at drain the worker waits for it with Flush, up to the deadline. Either way, each
// batch the output holds is tracked here until the output completes it: its bytes stay in the
// memory budget until then, a disk entry is acknowledged in the log, and a rejected batch is
// stored in the dead-letter directory with the reason, counted and logged.
// Activity() says whether data is moving, for /health (api/health.h): how many batches wait,
// and when the output last made progress (delivered or rejected a batch, or was seen with
// nothing to do).
// Thread-safe: Enqueue, Activity and RefreshMetrics from any thread; Start/Drain from the owner.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "api/health.h"
#include "runnel/ack.h"
#include "runnel/backoff.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"
#include "runtime/batch_queue.h"
#include "runtime/dead_letter_sink.h"
#include "runtime/disk_queue.h"
#include "runtime/output_options.h"

namespace runnel::runtime {

struct OutputWorkerSpec {
  std::string id;  // "outputs.store"
  OutputOptions options;
  std::string buffer_dir;       // a disk buffer's directory
  // Where rejected batches go (data_dir/dead-letter/NAME); the output plugins borrow it.
  std::shared_ptr<DeadLetterSink> dead_letters;
  MemoryBudget* budget = nullptr;
  ComponentMetrics metrics;
  MetricsRegistry* registry = nullptr;
  buffer::FileOps* file_ops = nullptr;  // tests: the disk buffer's file interface
  // The clock of Activity(); tests inject theirs. Null: steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class OutputWorker : private AckReceiver {
 public:
  OutputWorker(OutputWorkerSpec spec, std::unique_ptr<Output> output);
  ~OutputWorker() override;

  const std::string& id() const { return spec_.id; }
  // The output's dead letters, for the plugin instances it runs (PluginContext::dead_letters).
  DeadLetterSink* dead_letters() const { return dead_letters_.get(); }
  // Opens the disk buffer (replaying what it holds), starts the output, then the thread.
  Status Start();
  // Buffers a batch (waits while the buffer is full and when_full is "block", and until Start
  // when the worker is not started yet). Cancelled when the worker is aborted, or when `cancel`
  // is set and WakeProducers is called.
  Status Enqueue(std::shared_ptr<const Batch> batch, AckHandle ack,
                 const CancelFlag* cancel = nullptr);
  // Applies new buffer limits and acknowledgements (a reload; the buffer type stays the same):
  // max_bytes and when_full, and for a disk buffer sync and sync_interval. Waiting producers try
  // again under the new limits; what is already buffered stays.
  void SetOptions(const OutputOptions& options);
  // Wakes every waiting Enqueue, so that those whose CancelFlag is set return.
  void WakeProducers();
  // FailedPrecondition when the worker has been inside one Output::Write call for longer than
  // `max_stall`; OK otherwise.
  Status CheckLiveness(std::chrono::steady_clock::duration max_stall) const;
  // Stops taking new work once the buffer is empty, or at `deadline`, whichever is first:
  // at the deadline what the output still holds is cancelled (a disk buffer keeps it for the
  // next start). Then stops the output. Returns the number of batches whose sources were not
  // acknowledged and will send them again.
  uint64_t Drain(std::chrono::steady_clock::time_point deadline);
  // Cancels at once: what is queued in memory or being retried is cancelled; Enqueue fails from
  // now on. Drain must still be called to join the thread.
  void Abort();

  // For /health: batches buffered or in flight (a disk buffer: stored and not acknowledged),
  // the last progress and the last delivery.
  api::OutputActivity Activity() const;
  // Sets the gauges read at a scrape: buffer_batches, and buffer_bytes of a memory buffer.
  void RefreshMetrics();

  // Replaces the output (a reload changed its settings, not its buffer): the worker stops
  // between two batches (a batch being retried is kept and goes to `next` first; an output that
  // completes later waits for what it has in flight, up to `deadline`), the current output is
  // stopped, `next` is started and the worker goes on with the same buffer, so producers are not
  // disturbed. Errors: DeadlineExceeded when the output did not stop by `deadline` + 1s (a Write
  // that does not return): nothing changed; `next`'s Start error: the worker then has no output
  // and waits, and the caller must call ReplaceOutput again (with the previous settings).
  Status ReplaceOutput(std::unique_ptr<Output> next, std::chrono::steady_clock::time_point deadline);

 private:
  // A batch the output holds, until it completes it.
  struct Held {
    AckHandle upstream;  // empty for a disk entry or acknowledgements = "accepted"
    uint64_t seq = 0;    // disk entry
    uint64_t bytes = 0;  // in the memory budget
    uint32_t count = 0;
    // For the dead-letter directory. An output that completes later may drop a batch once it
    // has encoded it (the forward output does, unless retry_limit is set): only a weak
    // reference is kept then, so that what is in flight is not held twice.
    std::shared_ptr<const Batch> batch;
    std::weak_ptr<const Batch> weak;
    std::string reason;  // why it was rejected
  };
  struct Work {
    std::shared_ptr<const Batch> batch;
    AckHandle upstream;
    uint64_t seq = 0;
  };

  void Run();
  // On the worker thread, when a ReplaceOutput asks: flushes and stops the output, then waits
  // until it has been replaced (or the worker is cancelled).
  void Park();
  // Waits for what an output that completes later has in flight (up to drain_deadline_, unless
  // cancelled), then stops the output.
  void StopOutput();
  // The next batch to deliver, waiting up to `deadline`.
  std::optional<Work> Next(std::chrono::steady_clock::time_point deadline);
  void Dispatch(Work work);
  // Writes until delivered, rejected or cancelled, completing `ack`; false when a ReplaceOutput
  // interrupted the retries (`ack` is left as it is).
  bool Deliver(const Batch& batch, uint64_t cookie, AckHandle& ack);
  void OnAck(uint64_t cookie, AckOutcome outcome) override;
  // Stores a rejected batch in the dead-letter directory; logs and counts either way.
  void DeadLetter(const Held& held);
  void Tick();
  // Sleeps for `d`, or less if the worker is cancelled or asked to park. Returns false then.
  bool SleepFor(std::chrono::milliseconds d);
  std::chrono::steady_clock::time_point Now() const;
  // A batch was delivered (or, `delivered` false, rejected): the output makes progress.
  void Progressed(bool delivered);

  const OutputWorkerSpec spec_;
  // The output's capabilities; they change only while the worker is parked.
  bool later_;
  bool takes_zstd_;
  BatchQueue queue_;                 // memory buffer
  std::unique_ptr<DiskQueue> disk_;  // disk buffer
  Backoff backoff_;
  std::atomic<bool> durable_;  // acknowledgements = "durable"
  std::shared_ptr<DeadLetterSink> dead_letters_;  // spec_.dead_letters, or one storing nothing
  Gauge* buffer_bytes_ = nullptr;
  Gauge* buffer_batches_ = nullptr;
  Gauge* last_delivery_ = nullptr;  // ns since the epoch
  uint64_t dropped_logged_ = 0;
  // steady_clock ticks (of Now()): the last progress, the last delivery (0: none yet).
  std::atomic<int64_t> progress_at_{0};
  std::atomic<int64_t> delivered_at_{0};

  mutable std::mutex held_mu_;
  std::unordered_map<uint64_t, Held> held_;
  uint64_t next_cookie_ = 0;

  std::thread thread_;
  // Start() succeeded: disk_ is set. Enqueue waits for it (a reload puts a worker in the
  // routing before starting it); the observers read it without the lock.
  std::mutex start_mu_;
  std::condition_variable start_cv_;
  std::atomic<bool> started_{false};
  std::atomic<int64_t> write_since_{0};  // steady_clock ticks when the Write in progress began
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> drain_deadline_{0};  // steady_clock ticks, once draining
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> finished_{false};           // Run() returned
  std::atomic<uint64_t> cancelled_batches_{0};  // sources not acknowledged
  std::atomic<uint64_t> lost_batches_{0};       // accepted, then not delivered
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;  // cancelled_, finished_, park_requested_ or parked_ changed

  // ReplaceOutput.
  std::atomic<bool> park_requested_{false};
  bool parked_ = false;                 // under sleep_mu_
  std::optional<Work> parked_work_;     // worker thread: a batch interrupted by the park

  // Last: destroyed first, so that handles it still holds complete while the rest is alive.
  std::unique_ptr<Output> output_;
};

}  // namespace runnel::runtime
