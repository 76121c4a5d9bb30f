#pragma once
// EmitQueue: hands batches from the threads that read sockets (a server's loop thread, a
// datagram socket's thread) to the one thread that calls Emitter::Emit, so a reading thread
// never blocks on the pipeline.
//
// Streams: Push always queues (until Shutdown) and calls `done` once the batch was emitted or
// dropped; the session pauses reading meanwhile, so the queue holds at most what one read of
// each connection made. Datagrams cannot be paused: TryPush queues while the bytes queued stay
// within max_bytes and otherwise drops (counted in socket_dropped_total{reason="queue_full"}
// and rate-limit logged); a datagram batch is appended to the last queued one while that one
// is under merge_bytes, so a burst of datagrams costs one Emit, not one per datagram.
//
// Stop: Shutdown() (after the producers stopped) makes Run emit what is queued and return; a
// batch whose Emit is Cancelled (the pipeline has begun its drain) is counted in
// socket_dropped_total{reason="stopping"} and logged with its count.
// Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "runnel/batch.h"
#include "runnel/plugin.h"
#include "socket_metrics.h"

namespace runnel::plugins::socket_input {

class EmitQueue {
 public:
  EmitQueue(std::string component, const SocketMetrics& metrics, size_t max_bytes,
            size_t merge_bytes);

  // Streams. False after Shutdown (the batch is dropped and `done` is not called).
  bool Push(Batch batch, std::function<void()> done);
  // Datagrams. False when dropped (full, or after Shutdown).
  bool TryPush(Batch batch);

  // The emitting thread: returns after Shutdown once the queue is empty.
  void Run(Emitter& emitter);
  void Shutdown();

  size_t queued_bytes() const;

 private:
  struct Item {
    Batch batch;
    std::function<void()> done;  // streams
  };

  const std::string component_;
  const SocketMetrics metrics_;
  const size_t max_bytes_;
  const size_t merge_bytes_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  size_t bytes_ = 0;
  bool shutdown_ = false;
};

}  // namespace runnel::plugins::socket_input
