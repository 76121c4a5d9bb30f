#include "runnel/ack.h"

#include <atomic>

#include "runnel/check.h"

namespace runnel {

struct AckHandle::State {
  AckReceiver* receiver;
  uint64_t cookie;
  std::atomic<uint32_t> pending{1};
  std::atomic<uint8_t> worst{0};
};

AckHandle AckHandle::Create(AckReceiver* receiver, uint64_t cookie) {
  RUNNEL_CHECK(receiver != nullptr);
  auto* s = new State{receiver, cookie};
  return AckHandle(s);
}

AckHandle& AckHandle::operator=(AckHandle&& other) noexcept {
  if (this != &other) {
    if (state_ != nullptr) {
      Complete(AckOutcome::kCancelled);
    }
    state_ = other.state_;
    other.state_ = nullptr;
  }
  return *this;
}

AckHandle::~AckHandle() {
  if (state_ != nullptr) {
    Complete(AckOutcome::kCancelled);
  }
}

AckHandle AckHandle::Split() {
  if (state_ == nullptr) {
    return AckHandle();
  }
  state_->pending.fetch_add(1, std::memory_order_relaxed);
  return AckHandle(state_);
}

void AckHandle::Complete(AckOutcome outcome) {
  State* s = state_;
  if (s == nullptr) {
    return;
  }
  state_ = nullptr;
  auto o = static_cast<uint8_t>(outcome);
  uint8_t cur = s->worst.load(std::memory_order_relaxed);
  while (o > cur && !s->worst.compare_exchange_weak(cur, o, std::memory_order_relaxed)) {
  }
  if (s->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    s->receiver->OnAck(s->cookie, static_cast<AckOutcome>(s->worst.load(std::memory_order_acquire)));
    delete s;
  }
}

}  // namespace runnel
