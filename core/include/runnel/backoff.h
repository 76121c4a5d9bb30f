#pragma once
// Exponential backoff with full jitter: the n-th retry waits a uniformly random time in
// [0, min(cap, base * 2^n)]. Not thread-safe; one per retry loop.

#include <chrono>
#include <cstdint>
#include <random>

namespace runnel {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed);

  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }
  uint32_t attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds base_, cap_;
  uint32_t attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace runnel
