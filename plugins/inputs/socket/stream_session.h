#pragma once
// StreamSession: one connection to a tcp, unix stream or syslog-over-TCP input. It frames the
// byte stream (StreamFramer), makes each message a record (MessageEncoder) and hands the
// records of one read to the EmitQueue as one batch (split at batch_max_bytes).
//
// Backpressure: after a read whose batches were queued, the session stops reading
// (PauseReading) until the emitting thread has emitted them all; TCP flow control then slows
// the sender while the pipeline is full.
// Bad input: a broken octet count closes this connection (counted, rate-limit logged with the
// peer and the reason); the messages before it still go through. An over-long message is cut
// (counted), the stream goes on. Bytes are taken as they are: invalid UTF-8 is kept unaltered.
//
// Thread-safety: OnData and OnClose run on the connection's loop thread, one at a time;
// the emitting thread calls the queue's `done`, which touches only state under mu_.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "emit_queue.h"
#include "message_encoder.h"
#include "runnel/batch.h"
#include "runnel/net/connection.h"
#include "socket_config.h"
#include "socket_metrics.h"
#include "stream_framer.h"

namespace runnel::plugins::socket_input {

// What every session of one input shares; owned by the input and every session (shared_ptr).
struct StreamShared {
  SocketConfig config;
  std::string component;
  std::string tag;
  SocketMetrics metrics;
  EncoderFactory encoders;
  std::shared_ptr<EmitQueue> queue;
};

class StreamSession : public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(std::shared_ptr<const StreamShared> shared,
                const std::shared_ptr<net::Connection>& connection);

  void OnData(std::string_view data);
  void OnClose(const Status& reason);

 private:
  void OnMessage(std::string_view message, bool truncated);
  // Queues the batch being built, if it has entries.
  void Flush();
  void BatchEmitted();

  const std::shared_ptr<const StreamShared> shared_;
  const std::weak_ptr<net::Connection> connection_;
  const std::string peer_;
  std::string peer_address_;
  Peer peer_view_;
  StreamFramer framer_;
  std::unique_ptr<MessageEncoder> encoder_;
  Batch batch_;
  bool failed_ = false;

  std::mutex mu_;
  size_t queued_ = 0;
  bool paused_ = false;
};

}  // namespace runnel::plugins::socket_input
