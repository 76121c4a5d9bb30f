#pragma once
// The http input: an HTTP/1.1 server that takes events POSTed as JSON (an object, an array of
// objects, or NDJSON; gzip, deflate or zstd Content-Encoding) and answers each request once the
// pipeline's outputs have taken its events (200), or with why not (see README.md).
//
// Threads: the TcpServer's loop thread reads, parses and decodes (Session); one emitting thread
// calls Emitter::Emit (Receiver::Run); acknowledgements answer requests on the thread that
// completed them.
//
// Stopping is in two steps, so that requests whose events the pipeline is draining still get
// their answer: Stop() ends the emitting thread (queued requests are answered 503) and refuses
// new requests (503), but keeps connections open; OnDrained() (or the destructor) then closes
// them and the listening socket.
//
// Thread-safety: Start, Stop and OnDrained are called by the runtime from one thread; port()
// from any.

#include <memory>
#include <string>
#include <thread>

#include "http_config.h"
#include "runnel/net/tcp_server.h"
#include "runnel/plugin.h"

namespace runnel::plugins::http_input {

class Receiver;

class HttpInput : public Input {
 public:
  HttpInput(HttpConfig config, const PluginContext& ctx);
  ~HttpInput() override;

  // Listens and starts the emitting thread. Unavailable when the address cannot be bound:
  // "inputs.web: cannot listen on 0.0.0.0:9880: Address already in use".
  Status Start(Emitter& emitter) override;
  // Returns once the emitting thread is done: no Emit after it returns. Requests still queued
  // are answered 503 with Retry-After; so are requests that arrive later. Idempotent.
  void Stop() override;
  // Closes every connection (after what is queued to it is written) and stops listening.
  void OnDrained() override;

  // The bound port (useful with port = 0); 0 before Start.
  uint16_t port() const;

 private:
  std::string id_;
  std::shared_ptr<Receiver> receiver_;
  std::unique_ptr<net::TcpServer> server_;
  std::thread emit_thread_;
};

}  // namespace runnel::plugins::http_input
