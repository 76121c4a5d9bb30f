#pragma once
// Session: one sender's connection to the forward input. It runs the handshake when a
// shared_key is configured, splits the byte stream into frames (forward::FrameDecoder, with the
// input's limits), turns each event frame into a Batch and hands it to the Receiver.
//
// Backpressure: after a read whose frames went to the queue, the session stops reading
// (PauseReading); the emitting thread calls BatchEmitted for each one and the last resumes
// reading. TCP flow control then slows the sender while the pipeline is full.
//
// Bad input (a frame over max_frame_bytes, a compression bomb, malformed msgpack, a failed
// handshake) closes this connection only, with a rate-limited log line naming the peer and the
// reason, and a counter. Frames decoded before it still go through.
//
// Frames without a `chunk` (nobody waits for their ack) that arrive in one read with the same
// tag are emitted as one batch, so one-event-per-frame senders cost one Emit per read, not per
// event. Frames with a chunk are one batch each (each is acked on its own).
//
// Thread-safety: OnData and OnClose run on the connection's loop thread, one at a time;
// BatchEmitted runs on the emitting thread. Shared state is under mu_.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "receiver.h"
#include "runnel/forward/frame_decoder.h"
#include "runnel/forward/handshake.h"
#include "runnel/net/connection.h"

namespace runnel::plugins::forward_input {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Receiver> receiver, const std::shared_ptr<net::Connection>& connection);

  // Loop thread, before the first OnData: sends HELO when the handshake is on. Errors close
  // the connection.
  void Begin();
  void OnData(std::string_view data);
  void OnClose(const Status& reason);
  // Emitting thread: one batch of this session has been emitted (or dropped).
  void BatchEmitted();

 private:
  enum class State { kAwaitPing, kReady, kFailed };

  // Returns false when the connection was closed.
  bool HandlePing(std::string_view frame);
  // Hands a batch to the receiver (tag, added fields, id); 1 when it was queued, else 0.
  size_t Accept(Batch batch, std::string chunk);
  // Counts, logs and closes the connection for bad input.
  void Fail(const Status& reason, Counter* counter);

  const std::shared_ptr<Receiver> receiver_;
  const std::weak_ptr<net::Connection> connection_;
  const std::string peer_;
  forward::FrameDecoder decoder_;
  std::string scratch_;
  // Chunkless frames of one tag from the current read, emitted as one batch (at most about
  // kMergeBytes) when the tag changes, a chunked frame comes, or the read is decoded.
  static constexpr size_t kMergeBytes = 1 << 20;
  Batch merged_;
  State state_ = State::kReady;
  forward::Helo helo_;

  std::mutex mu_;
  size_t queued_ = 0;    // batches in the receiver's queue
  bool paused_ = false;  // this session paused reading for them
};

}  // namespace runnel::plugins::forward_input
