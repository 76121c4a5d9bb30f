// SegmentLog's read side: the cursor over unacknowledged entries.
#include <cerrno>

#include "buffer/segment_format.h"
#include "buffer/segment_log_state.h"
#include "runnel/buffer/segment_log.h"

namespace runnel::buffer {

using internal::kBodyFixed;
using internal::kHeaderSize;
using internal::kRecordPrefix;

void SegmentLog::Rewind() {
  std::lock_guard lock(state_->mu);
  state_->cursor_seq = state_->watermark + 1;
  state_->cursor_segment = 0;
}

Result<bool> SegmentLog::Next(ReadEntry* entry) {
  State& st = *state_;
  std::lock_guard lock(st.mu);
  while (true) {
    if (st.cursor_seq <= st.watermark) {
      st.cursor_seq = st.watermark + 1;
      st.cursor_segment = 0;
    }
    size_t i = st.SegmentFor(st.cursor_seq);
    if (i == st.segments.size() || st.segments[i].entries() == 0) {
      return false;
    }
    const State::Segment& seg = st.segments[i];
    if (st.cursor_seq < seg.first_seq) {
      st.cursor_seq = seg.first_seq;
      st.cursor_segment = 0;
    }
    char prefix[kRecordPrefix];
    if (st.cursor_segment != seg.first_seq) {
      // Find the record of cursor_seq by walking the lengths from the start of the segment.
      uint64_t off = kHeaderSize;
      bool ok = true;
      for (uint64_t s = seg.first_seq; s < st.cursor_seq && ok; ++s) {
        RUNNEL_ASSIGN_OR_RETURN(ok, internal::PreadFull(seg.fd, prefix, 4, off, seg.path));
        off += kRecordPrefix + internal::GetU32(prefix);
        ok = ok && off <= seg.size;
      }
      if (!ok) {
        st.QuarantineLocked(i, "a record length points past the end");
        continue;
      }
      st.cursor_segment = seg.first_seq;
      st.cursor_offset = off;
    }
    RUNNEL_ASSIGN_OR_RETURN(
        bool ok, internal::PreadFull(seg.fd, prefix, kRecordPrefix, st.cursor_offset, seg.path));
    uint64_t length = internal::GetU32(prefix);
    uint64_t end = st.cursor_offset + kRecordPrefix + length;
    if (!ok || length < kBodyFixed || end > seg.size) {
      st.QuarantineLocked(i, "impossible record length " + std::to_string(length) + " at offset " +
                                 std::to_string(st.cursor_offset));
      continue;
    }
    st.read_buffer.resize(length);
    RUNNEL_ASSIGN_OR_RETURN(ok, internal::PreadFull(seg.fd, st.read_buffer.data(), length,
                                                    st.cursor_offset + kRecordPrefix, seg.path));
    internal::DecodedRecord rec;
    if (!ok || !internal::DecodeRecord(prefix, st.read_buffer, &rec) || rec.seq != st.cursor_seq) {
      st.QuarantineLocked(i, "bad record at offset " + std::to_string(st.cursor_offset));
      continue;
    }
    st.cursor_offset = end;
    ++st.cursor_seq;
    if (st.acked.contains(rec.seq)) {
      continue;
    }
    entry->seq = rec.seq;
    entry->id = BatchId{rec.id_hi, rec.id_lo};
    entry->tag = rec.tag;
    entry->count = rec.count;
    entry->flags = rec.flags;
    entry->time_ns = rec.time_ns;
    entry->payload = rec.payload;
    return true;
  }
}

}  // namespace runnel::buffer
