#include "runnel/files/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runnel/buffer/file_ops.h"

namespace runnel::files {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::string& path, buffer::FileOps& ops) {
  off_t offset = 0;
  while (!data.empty()) {
    struct iovec iov = {const_cast<char*>(data.data()), data.size()};
    ssize_t n = ops.PWritev(fd, &iov, 1, offset);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoStatus("write " + path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return OkStatus();
}

// Writes and syncs the temporary file; the caller removes it when this fails.
Status WriteTemp(const std::string& tmp, std::string_view contents, buffer::FileOps* ops) {
  Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (fd.get() < 0) {
    return ErrnoStatus("create " + tmp, errno);
  }
  RUNNEL_RETURN_IF_ERROR(
      WriteAll(fd.get(), contents, tmp, ops != nullptr ? *ops : buffer::FileOps::Default()));
  // Without injected ops, fsync as before: the file's metadata goes to disk with its data.
  if ((ops != nullptr ? ops->Fdatasync(fd.get()) : fsync(fd.get())) != 0) {
    return ErrnoStatus("fsync " + tmp, errno);
  }
  if (close(fd.Release()) != 0) {
    return ErrnoStatus("close " + tmp, errno);
  }
  return OkStatus();
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           buffer::FileOps* ops) {
  std::string tmp = path + ".tmp";
  if (Status s = WriteTemp(tmp, contents, ops); !s.ok()) {
    unlink(tmp.c_str());
    return s;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return ErrnoStatus("rename " + tmp + " to " + path, err);
  }
  std::string dir = DirName(path);
  Fd dfd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) {
    return ErrnoStatus("open directory " + dir, errno);
  }
  if (fsync(dfd.get()) != 0) {
    return ErrnoStatus("fsync directory " + dir, errno);
  }
  return OkStatus();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return Err(NotFound(path + ": no such file"));
    }
    return Err(ErrnoStatus("open " + path, errno));
  }
  std::string out;
  char buf[16 * 1024];
  while (true) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Err(ErrnoStatus("read " + path, errno));
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) {
    return InvalidArgument("empty directory path");
  }
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') {
      continue;
    }
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0750) != 0 && errno != EEXIST) {
      return ErrnoStatus("create directory " + prefix, errno);
    }
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return ErrnoStatus("stat " + path, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return FailedPrecondition(path + " exists and is not a directory");
  }
  return OkStatus();
}

}  // namespace runnel::files
