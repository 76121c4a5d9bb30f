#pragma once
// Plain POSIX clients for tests of servers on loopback and unix sockets (TCP, UDP, unix stream
// and datagram), so the bytes on the wire are exactly those the test writes. Header-only.
// Not thread-safe (each Fd belongs to one thread).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "tests/testing/loopback.h"

namespace runnel::testing {

// A socket fd closed on destruction.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    Reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = -1;
  }

 private:
  int fd_;
};

inline Fd ConnectTcp(uint16_t port) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = LoopbackAddress(port);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Fd();
  }
  return fd;
}

inline sockaddr_un UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof(addr.sun_path) - 1));
  return addr;
}

inline Fd ConnectUnix(const std::string& path) {
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr = UnixAddress(path);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Fd();
  }
  return fd;
}

// Writes everything (blocking); false on error.
inline bool SendAll(const Fd& fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// True when the peer closed the connection (read returns 0 or an error) within 10 s; what it
// sends before is discarded.
inline bool WaitPeerClosed(const Fd& fd) {
  pollfd p{fd.get(), POLLIN, 0};
  char buf[256];
  while (poll(&p, 1, 10'000) == 1) {
    if (recv(fd.get(), buf, sizeof(buf), 0) <= 0) {
      return true;
    }
  }
  return false;
}

inline bool SendUdp(const Fd& fd, uint16_t port, std::string_view datagram) {
  sockaddr_in addr = LoopbackAddress(port);
  return sendto(fd.get(), datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                sizeof(addr)) == static_cast<ssize_t>(datagram.size());
}

inline bool SendUnixDatagram(const std::string& path, std::string_view datagram) {
  Fd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr = UnixAddress(path);
  return sendto(fd.get(), datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                sizeof(addr)) == static_cast<ssize_t>(datagram.size());
}

}  // namespace runnel::testing
