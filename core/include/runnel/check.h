#pragma once
// RUNNEL_CHECK: for what cannot happen. Prints the condition and location, then aborts.

namespace runnel::internal {
[[noreturn]] void CheckFailed(const char* condition, const char* file, int line, const char* msg);
}  // namespace runnel::internal

#define RUNNEL_CHECK(cond)                                                 \
  do {                                                                     \
    if (!(cond)) [[unlikely]] {                                            \
      ::runnel::internal::CheckFailed(#cond, __FILE__, __LINE__, nullptr); \
    }                                                                      \
  } while (0)

#define RUNNEL_CHECK_MSG(cond, msg)                                      \
  do {                                                                   \
    if (!(cond)) [[unlikely]] {                                          \
      ::runnel::internal::CheckFailed(#cond, __FILE__, __LINE__, (msg)); \
    }                                                                    \
  } while (0)
