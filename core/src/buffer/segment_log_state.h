#pragma once
// SegmentLog::State: the shared state of segment_log.cc (open, append, ack) and
// segment_log_read.cc (the read cursor). Internal to core.

#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>

#include "runnel/buffer/segment_log.h"

namespace runnel::buffer {

struct SegmentLog::State {
  struct Segment {
    uint64_t first_seq = 0;
    uint64_t next_seq = 0;  // one past the last entry
    uint64_t size = 0;      // bytes of valid data
    std::string path;
    int fd = -1;
    uint64_t entries() const { return next_seq - first_seq; }
  };

  SegmentLogOptions options;
  FileOps* ops = nullptr;
  int lock_fd = -1;

  mutable std::mutex mu;
  std::deque<Segment> segments;  // by first_seq; the last is appended to unless `active_closed`
  bool active_closed = true;     // the last segment takes no more appends (or there is none)
  uint64_t bytes = 0;            // total size of the segment files
  uint64_t next_seq = 1;
  uint64_t watermark = 0;    // every live entry <= watermark is acknowledged
  std::set<uint64_t> acked;  // acknowledged entries above the watermark
  bool unsynced = false;
  bool ack_dirty = false;  // the ack file is behind `watermark`
  int64_t last_sync_ns = 0;
  SegmentLogStats counters;  // only the counter fields are kept up to date here

  // Read cursor.
  uint64_t cursor_seq = 1;      // next entry to read
  uint64_t cursor_segment = 0;  // first_seq of the segment cursor_offset is in; 0: unknown
  uint64_t cursor_offset = 0;
  std::string read_buffer;

  ~State();

  // Index of the first segment with an entry >= seq, or segments.size().
  size_t SegmentFor(uint64_t seq) const;
  // Moves segment `index` to corrupt/ (or deletes it when that fails), logged and counted.
  void QuarantineLocked(size_t index, const std::string& reason);
  // Deletes segment `index`.
  void RemoveLocked(size_t index);
  // Moves the watermark over acknowledged entries; true when it moved.
  bool AdvanceLocked();
  uint64_t UnackedLocked() const;

  // Closes the segment being appended to (synced unless kNever; deleted when fully
  // acknowledged) and creates the next one, starting at next_seq.
  Status RollLocked();
  // drop_oldest: deletes the oldest segment, counting its unacknowledged entries.
  void DropOldestLocked();
  // After a failed write or sync of the record at the end of the active segment: truncates the
  // segment back to its last complete record (or, when that fails too, closes it for appends so
  // that the next entry starts a new segment). Returns `error`.
  Status CutBackLocked(Status error);
  // fdatasync of the active segment; 0, or -1 with errno set.
  int SyncLocked();
  // Persists the watermark (if it changed) and deletes fully acknowledged closed segments.
  Status CommitLocked();
};

}  // namespace runnel::buffer
