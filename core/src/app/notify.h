#pragma once
// Notifier: the service manager notification protocol (sd_notify(3)): newline-separated
// VARIABLE=value assignments, one datagram each, sent to the AF_UNIX datagram socket named by
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). runnel sends
//   READY=1      once every output is created and every input started (listening)
//   RELOADING=1  while a SIGHUP reload is applied, then READY=1 again
//   STOPPING=1   when the drain begins
//   STATUS=...   a line for `systemctl status`
//   WATCHDOG=1   while the pipeline is live (Watchdog, below)
// Without $NOTIFY_SOCKET (not started by systemd with Type=notify) Send does nothing.
// Thread-safe: Send may be called from any thread.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <condition_variable>

#include "runnel/status.h"

namespace runnel::app {

class Notifier {
 public:
  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (the watchdog is for this process
  // when WATCHDOG_PID is unset or is our pid).
  static Notifier FromEnvironment();
  // `socket`: "" disables; `watchdog`: the interval the manager expects pings within, if any.
  Notifier(std::string socket, std::optional<std::chrono::microseconds> watchdog);
  ~Notifier();
  Notifier(Notifier&& other) noexcept;
  Notifier& operator=(Notifier&&) = delete;
  Notifier(const Notifier&) = delete;

  bool enabled() const { return !socket_.empty(); }
  const std::optional<std::chrono::microseconds>& watchdog_interval() const { return watchdog_; }
  // Sends `state` ("READY=1\nSTATUS=running"). OK when disabled. Errors: the socket cannot be
  // created or the datagram not sent (errno text naming the socket); callers log them.
  Status Send(std::string_view state);

 private:
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
  std::mutex mu_;
  int fd_ = -1;
};

// Watchdog: while running, sends WATCHDOG=1 every half interval as long as `live` returns OK; when
// it does not (a wedged output), it logs why once and stops pinging, so the service manager
// restarts the process after WatchdogSec. Pinging resumes if `live` recovers.
class Watchdog {
 public:
  // Does nothing when `notifier` has no watchdog interval.
  Watchdog(Notifier* notifier, std::function<Status()> live);
  ~Watchdog();  // stops the thread

 private:
  void Run(std::chrono::microseconds interval);
  Notifier* notifier_;
  std::function<Status()> live_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace runnel::app
