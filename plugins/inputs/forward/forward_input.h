#pragma once
// The forward input: a Fluent Forward protocol v1 server (what Fluentd's in_forward and Fluent
// Bit's in_forward are). runnel agents, Fluent Bit, Fluentd and fluent-logger libraries send to
// it; every carrier mode, keepalive, the shared-key handshake, TLS/mTLS and `chunk` acks.
//
// Threads: the TcpServer's loop thread reads and decodes (Session); one emitting thread calls
// Emitter::Emit (Receiver::Run). A sender's `{"ack": chunk}` goes out when the pipeline's
// outputs have taken responsibility for its frame (kDelivered or kRejected), never on
// kCancelled. See receiver.h and forward_session.h for backpressure and bad input.
//
// With dedupe on (the default), the chunk ids of accepted frames are kept in a ChunkWindow under
// the input's state directory (PluginContext::StateDir()), so a frame re-sent after a failover
// or a restart is acked without being stored twice; see receiver.h.
//
// Thread-safety: Start and Stop are called by the runtime from one thread; port() from any.

#include <memory>
#include <string>
#include <thread>

#include "forward_config.h"
#include "runnel/net/tcp_server.h"
#include "runnel/plugin.h"

namespace runnel::plugins::forward_input {

class Receiver;

class ForwardInput : public Input {
 public:
  ForwardInput(ForwardConfig config, const PluginContext& ctx);
  ~ForwardInput() override;

  // Loads the dedupe window (when on), listens and starts the emitting thread. Unavailable when
  // the address cannot be bound: "inputs.fwd: cannot listen on 0.0.0.0:24224: Address already
  // in use"; the errno error when the state directory cannot be made ("inputs.fwd: dedupe
  // window: create directory ..."). A damaged window file is not an error (logged, counted).
  Status Start(Emitter& emitter) override;
  // Stops accepting, closes every connection, and returns once the emitting thread is done:
  // no Emit after it returns. Batches still queued are dropped unacknowledged (senders
  // re-send). Idempotent.
  void Stop() override;

  // The bound port (useful with port = 0); 0 before Start.
  uint16_t port() const;

 private:
  std::string id_;
  std::string state_dir_;
  std::shared_ptr<Receiver> receiver_;
  std::unique_ptr<net::TcpServer> server_;
  std::thread emit_thread_;
};

}  // namespace runnel::plugins::forward_input
