#include "runnel/buffer/file_ops.h"

#include <unistd.h>

namespace runnel::buffer {
namespace {

class KernelFileOps final : public FileOps {
 public:
  ssize_t PWritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) override {
    return pwritev(fd, iov, iovcnt, offset);
  }
  int Fdatasync(int fd) override { return fdatasync(fd); }
  int Ftruncate(int fd, off_t length) override { return ftruncate(fd, length); }
};

}  // namespace

FileOps& FileOps::Default() {
  static KernelFileOps* ops = new KernelFileOps();
  return *ops;
}

}  // namespace runnel::buffer
