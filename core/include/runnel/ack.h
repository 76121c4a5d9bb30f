#pragma once
// End-to-end acknowledgement. A source creates one AckHandle per batch it emits; the pipeline
// splits it once per output the batch is routed to; each output completes its part when it has
// taken responsibility for the batch. When the last part completes, the source's AckReceiver is
// told the worst outcome, exactly once, on the thread that completed the last part.
//
// A handle destroyed without Complete() completes as kCancelled, so an acknowledgement is never
// lost: the source simply does not commit what it cannot prove delivered.
// Handles are move-only and may be completed from any thread.

#include <cstdint>

namespace runnel {

enum class AckOutcome : uint8_t {
  kDelivered = 0,  // taken responsibility for (written, buffered, acked remotely, or filtered out)
  kRejected = 1,   // permanently refused by an output: counted and dead-lettered, not retried
  kCancelled = 2,  // not delivered (shutdown): the source must not commit it
};

class AckReceiver {
 public:
  virtual ~AckReceiver() = default;
  // Called once per acknowledged batch with the cookie given to AckHandle::Create.
  virtual void OnAck(uint64_t cookie, AckOutcome outcome) = 0;
};

class AckHandle {
 public:
  AckHandle() = default;  // empty: nobody waits; Complete() is a no-op
  // `receiver` must outlive every handle split from this one.
  static AckHandle Create(AckReceiver* receiver, uint64_t cookie);

  AckHandle(AckHandle&& other) noexcept : state_(other.state_) { other.state_ = nullptr; }
  AckHandle& operator=(AckHandle&& other) noexcept;
  AckHandle(const AckHandle&) = delete;
  AckHandle& operator=(const AckHandle&) = delete;
  ~AckHandle();

  // Another part of the same acknowledgement; the receiver waits for it too.
  AckHandle Split();
  // Completes this part. The handle is empty afterwards.
  void Complete(AckOutcome outcome);

  bool empty() const { return state_ == nullptr; }

 private:
  struct State;
  explicit AckHandle(State* state) : state_(state) {}
  State* state_ = nullptr;
};

}  // namespace runnel
