#pragma once
// AckWatermark: the committed offset of one file generation, advanced only over contiguous
// acknowledged ranges. A reader emits consecutive ranges [start, e1), [e1, e2), ... (one per
// batch); acknowledgements arrive in any order; committed() is the end of the longest prefix of
// ranges that are all acknowledged. A cancelled range never counts as acknowledged, so the
// watermark stops before it for good (what was not delivered is read again after a restart).
//
// Not thread-safe: the owner serialises Add and Ack (tail holds its commit mutex).

#include <cstddef>
#include <cstdint>
#include <deque>

namespace runnel::files {

class AckWatermark {
 public:
  explicit AckWatermark(uint64_t start = 0) : committed_(start), emitted_(start) {}

  // Registers the next range [emitted(), end); end must be >= emitted(). Returns its sequence
  // number for Ack.
  uint64_t Add(uint64_t end);

  // Completes range `seq`. `advance` is true for delivered and rejected outcomes, false for
  // cancelled. Unknown or repeated sequence numbers are ignored. Returns true when committed()
  // moved.
  bool Ack(uint64_t seq, bool advance);

  uint64_t committed() const { return committed_; }
  uint64_t emitted() const { return emitted_; }
  // Ranges added and not yet acknowledged (cancelled ones included).
  size_t outstanding() const { return outstanding_; }

 private:
  enum class State : uint8_t { kPending, kAcked, kCancelled };
  struct Range {
    uint64_t end;
    State state;
  };
  std::deque<Range> ranges_;  // ranges after committed_, in order
  uint64_t first_seq_ = 0;    // sequence number of ranges_.front()
  uint64_t committed_;
  uint64_t emitted_;
  size_t outstanding_ = 0;
};

}  // namespace runnel::files
