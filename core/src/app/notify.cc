#include "app/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "runnel/logging.h"

namespace runnel::app {
namespace {

std::optional<uint64_t> EnvNumber(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    return std::nullopt;
  }
  uint64_t n = 0;
  const char* end = v + std::strlen(v);
  auto [ptr, ec] = std::from_chars(v, end, n);
  if (ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

Notifier Notifier::FromEnvironment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::optional<std::chrono::microseconds> watchdog;
  std::optional<uint64_t> usec = EnvNumber("WATCHDOG_USEC");
  std::optional<uint64_t> pid = EnvNumber("WATCHDOG_PID");
  if (usec.has_value() && *usec > 0 &&
      (!pid.has_value() || *pid == static_cast<uint64_t>(getpid()))) {
    watchdog = std::chrono::microseconds(*usec);
  }
  return Notifier(socket != nullptr ? socket : "", watchdog);
}

Notifier::Notifier(std::string socket, std::optional<std::chrono::microseconds> watchdog)
    : socket_(std::move(socket)), watchdog_(watchdog) {}

Notifier::Notifier(Notifier&& other) noexcept
    : socket_(std::move(other.socket_)), watchdog_(other.watchdog_), fd_(other.fd_) {
  other.fd_ = -1;
}

Notifier::~Notifier() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

Status Notifier::Send(std::string_view state) {
  if (socket_.empty()) {
    return OkStatus();
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof(addr.sun_path) || (socket_[0] != '/' && socket_[0] != '@')) {
    return InvalidArgument("NOTIFY_SOCKET '" + socket_ + "' is not a socket path");
  }
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  if (socket_[0] == '@') {
    addr.sun_path[0] = '\0';  // the abstract namespace
  }
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      return ErrnoStatus("notify socket", errno);
    }
  }
  if (sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
             len) < 0) {
    return ErrnoStatus("sending to NOTIFY_SOCKET " + socket_, errno);
  }
  return OkStatus();
}

Watchdog::Watchdog(Notifier* notifier, std::function<Status()> live)
    : notifier_(notifier), live_(std::move(live)) {
  if (notifier_->watchdog_interval().has_value()) {
    thread_ = std::thread([this] { Run(*notifier_->watchdog_interval()); });
  }
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Watchdog::Run(std::chrono::microseconds interval) {
  bool wedged = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Status live = live_();
    if (live.ok()) {
      if (wedged) {
        RUNNEL_LOG(kInfo, "") << "watchdog: the pipeline is live again";
        wedged = false;
      }
      Status sent = notifier_->Send("WATCHDOG=1");
      if (!sent.ok()) {
        RUNNEL_LOG_EVERY(kWarn, "", std::chrono::seconds(60)) << "watchdog: " << sent.message();
      }
    } else if (!wedged) {
      wedged = true;
      RUNNEL_LOG(kError, "") << "watchdog: " << live.message()
                             << "; no longer telling the service manager that runnel is alive, "
                                "so that it restarts it";
      (void)notifier_->Send("STATUS=wedged: " + live.message());
    }
    lock.lock();
    cv_.wait_for(lock, interval / 2, [&] { return stop_; });
  }
}

}  // namespace runnel::app
