#pragma once
// Small file helpers for tests: append like a log writer, rewrite in place.

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <string_view>

namespace runnel::testing {

// Appends `data` to `path` (created when missing) with O_APPEND, as a log writer does.
inline bool AppendFile(const std::string& path, std::string_view data) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;
  }
  bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  close(fd);
  return ok;
}

// Replaces the contents of `path` (truncating it in place: same inode).
inline bool WriteFile(const std::string& path, std::string_view data) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;
  }
  bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  close(fd);
  return ok;
}

}  // namespace runnel::testing
