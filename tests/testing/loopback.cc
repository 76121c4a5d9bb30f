#include "tests/testing/loopback.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>

#include "tests/testing/capture_emitter.h"  // PollUntil

namespace runnel::testing {
sockaddr_in LoopbackAddress(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return 0;
  }
  sockaddr_in a = LoopbackAddress(0);
  socklen_t len = sizeof(a);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  close(fd);
  return ok ? ntohs(a.sin_port) : 0;
}

bool AcceptsConnections(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in a = LoopbackAddress(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

uint16_t WaitForLoggedPort(const std::string& log_path, std::string_view component,
                           Process& process, std::chrono::milliseconds timeout) {
  const std::string marker = "[" + std::string(component) + "] listening on 127.0.0.1:";
  uint16_t port = 0;
  PollUntil(
      [&] {
        std::string log = ReadFileOrEmpty(log_path);
        size_t at = log.find(marker);
        if (at != std::string::npos) {
          const char* digits = log.data() + at + marker.size();
          std::from_chars(digits, log.data() + log.size(), port);
          return true;
        }
        return !process.running();
      },
      timeout);
  return port;
}

}  // namespace runnel::testing
