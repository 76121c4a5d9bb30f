#pragma once
// OutputWorker: the queue and the thread of one output. The thread takes batches from the queue,
// calls Output::Write, retries with backoff on kRetry, and completes each batch's acknowledgement:
// kDelivered when written, kRejected when permanently refused (counted and logged).
// An output that completes later (Output::completes_later) is handed each batch with its
// acknowledgement by Submit instead; at drain the worker waits for it with Flush, up to the
// deadline, and Abort cancels it.
// Thread-safe: Enqueue from any thread; Start/Drain from the owner.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "runnel/metrics.h"
#include "runnel/plugin.h"
#include "runnel/backoff.h"
#include "runtime/batch_queue.h"

namespace runnel::runtime {

class OutputWorker {
 public:
  OutputWorker(std::string id, std::unique_ptr<Output> output, uint64_t queue_bytes,
               MemoryBudget* budget, ComponentMetrics metrics);
  ~OutputWorker();

  const std::string& id() const { return id_; }
  // Starts the output, then the thread.
  Status Start();
  // Queues a batch (waits while the queue is full). Cancelled when the worker is aborted.
  Status Enqueue(std::shared_ptr<const Batch> batch, AckHandle ack);
  // Stops taking new work once the queue is empty, or at `deadline`, whichever is first:
  // at the deadline what is still queued or being retried is cancelled. Then stops the output.
  // Returns the number of batches cancelled.
  uint64_t Drain(std::chrono::steady_clock::time_point deadline);
  // Cancels at once: what is queued or being retried is cancelled; Enqueue fails from now on.
  // Drain must still be called to join the thread.
  void Abort();

 private:
  void Run();
  void Deliver(OutputItem item);
  void Hand(OutputItem item);  // to an output that completes later
  // Sleeps for `d`, or less if the worker is cancelled. Returns false when cancelled.
  bool SleepFor(std::chrono::milliseconds d);

  const std::string id_;
  std::unique_ptr<Output> output_;
  BatchQueue queue_;
  ComponentMetrics metrics_;
  Backoff backoff_;
  std::thread thread_;
  const bool later_;
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> drain_deadline_{0};  // steady_clock ticks, once draining
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> finished_{false};  // Run() returned
  std::atomic<uint64_t> cancelled_batches_{0};
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;
};

}  // namespace runnel::runtime
