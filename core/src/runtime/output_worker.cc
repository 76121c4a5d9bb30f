#include "runtime/output_worker.h"

#include "runnel/logging.h"

namespace runnel::runtime {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

OutputWorker::OutputWorker(std::string id, std::unique_ptr<Output> output, uint64_t queue_bytes,
                           MemoryBudget* budget, ComponentMetrics metrics)
    : id_(std::move(id)),
      output_(std::move(output)),
      queue_(queue_bytes, budget),
      metrics_(metrics),
      backoff_(milliseconds(100), milliseconds(30'000), std::hash<std::string>{}(id_)),
      later_(output_->completes_later()) {}

OutputWorker::~OutputWorker() {
  if (thread_.joinable()) {
    Drain(steady_clock::now());
  }
}

Status OutputWorker::Start() {
  RUNNEL_RETURN_IF_ERROR(output_->Start().WithPrefix(id_));
  thread_ = std::thread([this] { Run(); });
  return OkStatus();
}

Status OutputWorker::Enqueue(std::shared_ptr<const Batch> batch, AckHandle ack) {
  const uint32_t count = batch->count;
  const uint64_t bytes = batch->bytes();
  RUNNEL_RETURN_IF_ERROR(queue_.Push(OutputItem{std::move(batch), std::move(ack)}));
  metrics_.events_in->Add(count);
  metrics_.bytes_in->Add(bytes);
  return OkStatus();
}

void OutputWorker::Run() {
  while (true) {
    // While draining, an empty queue means the work is done.
    auto wait = draining_.load() ? milliseconds(0) : milliseconds(200);
    std::optional<OutputItem> item = queue_.Pop(steady_clock::now() + wait);
    if (!item.has_value()) {
      if (cancelled_.load() || (draining_.load() && queue_.size() == 0)) {
        break;
      }
      continue;
    }
    if (later_) {
      Hand(std::move(*item));
    } else {
      Deliver(std::move(*item));
    }
  }
  if (later_ && !cancelled_.load()) {
    uint64_t left =
        output_->Flush(steady_clock::time_point(steady_clock::duration(drain_deadline_.load())));
    cancelled_batches_.fetch_add(left);
  }
  output_->Stop();
  finished_.store(true);
}

void OutputWorker::Hand(OutputItem item) {
  const uint64_t bytes = item.batch->bytes();
  Status s = output_->Submit(std::move(item.batch), std::move(item.ack));
  if (!s.ok()) {
    cancelled_batches_.fetch_add(1);  // the acknowledgement completed as kCancelled
  }
  queue_.Done(bytes);
}

void OutputWorker::Deliver(OutputItem item) {
  const Batch& batch = *item.batch;
  backoff_.Reset();
  while (true) {
    WriteResult r = output_->Write(batch);
    switch (r.kind) {
      case WriteResult::Kind::kDelivered:
        metrics_.events_out->Add(batch.count);
        metrics_.bytes_out->Add(batch.bytes());
        item.ack.Complete(AckOutcome::kDelivered);
        queue_.Done(batch.bytes());
        return;
      case WriteResult::Kind::kRejected:
        metrics_.errors->Add(1);
        RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(10))
            << "rejected a batch of " << batch.count << " events: " << r.reason;
        item.ack.Complete(AckOutcome::kRejected);
        queue_.Done(batch.bytes());
        return;
      case WriteResult::Kind::kRetry: {
        metrics_.retries->Add(1);
        milliseconds wait = r.retry_after.count() > 0 ? r.retry_after : backoff_.Next();
        RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
            << "write failed, retrying in " << wait.count() << "ms: " << r.reason;
        if (!SleepFor(wait)) {
          cancelled_batches_.fetch_add(1);
          queue_.Done(batch.bytes());
          return;  // the acknowledgement completes as kCancelled
        }
        break;
      }
    }
  }
}

void OutputWorker::Abort() {
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    cancelled_.store(true);
  }
  sleep_cv_.notify_all();
  if (later_) {
    output_->Cancel();
  }
  cancelled_batches_.fetch_add(queue_.Abort());
}

bool OutputWorker::SleepFor(milliseconds d) {
  std::unique_lock<std::mutex> lock(sleep_mu_);
  return !sleep_cv_.wait_for(lock, d, [&] { return cancelled_.load(); });
}

uint64_t OutputWorker::Drain(steady_clock::time_point deadline) {
  if (!thread_.joinable()) {
    return 0;
  }
  drain_deadline_.store(deadline.time_since_epoch().count());
  draining_.store(true);
  // Wait for the queue to empty, up to the deadline; then cancel what is left. An output that
  // completes later is waited for by the worker thread itself (Flush), up to the same deadline.
  while (steady_clock::now() < deadline && queue_.bytes() > 0) {
    std::unique_lock<std::mutex> lock(sleep_mu_);
    sleep_cv_.wait_for(lock, milliseconds(10));
  }
  if (later_) {
    // The thread leaves once the queue is empty and Flush returns; Flush ends at the deadline.
    while (steady_clock::now() < deadline && !finished_.load()) {
      std::unique_lock<std::mutex> lock(sleep_mu_);
      sleep_cv_.wait_for(lock, milliseconds(10));
    }
  }
  Abort();
  thread_.join();
  const uint64_t cancelled = cancelled_batches_.load();
  if (cancelled > 0) {
    RUNNEL_LOG(kWarn, id_) << cancelled
                           << " batches were not delivered before the shutdown deadline; "
                              "their sources will send them again on the next start";
  }
  return cancelled;
}

}  // namespace runnel::runtime
