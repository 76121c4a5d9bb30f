#include "runtime/batch_queue.h"

namespace runnel::runtime {

Status BatchQueue::Push(OutputItem item, const CancelFlag* cancel) {
  const uint64_t n = item.batch->bytes();
  std::deque<OutputItem> dropped;
  uint64_t dropped_bytes = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // drop_oldest: make room by dropping queued batches (not those the output holds).
    while (drop_oldest_ && !aborted_ && !items_.empty() && bytes_ + n > max_bytes_) {
      dropped_bytes += items_.front().batch->bytes();
      bytes_ -= items_.front().batch->bytes();
      dropped.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    if (!dropped.empty()) {
      lock.unlock();
      budget_->Release(dropped_bytes);
      for (OutputItem& d : dropped) {
        if (dropped_ != nullptr) {
          dropped_->Add(d.batch->count);
        }
        d.ack.Complete(AckOutcome::kDelivered);  // dropped on purpose: the source moves on
      }
      lock.lock();
    }
    not_full_.wait(lock, [&] {
      return aborted_ || IsSet(cancel) || bytes_ == 0 || bytes_ + n <= max_bytes_;
    });
    if (aborted_ || IsSet(cancel)) {
      return Cancelled("the pipeline is stopping");
    }
    bytes_ += n;  // reserve before waiting on the budget so this queue's bound holds
  }
  if (!budget_->Acquire(n, cancel)) {
    std::lock_guard<std::mutex> lock(mu_);
    bytes_ -= n;
    return Cancelled("the pipeline is stopping");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (aborted_) {
      bytes_ -= n;
      budget_->Release(n);
      return Cancelled("the pipeline is stopping");
    }
    items_.push_back(std::move(item));
  }
  not_empty_.notify_one();
  return OkStatus();
}

std::optional<OutputItem> BatchQueue::Pop(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t wakeups = wakeups_;
  if (!not_empty_.wait_until(lock, deadline,
                             [&] { return aborted_ || !items_.empty() || wakeups_ != wakeups; })) {
    return std::nullopt;
  }
  if (items_.empty()) {
    return std::nullopt;
  }
  OutputItem item = std::move(items_.front());
  items_.pop_front();
  return item;
}

void BatchQueue::SetLimits(uint64_t max_bytes, bool drop_oldest) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    max_bytes_ = max_bytes;
    drop_oldest_ = drop_oldest;
  }
  not_full_.notify_all();
}

void BatchQueue::WakeProducers() {
  { std::lock_guard<std::mutex> lock(mu_); }
  not_full_.notify_all();
}

void BatchQueue::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
  }
  not_empty_.notify_all();
}

void BatchQueue::Done(uint64_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    bytes_ = n > bytes_ ? 0 : bytes_ - n;
  }
  budget_->Release(n);
  not_full_.notify_all();
}

size_t BatchQueue::Abort() {
  std::deque<OutputItem> dropped;
  uint64_t released = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
    dropped.swap(items_);
    for (const OutputItem& item : dropped) {
      released += item.batch->bytes();
    }
    bytes_ -= released;
  }
  budget_->Release(released);
  not_full_.notify_all();
  not_empty_.notify_all();
  // `dropped` goes out of scope here: each acknowledgement completes as kCancelled.
  return dropped.size();
}

size_t BatchQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return items_.size();
}

uint64_t BatchQueue::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace runnel::runtime
