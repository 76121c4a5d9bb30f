#include "tests/testing/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

namespace runnel::testing {

NotifySocket::NotifySocket(std::string path) : path_(std::move(path)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(addr.sun_path)) {
    return;
  }
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  unlink(path_.c_str());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return;
  }
  fd_ = fd;
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(path_.c_str());
  }
}

std::optional<std::string> NotifySocket::Receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    return std::nullopt;
  }
  char buf[4096];
  ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n < 0) {
    return std::nullopt;
  }
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<std::string> NotifySocket::WaitFor(const std::string& needle,
                                               std::chrono::milliseconds timeout) {
  std::vector<std::string> got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return {};
    }
    std::optional<std::string> m = Receive(left);
    if (!m.has_value()) {
      return {};
    }
    got.push_back(*m);
    std::istringstream lines(*m);
    std::string line;
    while (std::getline(lines, line)) {
      if (line == needle) {
        return got;
      }
    }
  }
}

}  // namespace runnel::testing
