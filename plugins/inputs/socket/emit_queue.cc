#include "emit_queue.h"

#include <utility>

#include "runnel/logging.h"

namespace runnel::plugins::socket_input {

EmitQueue::EmitQueue(std::string component, const SocketMetrics& metrics, size_t max_bytes,
                     size_t merge_bytes)
    : component_(std::move(component)),
      metrics_(metrics),
      max_bytes_(max_bytes),
      merge_bytes_(merge_bytes) {}

bool EmitQueue::Push(Batch batch, std::function<void()> done) {
  std::lock_guard lock(mu_);
  if (shutdown_) {
    return false;
  }
  bytes_ += batch.bytes();
  queue_.push_back(Item{std::move(batch), std::move(done)});
  cv_.notify_one();
  return true;
}

bool EmitQueue::TryPush(Batch batch) {
  {
    std::lock_guard lock(mu_);
    if (!shutdown_ && bytes_ + batch.bytes() <= max_bytes_) {
      bytes_ += batch.bytes();
      Item* last = queue_.empty() ? nullptr : &queue_.back();
      if (last != nullptr && !last->done && last->batch.bytes() < merge_bytes_) {
        last->batch.data.append(batch.data);
        last->batch.count += batch.count;
      } else {
        queue_.push_back(Item{std::move(batch), nullptr});
        cv_.notify_one();
      }
      return true;
    }
  }
  metrics_.dropped_queue_full->Add(batch.count);
  RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
      << "dropped " << batch.count << " message(s): the queue is full (" << max_bytes_
      << " bytes; the pipeline is slower than the senders)";
  return false;
}

void EmitQueue::Run(Emitter& emitter) {
  while (true) {
    Item item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return shutdown_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // shut down and drained
      }
      item = std::move(queue_.front());
      queue_.pop_front();
      bytes_ -= item.batch.bytes();
    }
    // Emit is tried even while the pipeline is stopping: it still takes batches until its
    // drain has begun, and only a Cancelled one is lost.
    uint32_t count = item.batch.count;
    if (!emitter.Emit(std::move(item.batch)).ok()) {
      metrics_.dropped_stopping->Add(count);
      RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
          << count << " message(s) read were not emitted: the pipeline is stopping";
    }
    if (item.done) {
      item.done();
    }
  }
}

void EmitQueue::Shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
}

size_t EmitQueue::queued_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace runnel::plugins::socket_input
