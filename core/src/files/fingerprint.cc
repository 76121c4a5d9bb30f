#include "runnel/files/fingerprint.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace runnel::files {

uint64_t HashBytes(std::string_view bytes, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Result<uint32_t> ReadPrefix(int fd, uint32_t max_len, char* buf) {
  max_len = std::min(max_len, kMaxFingerprintBytes);
  uint32_t got = 0;
  while (got < max_len) {
    ssize_t n = pread(fd, buf + got, max_len - got, got);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Err(ErrnoStatus("read the first bytes", errno));
    }
    if (n == 0) {
      break;
    }
    got += static_cast<uint32_t>(n);
  }
  return got;
}

Result<Fingerprint> ComputeFingerprint(int fd, uint32_t max_len) {
  char buf[kMaxFingerprintBytes];
  RUNNEL_ASSIGN_OR_RETURN(uint32_t n, ReadPrefix(fd, max_len, buf));
  return Fingerprint{n, HashBytes(std::string_view(buf, n))};
}

Result<FingerprintCheck> CheckFingerprint(int fd, const Fingerprint& old, uint32_t max_len) {
  char buf[kMaxFingerprintBytes];
  RUNNEL_ASSIGN_OR_RETURN(uint32_t n, ReadPrefix(fd, std::max(max_len, old.len), buf));
  FingerprintCheck check;
  if (n < old.len) {
    return check;
  }
  uint64_t h = HashBytes(std::string_view(buf, old.len));
  if (h != old.hash) {
    return check;
  }
  check.matches = true;
  uint32_t len = std::min(n, std::max(max_len, old.len));
  check.current = Fingerprint{len, HashBytes(std::string_view(buf + old.len, len - old.len), h)};
  return check;
}

}  // namespace runnel::files
