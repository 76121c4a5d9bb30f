#include "runnel/check.h"

#include <cstdio>
#include <cstdlib>

namespace runnel::internal {

void CheckFailed(const char* condition, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "runnel: check failed at %s:%d: %s%s%s\n", file, line, condition,
               msg ? ": " : "", msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}

}  // namespace runnel::internal
