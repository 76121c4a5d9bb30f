#include "runtime/disk_queue.h"

#include "runnel/forward/compression.h"
#include "runnel/logging.h"

namespace runnel::runtime {
namespace {

using std::chrono::steady_clock;

constexpr uint32_t kFlagZstd = 1;                // the payload is one zstd frame of the entries
constexpr int kZstdLevel = 1;                    // the buffer is on the hot path: fast over small
constexpr size_t kMaxDecompressed = 1ull << 30;  // SegmentLog's own bound on an entry

}  // namespace

Result<std::unique_ptr<DiskQueue>> DiskQueue::Open(DiskQueueOptions options,
                                                   MetricsRegistry* metrics) {
  buffer::SegmentLogOptions lo;
  lo.dir = options.dir;
  lo.max_bytes = options.max_bytes;
  lo.when_full = options.when_full;
  lo.sync = options.sync;
  lo.sync_interval = options.sync_interval;
  lo.file_ops = options.file_ops;
  lo.log_component = options.component;
  // A segment is at most an eighth of the cap, so that acknowledged space is given back in
  // steps and drop_oldest never drops more than that at once.
  if (options.max_bytes != 0) {
    lo.segment_bytes = std::clamp<uint64_t>(options.max_bytes / 8, 64ull << 10, 64ull << 20);
  }
  auto log = buffer::SegmentLog::Open(std::move(lo));
  if (!log.has_value()) {
    return Err(log.error().WithPrefix(options.component + ": disk buffer"));
  }
  return std::unique_ptr<DiskQueue>(new DiskQueue(std::move(options), std::move(*log), metrics));
}

DiskQueue::DiskQueue(DiskQueueOptions options, std::unique_ptr<buffer::SegmentLog> log,
                     MetricsRegistry* metrics)
    : options_(std::move(options)),
      consumer_takes_zstd_(options_.consumer_takes_zstd),
      log_(std::move(log)),
      decompressor_(std::make_unique<forward::Decompressor>()) {
  const std::string& c = options_.component;
  bytes_gauge_ = metrics->GetGauge("buffer_bytes", c, "Bytes held by the output's buffer.");
  entries_gauge_ =
      metrics->GetGauge("buffer_batches", c, "Batches in the output's buffer, not delivered yet.");
  segments_gauge_ = metrics->GetGauge("buffer_segments", c, "Segment files of the disk buffer.");
  corrupt_ = metrics->GetCounter("buffer_corrupt_segments_total", c,
                                 "Disk buffer segments set aside in corrupt/ (their entries are "
                                 "not replayed).");
  dropped_ = metrics->GetCounter("buffer_dropped_batches_total", c,
                                 "Batches a full buffer dropped (when_full = \"drop_oldest\").");
  write_errors_ = metrics->GetCounter("buffer_write_errors_total", c,
                                      "Failed disk buffer writes (each retried).");
  const buffer::SegmentLogStats st = log_->stats();
  if (st.unacked_entries > 0) {
    RUNNEL_LOG(kInfo, c) << "disk buffer " << options_.dir << ": " << st.unacked_entries
                         << " batches not yet delivered are sent again";
  }
  UpdateMetrics();
}

DiskQueue::~DiskQueue() = default;

Status DiskQueue::Push(const Batch& batch, const CancelFlag* cancel) {
  // One compressor per pushing thread; compression runs outside the log's lock.
  thread_local forward::Compressor compressor(kZstdLevel);
  thread_local std::string compressed;
  compressed.clear();
  buffer::EntryData entry;
  entry.id = batch.id;
  entry.tag = batch.tag;
  entry.count = batch.count;
  entry.payload = batch.data;
  if (batch.zstd) {
    entry.flags = kFlagZstd;
  } else if (batch.zstd_form != nullptr) {
    entry.flags = kFlagZstd;  // compressed where it came from: stored as it is
    entry.payload = *batch.zstd_form;
  } else if (compressor.Compress(forward::Compression::kZstd, batch.data, &compressed).ok() &&
             compressed.size() < batch.data.size()) {
    entry.flags = kFlagZstd;
    entry.payload = compressed;
  }
  std::unique_lock<std::mutex> lock(mu_);
  while (!aborted_ && !IsSet(cancel)) {
    const uint64_t acks_before = acks_;
    lock.unlock();
    Result<uint64_t> seq = log_->Append(entry);
    lock.lock();
    if (seq.has_value()) {
      ++appends_;
      appended_cv_.notify_one();
      return OkStatus();
    }
    const Status& error = seq.error();
    if (error.code() == StatusCode::kInvalidArgument) {
      return error.WithPrefix(options_.component);
    }
    if (error.code() == StatusCode::kResourceExhausted) {
      // Full, when_full = "block": wait for the output to deliver something.
      RUNNEL_LOG_EVERY(kWarn, options_.component, std::chrono::seconds(30))
          << error.message() << "; the inputs feeding this output wait";
      acked_cv_.wait_for(lock, std::chrono::seconds(1),
                         [&] { return aborted_ || IsSet(cancel) || acks_ != acks_before; });
      continue;
    }
    write_errors_->Add(1);
    RUNNEL_LOG_EVERY(kError, options_.component, std::chrono::seconds(10))
        << error.message() << "; trying again every second, the inputs feeding this output wait";
    // A delivery may free space (a full disk): try again then too.
    acked_cv_.wait_for(lock, std::chrono::seconds(1),
                       [&] { return aborted_ || IsSet(cancel) || acks_ != acks_before; });
  }
  return Cancelled("the pipeline is stopping");
}

std::optional<std::pair<Batch, uint64_t>> DiskQueue::Pop(steady_clock::time_point deadline) {
  while (true) {
    uint64_t appends_before;
    uint64_t wakeups_before;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (aborted_) {
        return std::nullopt;
      }
      appends_before = appends_;
      wakeups_before = wakeups_;
    }
    buffer::ReadEntry e;
    Result<bool> got = log_->Next(&e);
    if (!got.has_value()) {
      RUNNEL_LOG_EVERY(kError, options_.component, std::chrono::seconds(10))
          << "disk buffer: " << got.error().message();
    } else if (*got) {
      Batch b;
      b.id = e.id;
      b.tag = std::string(e.tag);
      b.count = e.count;
      if ((e.flags & kFlagZstd) == 0) {
        b.data = std::string(e.payload);
      } else if (consumer_takes_zstd_.load(std::memory_order_relaxed)) {
        b.data = std::string(e.payload);
        b.zstd = true;
      } else {
        Status s = decompressor_->Decompress(forward::Compression::kZstd, e.payload,
                                             kMaxDecompressed, &b.data);
        if (!s.ok()) {
          // The checksum matched, so this was stored corrupt: never deliverable. Skip it.
          corrupt_->Add(1);
          RUNNEL_LOG_EVERY(kError, options_.component, std::chrono::seconds(10))
              << "disk buffer: entry " << e.seq
              << " cannot be decompressed, skipped: " << s.message();
          Ack(e.seq);
          continue;
        }
      }
      return std::make_pair(std::move(b), e.seq);
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (!appended_cv_.wait_until(lock, deadline, [&] {
          return aborted_ || appends_ != appends_before || wakeups_ != wakeups_before;
        })) {
      return std::nullopt;
    }
    if (wakeups_ != wakeups_before && appends_ == appends_before) {
      return std::nullopt;
    }
  }
}

void DiskQueue::Ack(uint64_t seq) {
  Status s = log_->Ack(seq);
  if (!s.ok()) {
    RUNNEL_LOG_EVERY(kError, options_.component, std::chrono::seconds(10))
        << "disk buffer: " << s.message();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++acks_;
  }
  acked_cv_.notify_all();
}

void DiskQueue::Tick() {
  Status s = log_->MaybeSync();
  if (!s.ok()) {
    write_errors_->Add(1);
    RUNNEL_LOG_EVERY(kError, options_.component, std::chrono::seconds(10))
        << "disk buffer: " << s.message();
  }
  UpdateMetrics();
}

void DiskQueue::UpdateMetrics() {
  const buffer::SegmentLogStats st = log_->stats();
  bytes_gauge_->Set(static_cast<int64_t>(st.bytes));
  entries_gauge_->Set(static_cast<int64_t>(st.unacked_entries));
  segments_gauge_->Set(static_cast<int64_t>(st.segments));
  std::lock_guard<std::mutex> lock(mu_);
  corrupt_->Add(st.corrupt_segments - reported_.corrupt_segments);
  dropped_->Add(st.dropped_entries - reported_.dropped_entries);
  reported_ = st;
}

void DiskQueue::SetLimits(uint64_t max_bytes, buffer::WhenFull when_full,
                          buffer::SyncPolicy sync, std::chrono::milliseconds sync_interval) {
  log_->SetLimits(max_bytes, when_full, sync, sync_interval);
  WakeProducers();
}

void DiskQueue::WakeProducers() {
  { std::lock_guard<std::mutex> lock(mu_); }
  acked_cv_.notify_all();
}

void DiskQueue::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
  }
  appended_cv_.notify_all();
}

void DiskQueue::Abort() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
  }
  appended_cv_.notify_all();
  acked_cv_.notify_all();
}

uint64_t DiskQueue::unacked() const { return log_->stats().unacked_entries; }

}  // namespace runnel::runtime
