#pragma once
// NotifySocket: the receiving end of the service manager notification protocol, for tests: an
// AF_UNIX datagram socket bound at a path, as systemd creates for a Type=notify service (pass
// path() as $NOTIFY_SOCKET). Each datagram is one message ("READY=1\nSTATUS=running").
// Not thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace runnel::testing {

class NotifySocket {
 public:
  // Binds `path` (removed first if it exists). Check ok() before use.
  explicit NotifySocket(std::string path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  // The next message, waiting up to `timeout`; nullopt when none came.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout);
  // Receives until a message contains `needle` (as one of its lines), up to `timeout`. Returns
  // every message received on the way, that one last; empty when it did not come.
  std::vector<std::string> WaitFor(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace runnel::testing
