#include "runtime/memory_budget.h"

namespace runnel::runtime {

bool MemoryBudget::Acquire(uint64_t n, const CancelFlag* cancel) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return aborted_ || IsSet(cancel) || used_ == 0 || used_ + n <= limit_; });
  if (aborted_ || IsSet(cancel)) {
    return false;
  }
  used_ += n;
  return true;
}

void MemoryBudget::Release(uint64_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    used_ = n > used_ ? 0 : used_ - n;
  }
  cv_.notify_all();
}

void MemoryBudget::Abort() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
  }
  cv_.notify_all();
}

void MemoryBudget::WakeAll() {
  { std::lock_guard<std::mutex> lock(mu_); }
  cv_.notify_all();
}

void MemoryBudget::SetLimit(uint64_t limit) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    limit_ = limit;
  }
  cv_.notify_all();
}

uint64_t MemoryBudget::limit() const {
  std::lock_guard<std::mutex> lock(mu_);
  return limit_;
}

uint64_t MemoryBudget::used() const {
  std::lock_guard<std::mutex> lock(mu_);
  return used_;
}

}  // namespace runnel::runtime
