#include "runtime/output_worker.h"

#include "runnel/check.h"
#include "runnel/forward/compression.h"
#include "runnel/logging.h"

namespace runnel::runtime {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// The entries of a batch kept zstd-compressed from the disk buffer.
Result<Batch> Decompressed(const Batch& batch) {
  Batch plain;
  plain.tag = batch.tag;
  plain.id = batch.id;
  plain.count = batch.count;
  forward::Decompressor d;
  RUNNEL_RETURN_IF_ERROR(
      d.Decompress(forward::Compression::kZstd, batch.data, 1ull << 30, &plain.data));
  return plain;
}

}  // namespace

OutputWorker::OutputWorker(OutputWorkerSpec spec, std::unique_ptr<Output> output)
    : spec_(std::move(spec)),
      later_(output->completes_later()),
      takes_zstd_(output->takes_zstd()),
      queue_(spec_.options.max_bytes, spec_.options.when_full == buffer::WhenFull::kDropOldest,
             spec_.budget, spec_.metrics.dropped),
      backoff_(milliseconds(100), milliseconds(30'000), std::hash<std::string>{}(spec_.id)),
      durable_(spec_.options.durable),
      dead_letters_(spec_.dead_letters != nullptr
                        ? spec_.dead_letters
                        : std::make_shared<DeadLetterSink>(spec_.id, "", spec_.registry)),
      output_(std::move(output)) {
  if (spec_.registry != nullptr && spec_.options.buffer == BufferType::kMemory) {
    buffer_bytes_ =
        spec_.registry->GetGauge("buffer_bytes", spec_.id, "Bytes held by the output's buffer.");
    buffer_batches_ = spec_.registry->GetGauge(
        "buffer_batches", spec_.id, "Batches in the output's buffer, not delivered yet.");
  }
  if (spec_.registry != nullptr) {
    last_delivery_ = spec_.registry->GetTimestamp(
        "last_delivery_timestamp_seconds", spec_.id,
        "When the output last delivered a batch, in seconds since the Unix epoch; 0 before the "
        "first.");
  }
}

OutputWorker::~OutputWorker() {
  if (thread_.joinable()) {
    Drain(steady_clock::now());
  }
}

Status OutputWorker::Start() {
  if (spec_.options.buffer == BufferType::kDisk) {
    DiskQueueOptions o;
    o.dir = spec_.buffer_dir;
    o.component = spec_.id;
    o.max_bytes = spec_.options.max_bytes;
    o.when_full = spec_.options.when_full;
    o.sync = spec_.options.sync;
    o.sync_interval = spec_.options.sync_interval;
    o.consumer_takes_zstd = takes_zstd_;
    o.file_ops = spec_.file_ops;
    RUNNEL_ASSIGN_OR_RETURN(disk_, DiskQueue::Open(std::move(o), spec_.registry));
  }
  RUNNEL_RETURN_IF_ERROR(output_->Start().WithPrefix(spec_.id));
  progress_at_.store(Now().time_since_epoch().count());
  thread_ = std::thread([this] { Run(); });
  {
    std::lock_guard<std::mutex> lock(start_mu_);
    started_.store(true, std::memory_order_release);
  }
  start_cv_.notify_all();
  return OkStatus();
}

steady_clock::time_point OutputWorker::Now() const {
  return spec_.clock ? spec_.clock() : steady_clock::now();
}

void OutputWorker::Progressed(bool delivered) {
  const int64_t now = Now().time_since_epoch().count();
  progress_at_.store(now);
  if (delivered) {
    delivered_at_.store(now);
    if (last_delivery_ != nullptr) {
      last_delivery_->Set(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
    }
  }
}

api::OutputActivity OutputWorker::Activity() const {
  api::OutputActivity a;
  a.id = spec_.id;
  a.progress_at = steady_clock::time_point(steady_clock::duration(progress_at_.load()));
  if (!started_.load(std::memory_order_acquire)) {
    a.progress_at = Now();  // not started: nothing to deliver yet
    return a;
  }
  size_t held;
  {
    std::lock_guard<std::mutex> lock(held_mu_);
    held = held_.size();
  }
  a.pending_batches = disk_ != nullptr ? disk_->unacked() : queue_.size() + held;
  if (const int64_t d = delivered_at_.load(); d != 0) {
    a.last_delivery = steady_clock::time_point(steady_clock::duration(d));
  }
  return a;
}

void OutputWorker::RefreshMetrics() {
  if (!started_.load(std::memory_order_acquire) || disk_ != nullptr) {
    return;  // a disk buffer's gauges are DiskQueue's, refreshed by its Tick
  }
  size_t held;
  {
    std::lock_guard<std::mutex> lock(held_mu_);
    held = held_.size();
  }
  if (buffer_bytes_ != nullptr) {
    buffer_bytes_->Set(static_cast<int64_t>(queue_.bytes()));
    buffer_batches_->Set(static_cast<int64_t>(queue_.size() + held));
  }
}

void OutputWorker::SetOptions(const OutputOptions& options) {
  RUNNEL_CHECK(options.buffer == spec_.options.buffer);
  durable_.store(options.durable);
  if (disk_ != nullptr) {
    disk_->SetLimits(options.max_bytes, options.when_full, options.sync, options.sync_interval);
  } else {
    queue_.SetLimits(options.max_bytes, options.when_full == buffer::WhenFull::kDropOldest);
  }
}

void OutputWorker::WakeProducers() {
  { std::lock_guard<std::mutex> lock(start_mu_); }
  start_cv_.notify_all();
  queue_.WakeProducers();
  if (disk_ != nullptr) {
    disk_->WakeProducers();
  }
}

Status OutputWorker::CheckLiveness(steady_clock::duration max_stall) const {
  const int64_t since = write_since_.load(std::memory_order_relaxed);
  if (since == 0) {
    return OkStatus();
  }
  const auto stalled = steady_clock::now() - steady_clock::time_point(steady_clock::duration(since));
  if (stalled <= max_stall) {
    return OkStatus();
  }
  return FailedPrecondition(
      spec_.id + ": a write has not returned for " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(stalled).count()) + "s");
}

Status OutputWorker::Enqueue(std::shared_ptr<const Batch> batch, AckHandle ack,
                             const CancelFlag* cancel) {
  {
    std::unique_lock<std::mutex> lock(start_mu_);
    start_cv_.wait(lock, [&] { return started_.load() || cancelled_.load() || IsSet(cancel); });
    if (!started_.load()) {
      return Cancelled(spec_.id + " is not running");
    }
  }
  const uint32_t count = batch->count;
  const uint64_t bytes = batch->bytes();
  if (disk_ != nullptr) {
    Status s = disk_->Push(*batch, cancel);
    if (s.code() == StatusCode::kInvalidArgument) {
      // Can never be stored (larger than max_bytes): refused like an output refuses a batch.
      spec_.metrics.errors->Add(1);
      Held held;
      held.count = count;
      held.batch = std::move(batch);
      held.reason = s.message();
      DeadLetter(held);
      ack.Complete(AckOutcome::kRejected);
      return OkStatus();
    }
    RUNNEL_RETURN_IF_ERROR(s);
    ack.Complete(AckOutcome::kDelivered);  // stored: the source may commit
  } else {
    if (!durable_.load()) {
      ack.Complete(AckOutcome::kDelivered);  // acknowledgements = "accepted"
    }
    RUNNEL_RETURN_IF_ERROR(queue_.Push(OutputItem{std::move(batch), std::move(ack)}, cancel));
  }
  spec_.metrics.events_in->Add(count);
  spec_.metrics.bytes_in->Add(bytes);
  return OkStatus();
}

std::optional<OutputWorker::Work> OutputWorker::Next(steady_clock::time_point deadline) {
  if (disk_ == nullptr) {
    std::optional<OutputItem> item = queue_.Pop(deadline);
    if (!item.has_value()) {
      return std::nullopt;
    }
    return Work{std::move(item->batch), std::move(item->ack), 0};
  }
  auto entry = disk_->Pop(deadline);
  if (!entry.has_value()) {
    return std::nullopt;
  }
  // What is read back from disk is in memory until the output is done with it.
  if (!spec_.budget->Acquire(entry->first.bytes())) {
    return std::nullopt;  // aborted: the entry stays in the log
  }
  return Work{std::make_shared<const Batch>(std::move(entry->first)), AckHandle(), entry->second};
}

void OutputWorker::Run() {
  auto last_tick = steady_clock::now();
  while (true) {
    if (park_requested_.load()) {
      Park();
      if (cancelled_.load()) {
        break;
      }
      if (parked_work_.has_value()) {
        Work work = std::move(*parked_work_);
        parked_work_.reset();
        Dispatch(std::move(work));
      }
      continue;
    }
    // While draining, an empty buffer means the work is done.
    const bool draining = draining_.load();
    std::optional<Work> work =
        Next(steady_clock::now() + (draining ? milliseconds(0) : milliseconds(200)));
    if (steady_clock::now() - last_tick >= milliseconds(200)) {
      Tick();
      last_tick = steady_clock::now();
    }
    if (!work.has_value()) {
      // Nothing came: the buffer is empty. Once draining (no more is pushed), the work is done.
      if (cancelled_.load() || draining_.load()) {
        break;
      }
      bool idle;
      {
        std::lock_guard<std::mutex> lock(held_mu_);
        idle = held_.empty();
      }
      if (idle) {
        progress_at_.store(Now().time_since_epoch().count());  // nothing to deliver
      }
      continue;
    }
    Dispatch(std::move(*work));
  }
  if (output_ != nullptr) {
    StopOutput();
  }
  Tick();
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    finished_.store(true);
  }
  sleep_cv_.notify_all();
}

void OutputWorker::StopOutput() {
  if (later_ && !cancelled_.load()) {
    output_->Flush(steady_clock::time_point(steady_clock::duration(drain_deadline_.load())));
  }
  output_->Stop();  // completes what the output still holds as cancelled
}

void OutputWorker::Park() {
  StopOutput();
  std::unique_lock<std::mutex> lock(sleep_mu_);
  parked_ = true;
  sleep_cv_.notify_all();
  sleep_cv_.wait(lock, [&] { return !park_requested_.load() || cancelled_.load(); });
  parked_ = false;
}

Status OutputWorker::ReplaceOutput(std::unique_ptr<Output> next,
                                   steady_clock::time_point deadline) {
  if (!thread_.joinable() || finished_.load()) {
    return FailedPrecondition(spec_.id + ": the output is not running");
  }
  {
    std::unique_lock<std::mutex> lock(sleep_mu_);
    if (!parked_) {
      drain_deadline_.store(deadline.time_since_epoch().count());
      park_requested_.store(true);
      sleep_cv_.notify_all();
      queue_.Wake();
      if (disk_ != nullptr) {
        disk_->Wake();
      }
      if (!sleep_cv_.wait_until(lock, deadline, [&] { return parked_; })) {
        if (later_) {
          lock.unlock();
          output_->Cancel();  // what is still in flight is cancelled: its source sends it again
          lock.lock();
        }
        if (!sleep_cv_.wait_until(lock, deadline + std::chrono::seconds(1),
                                  [&] { return parked_; })) {
          park_requested_.store(false);
          sleep_cv_.notify_all();
          return DeadlineExceeded(spec_.id +
                                  ": the output did not finish its current write in time; its "
                                  "previous configuration stays");
        }
      }
    }
  }
  // Parked: the worker thread waits and touches nothing of the output.
  output_ = std::move(next);
  later_ = output_->completes_later();
  takes_zstd_ = output_->takes_zstd();
  if (disk_ != nullptr) {
    disk_->SetConsumerTakesZstd(takes_zstd_);
  }
  if (parked_work_.has_value() && parked_work_->batch->zstd && !takes_zstd_) {
    Result<Batch> plain = Decompressed(*parked_work_->batch);
    if (plain.has_value()) {
      parked_work_->batch = std::make_shared<const Batch>(std::move(*plain));
    }
  }
  Status started = output_->Start().WithPrefix(spec_.id);
  if (!started.ok()) {
    output_.reset();
    return started;  // still parked: the caller tries again
  }
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    park_requested_.store(false);
  }
  sleep_cv_.notify_all();
  return OkStatus();
}

