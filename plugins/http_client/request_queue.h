#pragma once
// The bookkeeping of HttpOutput, without I/O: which events of which submitted batches make up
// each request, which requests wait to be sent (in order, a retried one at its place again),
// and when a batch's acknowledgement can complete.
//
//   Add(batch, ack)      events appended to the open request; a full one is sealed (ready)
//   SealOpen()           the open request is ready now (batch_timeout, Flush)
//   PopDue(now)          the first ready request, if its time has come (a retry waits its
//                        backoff; later requests wait behind it, so they go out in order)
//   Requeue(job)         a request to send again (its `due` set by the caller)
//   Settle(events, ...)  events delivered or dead-lettered: the batches they finish
//
// Not thread-safe: HttpOutput calls it under its mutex.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plugins/http_client/http_output.h"
#include "runnel/ack.h"
#include "runnel/backoff.h"
#include "runnel/batch.h"

namespace runnel::http_client::internal {

using Clock = std::chrono::steady_clock;

// A submitted batch until each of its events is delivered or dead-lettered.
struct TrackedBatch {
  std::shared_ptr<const Batch> batch;
  AckHandle ack;
  uint32_t outstanding = 0;
  uint64_t delivered_events = 0;
  uint64_t delivered_bytes = 0;  // of the delivered events' records
  bool reject = false;           // an event was refused and no dead-letter sink took it
};

struct EventRef {
  std::shared_ptr<TrackedBatch> owner;  // keeps the batch (and `event.record`) alive
  Event event;
};

// One request: its events, and its attempts so far.
struct Job {
  explicit Job(const HttpOptions& options, uint64_t seq_in)
      : seq(seq_in), backoff(options.retry_initial, options.retry_max, seq_in * 7919 + 1) {}
  uint64_t seq;
  std::vector<EventRef> events;
  uint64_t raw_bytes = 0;  // of the records
  int64_t attempts = 0;    // requests made so far
  Clock::time_point due{};
  Backoff backoff;
};

// A batch whose events are all settled: complete `ack` (outside the lock).
struct Completion {
  AckHandle ack;
  AckOutcome outcome = AckOutcome::kDelivered;
  uint64_t events = 0;
  uint64_t bytes = 0;
};

class RequestQueue {
 public:
  explicit RequestQueue(const HttpOptions& options) : options_(options) {}

  // Adds the batch's events and takes `*ack`; an empty batch completes at once (into `done`).
  // DataLoss when the batch's entries cannot be read: nothing is added and `*ack` is left to the
  // caller (who rejects the batch).
  Status Add(std::shared_ptr<const Batch> batch, AckHandle* ack, std::vector<Completion>* done);
  void SealOpen();
  // When the open request must be sealed (batch_timeout after its first event); none if empty.
  std::optional<Clock::time_point> open_deadline() const;
  std::unique_ptr<Job> PopDue(Clock::time_point now);
  // When the first ready request is due; none when nothing is ready.
  std::optional<Clock::time_point> next_due() const;
  void Requeue(std::unique_ptr<Job> job);
  // Settles `events`: delivered ones count as delivered; the others were dead-lettered
  // (`refused`: and no sink took them, so their batch's ack completes as kRejected).
  void Settle(std::span<const EventRef> events, bool delivered, bool refused,
              std::vector<Completion>* done);
  // Cancel: every request (the caller destroys them outside the lock; the acks of batches not
  // completed then cancel). batches() keeps counting what was dropped.
  std::vector<std::unique_ptr<Job>> TakeAll();

  size_t batches() const { return batches_; }          // submitted and not completed
  uint64_t held_bytes() const { return held_bytes_; }  // of those batches' data
  size_t ready() const { return ready_.size(); }
  bool open_empty() const { return open_ == nullptr; }

 private:
  void Seal();

  const HttpOptions& options_;
  uint64_t next_seq_ = 1;
  std::unique_ptr<Job> open_;
  Clock::time_point open_since_{};
  std::map<uint64_t, std::unique_ptr<Job>> ready_;  // by seq: the order they were made
  size_t batches_ = 0;
  uint64_t held_bytes_ = 0;
};

}  // namespace runnel::http_client::internal
