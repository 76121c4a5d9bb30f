#pragma once
// CaptureEmitter: a fake Emitter for input tests. It decodes every batch it is given and keeps
// its events; it acknowledges each batch at once (kDelivered) or holds the acknowledgements for
// the test to complete later, in any order. It can also block Emit (backpressure) and report
// `stopping`. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runnel/ack.h"
#include "runnel/batch.h"
#include "runnel/plugin.h"

namespace runnel::testing {

struct CapturedEvent {
  EventTime time;
  // String values as they are; any other value (maps and arrays too) as "<type>", e.g. "<uint>".
  std::vector<std::pair<std::string, std::string>> fields;
  // The value of `key`, or "" when absent.
  std::string Get(const std::string& key) const;
  bool Has(const std::string& key) const;
};

struct CapturedBatch {
  std::string tag;
  BatchId id;
  std::vector<CapturedEvent> events;
};

class CaptureEmitter : public Emitter {
 public:
  Status Emit(Batch batch) override;
  void Finished() override;
  bool stopping() const override;

  // When false, acknowledgements are held until AckHeld / AckAllHeld. Default true.
  void set_auto_ack(bool on);
  // While blocked, Emit waits (as on a full queue) until unblocked or stopping.
  void set_blocked(bool on);
  // Makes stopping() true and Emit return Cancelled (completing the batch as kCancelled).
  void set_stopping(bool on);

  size_t held() const;
  // Completes held acknowledgement `index` (in emission order among those still held).
  void AckHeld(size_t index, AckOutcome outcome);
  void AckAllHeld(AckOutcome outcome);

  bool finished() const;
  size_t batch_count() const;
  std::vector<CapturedBatch> batches() const;
  std::vector<CapturedEvent> events() const;
  // The `key` field of every event, in emission order.
  std::vector<std::string> Values(const std::string& key = "log") const;
  size_t event_count() const;
  // Emit calls waiting because of set_blocked.
  size_t blocked_emits() const;

  // Waits until at least `n` events were captured; false on timeout.
  bool WaitForEvents(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Clear();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool auto_ack_ = true;
  bool blocked_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  size_t blocked_emits_ = 0;
  std::vector<CapturedBatch> batches_;
  std::vector<AckHandle> held_;
  size_t events_ = 0;
};

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
bool PollUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace runnel::testing
