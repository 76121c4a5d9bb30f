#pragma once
// Connection: one TCP (optionally TLS) byte stream, accepted by a TcpServer or made by Connect,
// or a unix stream socket accepted by a UnixServer.
//
// Reading is push-style: on_data gets each chunk as it arrives, on the connection's loop thread,
// one call at a time. A protocol that reads frames appends the chunk to its own buffer and
// parses whole frames; a handler whose downstream is full calls PauseReading() and, later,
// ResumeReading(): while paused nothing is read, so the kernel's receive window fills and the
// peer is slowed down (TCP backpressure), and the idle timeout does not run.
//
// Writing is queued: Write() takes ownership of the bytes (or shares an immutable buffer, so a
// batch can be sent to another replica without a copy), and several writes can be in flight;
// they go out in order. Small responses (acks) from on_data are the expected use.
//
// Lifetime: the connection is open until Close(), the peer closes, an error, a timeout, or the
// loop stops; then on_close is called exactly once with the reason and both callbacks are
// released. Dropping the last std::shared_ptr<Connection> closes it (a TcpServer keeps one per
// open connection). Callbacks must not own the Connection (capture a weak_ptr or a raw pointer):
// that would keep it open until the peer or a timeout closes it.
// on_close runs on the loop thread and may run after the last handle is dropped (closing is
// asynchronous), so callbacks must own (shared_ptr) what they touch, or the owner must wait for
// on_close before destroying it.
//
// Thread-safety: every method may be called from any thread, including from the callbacks.
// Callbacks of one connection never run concurrently with each other.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::net {

struct ConnectionCallbacks {
  // Bytes read; `data` is valid only during the call. Required.
  std::function<void(std::string_view data)> on_data{};
  // Called once when the connection is closed, with why: OK when the peer closed cleanly or
  // Close(OkStatus()) was called; Cancelled when dropped or stopped; DeadlineExceeded for the
  // idle/write timeouts; Unavailable for I/O errors. Optional.
  std::function<void(const Status& reason)> on_close{};
};

// Timeouts and limits of an open connection; zero durations mean "none".
struct ConnectionOptions {
  // Closed (DeadlineExceeded, logged) when no byte arrives for this long while reading is not
  // paused. A peer sending one byte a minute is closed after idle_timeout of silence between
  // bytes; a frame-level deadline, if a protocol needs one, is the protocol's business.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Closed (DeadlineExceeded, logged) when a write makes no progress for this long (a peer that
  // does not read).
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // Most bytes queued and not yet written; Write() beyond it fails with ResourceExhausted.
  size_t max_write_queue_bytes = 64u << 20;
  // Size of the read buffer, i.e. the largest chunk on_data gets.
  size_t read_buffer_bytes = 64u << 10;
  // Logs name this component, e.g. "inputs.forward".
  std::string component{};
};

class Connection {
 public:
  struct Impl;  // core/src/net
  explicit Connection(std::shared_ptr<Impl> impl);
  // Closes the connection (Cancelled "connection dropped") if it is still open.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading and delivering to `callbacks`. Called once; TcpServer calls it for accepted
  // connections with the handler's callbacks, a client calls it after Connect. Data that arrived
  // before Start waits in the kernel.
  void Start(ConnectionCallbacks callbacks);

  // Queues bytes to be written after those queued before. OK: queued (not yet sent); written
  // bytes are acknowledged only by the peer's protocol. Errors: Cancelled when the connection
  // is closed, ResourceExhausted when max_write_queue_bytes would be exceeded (nothing queued).
  // A write that fails later closes the connection (on_close says why).
  Status Write(std::string bytes);
  Status Write(std::shared_ptr<const std::string> bytes);

  // Backpressure. After PauseReading() returns, on_data is not called again until
  // ResumeReading() (bytes already read are kept and delivered first on resume). Cheap; may be
  // called repeatedly.
  void PauseReading();
  void ResumeReading();
  bool reading_paused() const;

  // Closes now: queued writes not yet sent are dropped, on_close gets `reason`. Idempotent;
  // only the first reason counts.
  void Close(Status reason = OkStatus());
  // Closes once every write queued before this call has gone out (or the write timeout passed):
  // for a last word such as a refusal. Reading stops at once. Idempotent like Close.
  void CloseAfterWrites(Status reason);
  bool closed() const;

  // Bytes queued by Write() and not yet written.
  size_t queued_write_bytes() const;
  // "127.0.0.1:50312" or "[::1]:50312" (the peer; "unix:pid=42,uid=0" on a unix socket) and a
  // process-unique id, for logs.
  const std::string& peer() const;
  uint64_t id() const;
  bool tls() const;
  // The subject of the peer's verified certificate ("CN=agent-1,O=..."), "" without one.
  std::string peer_certificate_subject() const;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace runnel::net
