#pragma once
// SegmentLog: the disk buffer's storage engine. An append-only log of batches split into segment
// files under one directory, replayed after a restart from the oldest unacknowledged entry.
//
// Directory layout:
//   <dir>/00000000000000000001.seg   segments, named by their first sequence number (20 digits)
//   <dir>/ack                        the acknowledged watermark, replaced atomically
//   <dir>/corrupt/                   segments set aside because a record in them is corrupt
//   <dir>/lock                       flock'ed by the process that has the log open
//
// Segment file (all integers little-endian):
//   header, 24 bytes: "RUNNELSG" | u32 version (1) | u64 first_seq | u32 crc32c(bytes 0..19)
//   records, back to back:
//     u32 length        bytes of the body that follows the checksum (>= 42)
//     u32 crc32c        over the 4 length bytes, then the body
//     body: u64 seq | u64 batch_id.hi | u64 batch_id.lo | i64 time_ns (wall clock at append)
//           | u32 count | u32 flags | u16 tag_len | tag bytes | payload bytes (the rest)
// Sequence numbers start at 1 and increase by one per entry, across segments; a segment holds
// a contiguous run. A segment grows up to `segment_bytes` (one entry larger than that gets a
// segment of its own) and is deleted when all its entries are acknowledged.
//
// Ack file: "runnel-buffer-ack 1\n<watermark>\n": every entry with seq <= watermark is
// acknowledged. Acknowledgements may arrive out of order; only the contiguous prefix is persisted,
// so entries acknowledged beyond it are replayed after a restart (at-least-once).
//
// Recovery (Open) never refuses to start over bad data, only over an unusable directory:
//   - a torn tail (a partial record, a last record with a bad checksum, or zeros up to the end of
//     the file) is truncated away, logged, and its bytes counted;
//   - a corrupt record followed by more data (bad checksum, impossible length, wrong sequence
//     number), or a bad segment header, moves the whole segment to corrupt/, logged and counted;
//     the entries of that segment are not replayed, later segments are;
//   - a missing or unreadable ack file replays every entry found.
//
// Thread-safety: thread-safe; one mutex guards the state. A single consumer uses the read side
// (Next/Rewind): the views Next returns point into a buffer reused by the next Next or Rewind.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runnel/batch.h"
#include "runnel/buffer/file_ops.h"
#include "runnel/status.h"

namespace runnel::buffer {

enum class SyncPolicy {
  kAlways,    // fdatasync after every append, before Append returns
  kInterval,  // fdatasync when `sync_interval` has passed since the last one (Append, MaybeSync)
  kNever,     // leave it to the kernel
};

enum class WhenFull {
  kBlock,       // Append returns ResourceExhausted; the caller waits for acknowledgements
  kDropOldest,  // the oldest segment is deleted, its unacknowledged entries counted as dropped
};

struct SegmentLogOptions {
  std::string dir;
  uint64_t segment_bytes = 64ull << 20;
  uint64_t max_bytes = 0;  // cap on the segment files' total size; 0: no cap
  WhenFull when_full = WhenFull::kBlock;
  SyncPolicy sync = SyncPolicy::kInterval;
  std::chrono::milliseconds sync_interval{1000};
  FileOps* file_ops = nullptr;             // nullptr: FileOps::Default()
  std::function<int64_t()> wall_clock_ns;  // entry times; default system_clock
  std::function<int64_t()> monotonic_ns;   // interval sync; default steady_clock
  std::string log_component = "buffer";    // shown in log lines
};

// What Append stores. The payload is stored as given (already compressed when `flags` says so).
struct EntryData {
  BatchId id;
  std::string_view tag;
  uint32_t count = 0;
  uint32_t flags = 0;
  std::string_view payload;
};

// What Next reads back.
struct ReadEntry {
  uint64_t seq = 0;
  BatchId id;
  std::string_view tag;
  uint32_t count = 0;
  uint32_t flags = 0;
  int64_t time_ns = 0;
  std::string_view payload;
};

// Counters and sizes of an open log.
struct SegmentLogStats {
  uint64_t segments = 0;
  uint64_t entries = 0;  // entries in the segments, acknowledged or not
  uint64_t unacked_entries = 0;
  uint64_t bytes = 0;  // total size of the segment files
  uint64_t ack_watermark = 0;
  uint64_t next_seq = 0;
  uint64_t corrupt_segments = 0;  // moved to corrupt/ since Open (at Open or while reading)
  uint64_t truncated_bytes = 0;   // torn tails cut at Open
  uint64_t dropped_entries = 0;   // unacknowledged entries lost to drop_oldest
  uint64_t dropped_segments = 0;
  uint64_t syncs = 0;  // fdatasync calls on segments
};

class SegmentLog {
 public:
  // Opens or creates the log in options.dir (created with parents), recovering as described
  // above. Errors: InvalidArgument for bad options; an errno-derived status naming the
  // directory when it cannot be created, listed or written; FailedPrecondition when another
  // process holds the lock.
  static Result<std::unique_ptr<SegmentLog>> Open(SegmentLogOptions options);
  ~SegmentLog();  // syncs the last segment unless the policy is kNever
  SegmentLog(const SegmentLog&) = delete;
  SegmentLog& operator=(const SegmentLog&) = delete;

