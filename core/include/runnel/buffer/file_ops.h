#pragma once
// FileOps: the write-side system calls of the disk buffer, behind an interface so that tests can
// inject failures (ENOSPC, EIO) and count fdatasync calls. The default forwards to the kernel.
// Implementations must be thread-safe (the default is).

#include <sys/types.h>
#include <sys/uio.h>

namespace runnel::buffer {

class FileOps {
 public:
  virtual ~FileOps() = default;
  // pwritev(2): the number of bytes written (possibly short), or -1 with errno set.
  virtual ssize_t PWritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) = 0;
  // fdatasync(2): 0, or -1 with errno set.
  virtual int Fdatasync(int fd) = 0;
  // ftruncate(2): 0, or -1 with errno set.
  virtual int Ftruncate(int fd, off_t length) = 0;

  // The process-wide kernel implementation.
  static FileOps& Default();
};

}  // namespace runnel::buffer
