#include "runnel/backoff.h"

#include <algorithm>

namespace runnel {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed)
    : base_(base), cap_(cap), rng_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  const uint32_t shift = std::min<uint32_t>(attempt_, 30);
  ++attempt_;
  const int64_t ceiling = std::min<int64_t>(cap_.count(), base_.count() << shift);
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(ceiling, 0));
  return std::chrono::milliseconds(dist(rng_));
}

}  // namespace runnel
