#pragma once
// BatchQueue: the memory buffer in front of one output. Bounded in bytes by its own limit and by
// the process MemoryBudget. When its own limit is reached, Push waits (when_full = "block":
// backpressure to the producer) or drops the oldest queued batches (when_full = "drop_oldest":
// each is counted and its acknowledgement completes as delivered, so its source moves on).
// A popped batch keeps its bytes counted until Done: what an output holds in flight stays in the
// budget. Thread-safe: many producers, one consumer.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "runnel/batch.h"
#include "runnel/metrics.h"
#include "runtime/cancel_flag.h"
#include "runtime/memory_budget.h"

namespace runnel::runtime {

// A batch on its way to one output, with that output's part of the acknowledgement.
struct OutputItem {
  std::shared_ptr<const Batch> batch;
  AckHandle ack;
};

class BatchQueue {
 public:
  // `dropped`: counts the events of dropped batches (drop_oldest); may be null.
  BatchQueue(uint64_t max_bytes, bool drop_oldest, MemoryBudget* budget, Counter* dropped)
      : max_bytes_(max_bytes), drop_oldest_(drop_oldest), budget_(budget), dropped_(dropped) {}

  // Waits for room, then queues the item. Cancelled once the queue is aborted, or when `cancel`
  // is set (and WakeProducers called); the item's acknowledgement then completes as kCancelled.
  Status Push(OutputItem item, const CancelFlag* cancel = nullptr);
  // Wakes every waiting Push, so that those whose CancelFlag is set return.
  void WakeProducers();
  // New limits (a reload); waiting pushes try again under them.
  void SetLimits(uint64_t max_bytes, bool drop_oldest);
  // Waits until an item is there or the deadline passes. Returns nullopt when the deadline passed
  // with the queue empty, or the queue is aborted.
  std::optional<OutputItem> Pop(std::chrono::steady_clock::time_point deadline);
  // Makes a waiting Pop return now (nullopt if the queue is empty); for a consumer that has
  // something else to look at, e.g. that it should stop.
  void Wake();
  // Releases the bytes of a popped item once the output is done with it.
  void Done(uint64_t bytes);
  // Fails every waiting and future Push, wakes the consumer, and cancels what is queued.
  // Returns the number of items cancelled.
  size_t Abort();

  size_t size() const;
  uint64_t bytes() const;

 private:
  uint64_t max_bytes_;  // under mu_
  bool drop_oldest_;
  MemoryBudget* budget_;
  Counter* dropped_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<OutputItem> items_;
  uint64_t bytes_ = 0;  // queued and in progress
  bool aborted_ = false;
  uint64_t wakeups_ = 0;
};

}  // namespace runnel::runtime
