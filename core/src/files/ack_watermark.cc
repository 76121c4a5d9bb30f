#include "runnel/files/ack_watermark.h"

namespace runnel::files {

uint64_t AckWatermark::Add(uint64_t end) {
  if (end < emitted_) {
    end = emitted_;  // a caller bug; keep the ranges ordered rather than go backwards
  }
  ranges_.push_back(Range{end, State::kPending});
  emitted_ = end;
  ++outstanding_;
  return first_seq_ + ranges_.size() - 1;
}

bool AckWatermark::Ack(uint64_t seq, bool advance) {
  if (seq < first_seq_ || seq - first_seq_ >= ranges_.size()) {
    return false;
  }
  Range& r = ranges_[seq - first_seq_];
  if (r.state != State::kPending) {
    return false;
  }
  r.state = advance ? State::kAcked : State::kCancelled;
  --outstanding_;
  bool moved = false;
  while (!ranges_.empty() && ranges_.front().state == State::kAcked) {
    committed_ = ranges_.front().end;
    ranges_.pop_front();
    ++first_seq_;
    moved = true;
  }
  return moved;
}

}  // namespace runnel::files
