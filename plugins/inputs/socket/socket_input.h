#pragma once
// SocketInput: the runtime of the tcp, udp and unix inputs, and of the syslog input (which
// gives its own encoder). It listens on one socket (a TcpServer, a UnixServer or a
// DatagramSocket), turns each message into a record and emits them from a thread of its own
// (EmitQueue), so no socket thread ever blocks on the pipeline.
//
// Streams are slowed down while the pipeline is full (StreamSession pauses reading); datagrams
// cannot be, so a bounded queue drops what does not fit (counted). Nothing is acknowledged to
// senders: these protocols have no acknowledgement (see the README's delivery semantics).
//
// Thread-safety: Start and Stop are called by the runtime from one thread; port() from any.

#include <memory>
#include <string>
#include <thread>

#include "message_encoder.h"
#include "runnel/plugin.h"
#include "socket_config.h"

namespace runnel::net {
class TcpServer;
class UnixServer;
class DatagramSocket;
struct Datagram;
}  // namespace runnel::net

namespace runnel::plugins::socket_input {

struct StreamShared;
class EmitQueue;

class SocketInput : public Input {
 public:
  // `tag`: the component's name. `encoders` null: PlainEncoder with config.key.
  SocketInput(SocketConfig config, std::string tag, const PluginContext& ctx,
              EncoderFactory encoders = nullptr);
  ~SocketInput() override;

  // Listens and starts the emitting thread. Unavailable when the socket cannot be bound:
  // "inputs.tcp: cannot listen on 0.0.0.0:514: Permission denied"; FailedPrecondition when a
  // non-socket file is at a unix path.
  Status Start(Emitter& emitter) override;
  // Stops listening and reading, emits what was read (or counts it lost when the pipeline is
  // stopping) and returns when no thread will call Emit again. Idempotent.
  void Stop() override;

  // The bound TCP or UDP port; 0 before Start and for unix sockets.
  uint16_t port() const;

 private:
  void OnDatagram(const net::Datagram& d);

  std::shared_ptr<StreamShared> shared_;
  std::unique_ptr<MessageEncoder> datagram_encoder_;  // the datagram thread's
  std::unique_ptr<net::TcpServer> tcp_;
  std::unique_ptr<net::UnixServer> unix_;
  std::unique_ptr<net::DatagramSocket> datagrams_;
  std::thread emit_thread_;
};

}  // namespace runnel::plugins::socket_input
