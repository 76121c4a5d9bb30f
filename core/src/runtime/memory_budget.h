#pragma once
// MemoryBudget: the one byte budget shared by every queue of the process (`memory_limit`).
// A producer acquires bytes before queuing a batch and the consumer releases them when the batch
// is done. When the budget is spent, Acquire waits: inputs slow down instead of memory growing.
// Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "runtime/cancel_flag.h"

namespace runnel::runtime {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit) : limit_(limit) {}

  // Waits until `n` bytes fit (a request is always granted when nothing is held, so a batch larger
  // than the limit cannot wedge the process), Abort() is called or `cancel` is set (and WakeAll
  // called). Returns false when aborted or cancelled.
  bool Acquire(uint64_t n, const CancelFlag* cancel = nullptr);
  void Release(uint64_t n);
  // Wakes every waiter; Acquire returns false from now on.
  void Abort();
  // Wakes every waiter, so that those whose CancelFlag is set return.
  void WakeAll();
  // A new limit (a reload): waiters are woken to try again under it.
  void SetLimit(uint64_t limit);

  uint64_t used() const;
  uint64_t limit() const;

 private:
  uint64_t limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t used_ = 0;
  bool aborted_ = false;
};

}  // namespace runnel::runtime
