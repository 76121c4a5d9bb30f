#pragma once
// FakeForwardServer: a Forward v1 receiver for tests of senders (the forward output). It follows
// the protocol as the spec and Fluentd do: optional HELO/PING/PONG with a shared key, event
// frames in any mode, `{"ack": chunk}` for frames with a chunk. It keeps every frame it decoded
// and can be told to hold its acks (a replica that stopped answering) or to be stopped and
// started again on the same port (a replica that died). Built on runnel's own codec and network
// layer, which have their own byte-exact tests. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runnel/forward/frame_decoder.h"
#include "runnel/net/tcp_server.h"
#include "runnel/net/tls.h"

namespace runnel::testing {

struct ReceivedFrame {
  std::string tag;
  forward::Mode mode = forward::Mode::kMessage;
  forward::Compression compressed = forward::Compression::kNone;
  std::string chunk;
  uint32_t count = 0;
  std::string entries;  // the decoded entries, [EventTime, {record}]...
};

struct FakeForwardOptions {
  uint16_t port = 0;                               // 0: any free port
  std::string shared_key;                          // non-empty: handshake required
  bool ack = true;                                 // answer chunks
  std::chrono::milliseconds idle_timeout{60'000};  // a silent connection is closed
  std::shared_ptr<const net::TlsContext> tls;
};

class FakeForwardServer {
 public:
  explicit FakeForwardServer(FakeForwardOptions options);
  ~FakeForwardServer();

  // Listens (again, on the same port after a Stop). Aborts the test binary if it cannot.
  void Start();
  // Closes the listener and every connection, as a killed process would.
  void Stop();
  uint16_t port() const { return port_; }

  // While held, frames are kept but not acknowledged; Release sends the held acks.
  void HoldAcks();
  void ReleaseAcks();

  std::vector<ReceivedFrame> frames();
  size_t frame_count();
  // Frames carrying a chunk seen before on this server.
  size_t duplicate_chunks();
  // Connections accepted, and handshakes refused.
  size_t connections();
  size_t refused_handshakes();
  bool WaitForFrames(size_t n, std::chrono::milliseconds timeout);
  bool WaitForConnections(size_t n, std::chrono::milliseconds timeout);

 private:
  struct Session;
  net::ConnectionCallbacks Accept(const std::shared_ptr<net::Connection>& conn);

  FakeForwardOptions options_;
  uint16_t port_ = 0;
  std::unique_ptr<net::TcpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReceivedFrame> frames_;
  std::set<std::string> chunks_;
  size_t duplicates_ = 0;
  size_t connections_ = 0;
  size_t refused_ = 0;
  bool hold_ = false;
  std::vector<std::pair<std::weak_ptr<net::Connection>, std::string>> held_;
};

}  // namespace runnel::testing
