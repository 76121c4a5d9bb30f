#pragma once
// Helpers for the disk buffer tests: entries of a known size, a FileOps that injects failures
// and counts syncs, a fake clock.

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "runnel/buffer/segment_log.h"

namespace runnel::buffer::testing {

// With tag "app", a record of this payload size is kRecord bytes on disk; four records and a
// segment header fit in a 4096-byte segment, a fifth does not.
inline constexpr size_t kRecord = 1000;
inline constexpr size_t kPayload = kRecord - 8 - 42 - 3;
inline constexpr uint64_t kSegment = 4096;

inline std::string Payload(uint64_t i, size_t size = kPayload) {
  std::string p(size, '\0');
  for (size_t k = 0; k < size; ++k) {
    p[k] = static_cast<char>('a' + (i * 7 + k) % 26);
  }
  return p;
}

inline BatchId IdFor(uint64_t i) { return BatchId{i * 1000, i}; }

inline uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Fails on request; counts calls. Thread-compatible (tests use one thread).
class FaultyFileOps : public FileOps {
 public:
  ssize_t PWritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) override {
    ++writes;
    if (fail_write_after_bytes >= 0) {
      // Write a prefix, then report the failure on the next call, as a disk filling up does.
      size_t want = static_cast<size_t>(fail_write_after_bytes);
      fail_write_after_bytes = -1;
      if (want > 0) {
        std::string first(static_cast<const char*>(iov[0].iov_base),
                          std::min(want, iov[0].iov_len));
        fail_next_write = true;
        return pwrite(fd, first.data(), first.size(), offset);
      }
      fail_next_write = true;
    }
    if (fail_next_write) {
      fail_next_write = false;
      errno = write_errno;
      return -1;
    }
    return pwritev(fd, iov, iovcnt, offset);
  }
  int Fdatasync(int fd) override {
    ++fdatasyncs;
    if (fail_fdatasync) {
      fail_fdatasync = false;
      errno = EIO;
      return -1;
    }
    return fdatasync(fd);
  }
  int Ftruncate(int fd, off_t length) override {
    ++ftruncates;
    return ftruncate(fd, length);
  }

  int writes = 0;
  int fdatasyncs = 0;
  int ftruncates = 0;
  int64_t fail_write_after_bytes = -1;  // >= 0: the next record write stops after this many
  bool fail_next_write = false;
  int write_errno = ENOSPC;
  bool fail_fdatasync = false;
};

}  // namespace runnel::buffer::testing