void OutputWorker::Tick() {
  if (disk_ != nullptr) {
    disk_->Tick();
  } else {
    RefreshMetrics();
  }
  const uint64_t dropped = spec_.metrics.dropped->value();
  if (dropped != dropped_logged_) {
    RUNNEL_LOG_EVERY(kWarn, spec_.id, std::chrono::seconds(30))
        << "the buffer is full and when_full = \"drop_oldest\": " << dropped - dropped_logged_
        << " events dropped";
    dropped_logged_ = dropped;
  }
}

void OutputWorker::Dispatch(Work work) {
  uint64_t cookie;
  {
    std::lock_guard<std::mutex> lock(held_mu_);
    cookie = next_cookie_++;
    Held& h = held_[cookie];
    h.upstream = std::move(work.upstream);
    h.seq = work.seq;
    h.bytes = work.batch->bytes();
    h.count = work.batch->count;
    if (later_) {
      h.weak = work.batch;
    } else {
      h.batch = work.batch;  // Deliver holds it anyway
    }
  }
  AckHandle ack = AckHandle::Create(this, cookie);
  if (later_) {
    // On an error the handle is left to cancel: OnAck sees kCancelled.
    (void)output_->Submit(std::move(work.batch), std::move(ack));
    return;
  }
  if (!Deliver(*work.batch, cookie, ack)) {
    // A ReplaceOutput interrupted the retries: the batch goes to the next output first.
    {
      std::lock_guard<std::mutex> lock(held_mu_);
      auto it = held_.find(cookie);
      work.upstream = std::move(it->second.upstream);
      held_.erase(it);
    }
    parked_work_ = std::move(work);
  }
}

