// SegmentLog's write side: append, roll, drop_oldest, sync, acknowledgements.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "buffer/segment_format.h"
#include "buffer/segment_log_state.h"
#include "runnel/buffer/segment_log.h"
#include "runnel/files/atomic_file.h"
#include "runnel/logging.h"

namespace runnel::buffer {

namespace {

using internal::kBodyFixed;
using internal::kHeaderSize;
using internal::kRecordPrefix;

// pwritev of all of iov, going on after short writes. -1 with errno set on failure.
int WriteFully(FileOps* ops, int fd, struct iovec* iov, int iovcnt, uint64_t offset) {
  while (iovcnt > 0) {
    ssize_t n = ops->PWritev(fd, iov, iovcnt, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    if (n == 0) {
      errno = EIO;
      return -1;
    }
    offset += static_cast<uint64_t>(n);
    auto left = static_cast<size_t>(n);
    while (iovcnt > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --iovcnt;
    }
    if (iovcnt > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return 0;
}

void FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

}  // namespace

int SegmentLog::State::SyncLocked() {
  if (active_closed || segments.empty() || !unsynced) {
    return 0;
  }
  ++counters.syncs;
  if (ops->Fdatasync(segments.back().fd) != 0) {
    return -1;
  }
  unsynced = false;
  last_sync_ns = options.monotonic_ns();
  return 0;
}

Status SegmentLog::State::CutBackLocked(Status error) {
  Segment& seg = segments.back();
  if (ops->Ftruncate(seg.fd, static_cast<off_t>(seg.size)) != 0) {
    RUNNEL_LOG(kError, options.log_component)
        << "disk buffer: cannot truncate " << seg.path << " back to " << seg.size
        << " bytes after a failed append; the next entry starts a new segment";
    active_closed = true;
  }
  return error;
}

Status SegmentLog::State::RollLocked() {
  if (!active_closed && !segments.empty()) {
    if (options.sync != SyncPolicy::kNever && SyncLocked() != 0) {
      return ErrnoStatus("disk buffer: fdatasync " + segments.back().path, errno);
    }
    active_closed = true;
    if (segments.back().next_seq - 1 <= watermark) {
      RemoveLocked(segments.size() - 1);
    }
  }
  uint64_t first = next_seq;
  std::string path = options.dir + "/" + internal::SegmentFileName(first);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    return ErrnoStatus("disk buffer: create " + path, errno);
  }
  std::string header = internal::EncodeHeader(first);
  struct iovec iov = {header.data(), header.size()};
  int rc = WriteFully(ops, fd, &iov, 1, 0);
  if (rc == 0 && options.sync != SyncPolicy::kNever) {
    ++counters.syncs;
    rc = ops->Fdatasync(fd);
  }
  if (rc != 0) {
    Status s = ErrnoStatus("disk buffer: write the header of " + path, errno);
    close(fd);
    unlink(path.c_str());
    return s;
  }
  if (options.sync != SyncPolicy::kNever) {
    FsyncDir(options.dir);
  }
  segments.push_back(Segment{first, first, kHeaderSize, path, fd});
  bytes += kHeaderSize;
  active_closed = false;
  unsynced = false;
  return OkStatus();
}

void SegmentLog::State::DropOldestLocked() {
  const Segment& s = segments.front();
  uint64_t from = std::max(s.first_seq, watermark + 1);
  uint64_t unacked = s.next_seq > from ? s.next_seq - from : 0;
  unacked -= static_cast<uint64_t>(std::distance(acked.lower_bound(from), acked.end()) -
                                   std::distance(acked.lower_bound(s.next_seq), acked.end()));
  RUNNEL_LOG(kWarn, options.log_component)
      << "disk buffer " << options.dir << " is full (when_full = drop_oldest): dropped segment "
      << internal::SegmentFileName(s.first_seq) << " with " << unacked << " unacknowledged entries";
  counters.dropped_entries += unacked;
  ++counters.dropped_segments;
  RemoveLocked(0);
  AdvanceLocked();
}

Status SegmentLog::State::CommitLocked() {
  if (!ack_dirty) {
    return OkStatus();
  }
  // Fully acknowledged segments go first: on a full disk that is what makes room for the ack
  // file. A crash in between is safe: the old watermark then points before the first segment
  // left, and nothing deleted is read again.
  while (segments.size() > (active_closed ? 0u : 1u) &&
         segments.front().next_seq - 1 <= watermark) {
    RemoveLocked(0);
  }
  RUNNEL_RETURN_IF_ERROR(
      files::WriteFileAtomically(options.dir + "/ack", internal::EncodeAck(watermark))
          .WithPrefix("disk buffer"));
  ack_dirty = false;
  return OkStatus();
}

Result<uint64_t> SegmentLog::Append(const EntryData& entry) {
  State& st = *state_;
  const SegmentLogOptions& o = st.options;
  std::lock_guard lock(st.mu);
  // A write or sync that failed (a full disk, EIO) is worth retrying: Unavailable, whatever the
  // errno, so that callers tell it from a full log (ResourceExhausted) and an entry that can
  // never fit (InvalidArgument). On a full disk, a fully acknowledged segment being appended to
  // may be what holds the space: it is deleted, and the retry starts a new one.
  auto retryable = [&st](Status s) {
    if (st.segments.size() == 1 && st.segments.back().entries() > 0 &&
        st.segments.back().next_seq - 1 <= st.watermark) {
      st.RemoveLocked(0);
    }
    return Status(StatusCode::kUnavailable, s.message());
  };
  if (entry.tag.size() > 0xffff) {
    return Err(InvalidArgument("disk buffer: a tag of " + std::to_string(entry.tag.size()) +
                               " bytes is longer than 65535"));
  }
  uint64_t body = kBodyFixed + entry.tag.size() + entry.payload.size();
  if (body > internal::kMaxBody) {
    return Err(InvalidArgument("disk buffer: an entry of " + std::to_string(body) +
                               " bytes is larger than 1 GiB"));
  }
  uint64_t record = kRecordPrefix + body;
  if (o.max_bytes != 0 && record + kHeaderSize > o.max_bytes) {
    return Err(InvalidArgument("disk buffer " + o.dir + ": an entry of " + std::to_string(record) +
                               " bytes can never fit max_bytes " + std::to_string(o.max_bytes)));
  }
  while (true) {
    bool roll = st.active_closed || (st.segments.back().size + record > o.segment_bytes &&
                                     st.segments.back().entries() > 0);
    uint64_t need = record + (roll ? kHeaderSize : 0);
    if (o.max_bytes == 0 || st.bytes + need <= o.max_bytes) {
      if (roll) {
        if (Status rolled = st.RollLocked(); !rolled.ok()) {
          return Err(retryable(std::move(rolled)));
        }
      }
      break;
    }
    // Everything is acknowledged, but the segment being appended to still takes the room:
    // delete it and start a new one.
    if (st.segments.size() == 1 && st.segments.back().entries() > 0 &&
        st.segments.back().next_seq - 1 <= st.watermark) {
      st.RemoveLocked(0);
      continue;
    }
    if (o.when_full == WhenFull::kBlock) {
      return Err(ResourceExhausted(
          "disk buffer " + o.dir + " is full: " + std::to_string(st.bytes) + " of max_bytes " +
          std::to_string(o.max_bytes) + " bytes used, " + std::to_string(need) + " more needed"));
    }
    st.DropOldestLocked();
  }
  State::Segment& seg = st.segments.back();
  uint64_t seq = st.next_seq;
  char head[kRecordPrefix + kBodyFixed];
  internal::PutU32(head, static_cast<uint32_t>(body));
  internal::EncodeBodyFixed(head + kRecordPrefix, seq, entry.id.hi, entry.id.lo, o.wall_clock_ns(),
                            entry.count, entry.flags, static_cast<uint16_t>(entry.tag.size()));
  uint32_t crc = internal::Crc32cExtend(0, head, 4);
  crc = internal::Crc32cExtend(crc, head + kRecordPrefix, kBodyFixed);
  crc = internal::Crc32cExtend(crc, entry.tag.data(), entry.tag.size());
  crc = internal::Crc32cExtend(crc, entry.payload.data(), entry.payload.size());
  internal::PutU32(head + 4, crc);
  struct iovec iov[3] = {{head, sizeof(head)},
                         {const_cast<char*>(entry.tag.data()), entry.tag.size()},
                         {const_cast<char*>(entry.payload.data()), entry.payload.size()}};
  if (WriteFully(st.ops, seg.fd, iov, 3, seg.size) != 0) {
    return Err(retryable(st.CutBackLocked(ErrnoStatus("disk buffer: write " + seg.path, errno))));
  }
  st.unsynced = true;
  bool sync = o.sync == SyncPolicy::kAlways ||
              (o.sync == SyncPolicy::kInterval &&
               o.monotonic_ns() - st.last_sync_ns >= o.sync_interval.count() * 1000000);
  if (sync && st.SyncLocked() != 0) {
    return Err(
        retryable(st.CutBackLocked(ErrnoStatus("disk buffer: fdatasync " + seg.path, errno))));
  }
  seg.size += record;
  ++seg.next_seq;
  ++st.next_seq;
  st.bytes += record;
  return seq;
}

void SegmentLog::SetLimits(uint64_t max_bytes, WhenFull when_full, SyncPolicy sync,
                           std::chrono::milliseconds sync_interval) {
  std::lock_guard lock(state_->mu);
  state_->options.max_bytes = max_bytes;
  state_->options.when_full = when_full;
  state_->options.sync = sync;
  state_->options.sync_interval = sync_interval;
}

Status SegmentLog::Sync() {
  std::lock_guard lock(state_->mu);
  if (state_->SyncLocked() != 0) {
    return ErrnoStatus("disk buffer: fdatasync " + state_->segments.back().path, errno);
  }
  return OkStatus();
}

Status SegmentLog::MaybeSync() {
  const SegmentLogOptions& o = state_->options;
  {
    std::lock_guard lock(state_->mu);
    if (o.sync != SyncPolicy::kInterval ||
        o.monotonic_ns() - state_->last_sync_ns < o.sync_interval.count() * 1000000) {
      return OkStatus();
    }
  }
  return Sync();
}

Status SegmentLog::Ack(uint64_t seq) {
  State& st = *state_;
  std::lock_guard lock(st.mu);
  if (seq > st.watermark && seq < st.next_seq) {
    size_t i = st.SegmentFor(seq);
    if (i < st.segments.size() && seq >= st.segments[i].first_seq) {
      st.acked.insert(seq);
      if (st.AdvanceLocked()) {
        st.ack_dirty = true;
      }
    }
  }
  return st.CommitLocked();
}

SegmentLogStats SegmentLog::stats() const {
  const State& st = *state_;
  std::lock_guard lock(st.mu);
  SegmentLogStats s = st.counters;
  s.segments = st.segments.size();
  for (const State::Segment& seg : st.segments) {
    s.entries += seg.entries();
  }
  s.unacked_entries = st.UnackedLocked();
  s.bytes = st.bytes;
  s.ack_watermark = st.watermark;
  s.next_seq = st.next_seq;
  return s;
}

}  // namespace runnel::buffer