  // Appends an entry; returns its sequence number. Errors: InvalidArgument when the entry can
  // never fit (tag over 65535 bytes, larger than max_bytes); ResourceExhausted when the log is
  // full and when_full is kBlock; Unavailable with the errno text naming the file when a write
  // or a sync fails (ENOSPC, EIO: worth retrying), in which case the partial record is cut back
  // and the log stays consistent.
  Result<uint64_t> Append(const EntryData& entry);

  // fdatasync of the segment being appended to, if anything was written since the last sync.
  Status Sync();
  // Sync() if the policy is kInterval and the interval has passed; for a periodic timer.
  Status MaybeSync();

  // Reads the next entry after the previous one, skipping entries already acknowledged. Returns
  // false at the end of the log (call again after more appends). A record found corrupt here
  // moves its segment aside (counted) and reading goes on with the next segment. Errors: an
  // errno status when a read fails.
  Result<bool> Next(ReadEntry* entry);
  // Restarts reading at the oldest unacknowledged entry (after a failed delivery, say).
  void Rewind();

  // Marks entry `seq` acknowledged. Unknown or repeated numbers are ignored. When the
  // contiguous watermark moves, the ack file is replaced and fully acknowledged segments are
  // deleted. Errors: the ack file could not be written (the acknowledgement is kept in memory).
  Status Ack(uint64_t seq);

  SegmentLogStats stats() const;

  // New limits for an open log (a reload): max_bytes (0: no cap; the segment size stays),
  // when_full, the sync policy and interval. A full log may then take more, or refuse more.
  void SetLimits(uint64_t max_bytes, WhenFull when_full, SyncPolicy sync,
                 std::chrono::milliseconds sync_interval);

 private:
  struct State;
  explicit SegmentLog(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// What a buffer directory holds, for `runnel-agent buffer inspect DIR`. Read-only: nothing is
// truncated or moved, so it may run while an agent has the log open.
struct BufferInspection {
  uint64_t segments = 0;         // readable segments
  uint64_t entries = 0;          // complete, valid records in them
  uint64_t unacked_entries = 0;  // of those, after the ack watermark
  uint64_t bytes = 0;            // total size of the segment files
  uint64_t ack_watermark = 0;
  std::optional<uint64_t> oldest_unacked_seq;
  int64_t oldest_unacked_time_ns = 0;
  uint64_t corrupt_segments = 0;  // in corrupt/, plus segments found corrupt now
  uint64_t torn_bytes = 0;        // bytes a recovery would truncate
  friend bool operator==(const BufferInspection&, const BufferInspection&) = default;
};

// Errors: NotFound when `dir` does not exist; an errno status when it cannot be read.
Result<BufferInspection> Inspect(const std::string& dir);

}  // namespace runnel::buffer