bool OutputWorker::Deliver(const Batch& batch, uint64_t cookie, AckHandle& ack) {
  backoff_.Reset();
  while (true) {
    write_since_.store(steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    WriteResult r = output_->Write(batch);
    write_since_.store(0, std::memory_order_relaxed);
    switch (r.kind) {
      case WriteResult::Kind::kDelivered:
        spec_.metrics.events_out->Add(batch.count);
        spec_.metrics.bytes_out->Add(batch.bytes());
        ack.Complete(AckOutcome::kDelivered);
        return true;
      case WriteResult::Kind::kRejected: {
        {
          std::lock_guard<std::mutex> lock(held_mu_);
          held_[cookie].reason = std::move(r.reason);
        }
        ack.Complete(AckOutcome::kRejected);
        return true;
      }
      case WriteResult::Kind::kRetry: {
        spec_.metrics.retries->Add(1);
        milliseconds wait = r.retry_after.count() > 0 ? r.retry_after : backoff_.Next();
        RUNNEL_LOG_EVERY(kWarn, spec_.id, std::chrono::seconds(10))
            << "write failed, retrying in " << wait.count() << "ms: " << r.reason;
        if (!SleepFor(wait)) {
          // Cancelled: the handle completes as kCancelled. Asked to park: kept for the next.
          return cancelled_.load() || !park_requested_.load();
        }
        break;
      }
    }
  }
}

void OutputWorker::OnAck(uint64_t cookie, AckOutcome outcome) {
  Held held;
  {
    std::lock_guard<std::mutex> lock(held_mu_);
    auto it = held_.find(cookie);
    if (it == held_.end()) {
      return;
    }
    held = std::move(it->second);
    held_.erase(it);
  }
  if (disk_ != nullptr) {
    spec_.budget->Release(held.bytes);
  } else {
    queue_.Done(held.bytes);
  }
  if (outcome != AckOutcome::kCancelled) {
    Progressed(outcome == AckOutcome::kDelivered);
  }
  switch (outcome) {
    case AckOutcome::kDelivered:
      if (disk_ != nullptr) {
        disk_->Ack(held.seq);
      }
      held.upstream.Complete(AckOutcome::kDelivered);
      break;
    case AckOutcome::kRejected:
      spec_.metrics.errors->Add(1);
      DeadLetter(held);
      if (disk_ != nullptr) {
        disk_->Ack(held.seq);
      }
      held.upstream.Complete(AckOutcome::kRejected);
      break;
    case AckOutcome::kCancelled:
      if (disk_ == nullptr) {
        (durable_.load() ? cancelled_batches_ : lost_batches_).fetch_add(1);
      }
      break;  // a disk entry stays in the log; `upstream` completes as kCancelled
  }
}

void OutputWorker::DeadLetter(const Held& held) {
  const std::string reason =
      held.reason.empty() ? "the output gave up on it (see its log)" : held.reason;
  std::shared_ptr<const Batch> batch = held.batch != nullptr ? held.batch : held.weak.lock();
  if (batch == nullptr) {
    dead_letters_->Lost(held.count, reason,
                             "the output no longer holds the batch (set its retry_limit, or it "
                             "does not keep what it rejects)");
    return;
  }
  (void)dead_letters_->PutBatch(*batch, reason);
}

void OutputWorker::Abort() {
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    cancelled_.store(true);
  }
  sleep_cv_.notify_all();
  { std::lock_guard<std::mutex> lock(start_mu_); }
  start_cv_.notify_all();
  if (later_) {
    output_->Cancel();
  }
  if (disk_ != nullptr) {
    disk_->Abort();
  }
  const size_t dropped = queue_.Abort();
  (durable_.load() ? cancelled_batches_ : lost_batches_).fetch_add(dropped);
}

