#pragma once
// IoLoop: a small pool of threads running one Asio io_context, on which connections, timers and
// TLS handshakes run. No hand-written event loop; Asio stays inside core/src/net.
//
// A TcpServer owns one; client connections (Connect) run on one the caller owns, usually one per
// output. Every Connection created on a loop keeps the loop's internals alive, so a Connection
// may outlive its IoLoop object safely (it is closed, and further calls fail with Cancelled).
// Thread-safe.

#include <memory>
#include <string>

namespace runnel::net {

class IoLoop {
 public:
  // Starts `threads` (>= 1) threads named "<name>-io" (truncated to 15 bytes for the kernel).
  explicit IoLoop(std::string name, int threads = 1);
  // Stop().
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  // Closes every connection still open on the loop (their on_close gets Cancelled), lets
  // everything in flight complete, and joins the threads. Idempotent. Must not be called from a
  // loop thread (a callback): that is a programming error (RUNNEL_CHECK).
  void Stop();

  // True on one of this loop's threads, i.e. inside a connection callback.
  bool InLoopThread() const;

  struct Impl;  // core/src/net
  const std::shared_ptr<Impl>& impl() const { return impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace runnel::net
