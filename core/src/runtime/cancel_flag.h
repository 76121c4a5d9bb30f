#pragma once
// CancelFlag: lets the owner of a producer (an input's emitter) make that producer's waits for
// room (in a memory buffer, the memory budget, a disk buffer, an output being started) return
// Cancelled. The owner sets the flag, then wakes the waits (OutputWorker::WakeProducers,
// MemoryBudget::WakeAll): each wait checks the flag it was given when it wakes.

#include <atomic>

namespace runnel::runtime {

using CancelFlag = std::atomic<bool>;

// Whether `flag` (may be null: not cancellable) is set.
inline bool IsSet(const CancelFlag* flag) {
  return flag != nullptr && flag->load(std::memory_order_acquire);
}

}  // namespace runnel::runtime