bool OutputWorker::SleepFor(milliseconds d) {
  std::unique_lock<std::mutex> lock(sleep_mu_);
  return !sleep_cv_.wait_for(lock, d,
                             [&] { return cancelled_.load() || park_requested_.load(); });
}

uint64_t OutputWorker::Drain(steady_clock::time_point deadline) {
  if (!thread_.joinable()) {
    return 0;
  }
  drain_deadline_.store(deadline.time_since_epoch().count());
  draining_.store(true);
  queue_.Wake();  // a worker waiting for work sees draining_ now, not after its wait
  if (disk_ != nullptr) {
    disk_->Wake();
  }
  // The thread delivers what is buffered, then (an output that completes later) waits for it
  // with Flush, up to the deadline; then it stops the output and finishes.
  {
    std::unique_lock<std::mutex> lock(sleep_mu_);
    sleep_cv_.wait_until(lock, deadline, [&] { return finished_.load(); });
  }
  Abort();
  thread_.join();
  const uint64_t cancelled = cancelled_batches_.load();
  if (cancelled > 0) {
    RUNNEL_LOG(kWarn, spec_.id) << cancelled
                                << " batches were not delivered before the shutdown deadline; "
                                   "their sources will send them again on the next start";
  }
  if (const uint64_t lost = lost_batches_.load(); lost > 0) {
    RUNNEL_LOG(kError, spec_.id)
        << lost
        << " batches accepted into the memory buffer were not delivered before the shutdown "
           "deadline and are lost (acknowledgements = \"accepted\")";
  }
  if (disk_ != nullptr) {
    if (const uint64_t left = disk_->unacked(); left > 0) {
      RUNNEL_LOG(kInfo, spec_.id) << left
                                  << " batches stay in the disk buffer and are delivered after "
                                     "the next start";
    }
  }
  return cancelled;
}

}  // namespace runnel::runtime
