#include "runnel/buffer/segment_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "buffer/segment_format.h"
#include "buffer/segment_log_state.h"
#include "runnel/files/atomic_file.h"
#include "runnel/logging.h"

namespace runnel::buffer {
namespace {

using internal::kBodyFixed;
using internal::kHeaderSize;
using internal::kRecordPrefix;

int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonotonicNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Moves `path` (named `name`) to <dir>/corrupt/, deleting it when that is not possible.
// Returns where it went, for the log line.
std::string MoveAside(const std::string& dir, const std::string& path, const std::string& name) {
  std::string corrupt_dir = dir + "/corrupt";
  if (files::MakeDirs(corrupt_dir).ok()) {
    std::string target = corrupt_dir + "/" + name;
    for (int i = 1; access(target.c_str(), F_OK) == 0 && i < 1000; ++i) {
      target = corrupt_dir + "/" + name + "." + std::to_string(i);
    }
    if (rename(path.c_str(), target.c_str()) == 0) {
      return "moved to " + target;
    }
  }
  unlink(path.c_str());
  return "deleted (could not move it to " + corrupt_dir + ")";
}

}  // namespace

SegmentLog::State::~State() {
  for (Segment& s : segments) {
    close(s.fd);
  }
  if (lock_fd >= 0) {
    close(lock_fd);
  }
}

size_t SegmentLog::State::SegmentFor(uint64_t seq) const {
  auto it = std::partition_point(segments.begin(), segments.end(),
                                 [seq](const Segment& s) { return s.next_seq <= seq; });
  return static_cast<size_t>(it - segments.begin());
}

void SegmentLog::State::RemoveLocked(size_t index) {
  Segment& s = segments[index];
  if (s.fd >= 0) {
    close(s.fd);
    unlink(s.path.c_str());
  }
  bytes -= s.size;
  if (index + 1 == segments.size()) {
    active_closed = true;
  }
  if (cursor_segment == s.first_seq) {
    cursor_segment = 0;
  }
  acked.erase(acked.lower_bound(s.first_seq), acked.lower_bound(s.next_seq));
  segments.erase(segments.begin() + static_cast<std::ptrdiff_t>(index));
}

void SegmentLog::State::QuarantineLocked(size_t index, const std::string& reason) {
  Segment& s = segments[index];
  close(s.fd);
  s.fd = -1;
  std::string name = internal::SegmentFileName(s.first_seq);
  std::string where = MoveAside(options.dir, s.path, name);
  RUNNEL_LOG(kError, options.log_component)
      << "disk buffer " << options.dir << ": segment " << name << " is corrupt (" << reason
      << "): " << where << "; its entries " << s.first_seq << ".." << s.next_seq - 1
      << " are not replayed";
  ++counters.corrupt_segments;
  RemoveLocked(index);
  AdvanceLocked();
}

bool SegmentLog::State::AdvanceLocked() {
  bool moved = false;
  while (true) {
    size_t i = SegmentFor(watermark + 1);
    if (i == segments.size()) {
      break;
    }
    uint64_t s = std::max(watermark + 1, segments[i].first_seq);
    auto it = acked.find(s);
    if (s >= segments[i].next_seq || it == acked.end()) {
      break;
    }
    acked.erase(it);
    watermark = s;
    moved = true;
  }
  return moved;
}

uint64_t SegmentLog::State::UnackedLocked() const {
  uint64_t n = 0;
  for (const Segment& s : segments) {
    uint64_t from = std::max(s.first_seq, watermark + 1);
    if (s.next_seq > from) {
      n += s.next_seq - from;
    }
  }
  return n - acked.size();
}

SegmentLog::SegmentLog(std::unique_ptr<State> state) : state_(std::move(state)) {}

SegmentLog::~SegmentLog() {
  if (state_->options.sync != SyncPolicy::kNever) {
    Status s = Sync();
    if (!s.ok()) {
      RUNNEL_LOG(kError, state_->options.log_component) << "disk buffer: " << s.message();
    }
  }
}

Result<std::unique_ptr<SegmentLog>> SegmentLog::Open(SegmentLogOptions options) {
  if (options.dir.empty()) {
    return Err(InvalidArgument("disk buffer: empty directory path"));
  }
  if (options.segment_bytes < 4096) {
    return Err(InvalidArgument("disk buffer: segment_bytes must be at least 4096"));
  }
  auto st = std::make_unique<State>();
  st->ops = options.file_ops != nullptr ? options.file_ops : &FileOps::Default();
  if (!options.wall_clock_ns) {
    options.wall_clock_ns = WallNowNs;
  }
  if (!options.monotonic_ns) {
    options.monotonic_ns = MonotonicNowNs;
  }
  st->options = std::move(options);
  const std::string& dir = st->options.dir;
  const std::string& component = st->options.log_component;
  RUNNEL_RETURN_IF_ERROR(files::MakeDirs(dir).WithPrefix("disk buffer"));
  std::string lock_path = dir + "/lock";
  st->lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (st->lock_fd < 0) {
    return Err(ErrnoStatus("disk buffer: open " + lock_path, errno));
  }
  if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return Err(FailedPrecondition("disk buffer " + dir + " is in use by another process (" +
                                  lock_path + " is locked)"));
  }

  std::string ack_path = dir + "/ack";
  Result<std::string> ack_text = files::ReadWholeFile(ack_path);
  if (ack_text.has_value()) {
    if (!internal::DecodeAck(*ack_text, &st->watermark)) {
      RUNNEL_LOG(kWarn, component) << "disk buffer " << dir << ": " << ack_path
                                   << " is corrupt; every entry found is replayed";
      st->watermark = 0;
    }
  } else if (ack_text.error().code() != StatusCode::kNotFound) {
    return Err(ack_text.error().WithPrefix("disk buffer"));
  }

  RUNNEL_ASSIGN_OR_RETURN(std::vector<internal::SegmentName> names, internal::ListSegments(dir));
  std::string scratch;
  for (const internal::SegmentName& n : names) {
    std::string path = dir + "/" + n.name;
    int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      return Err(ErrnoStatus("disk buffer: open " + path, errno));
    }
    Result<internal::SegmentScan> scan =
        internal::ScanSegment(fd, path, n.first_seq, st->watermark, &scratch);
    if (!scan.has_value()) {
      close(fd);
      return Err(scan.error().WithPrefix("disk buffer"));
    }
    using Outcome = internal::SegmentScan::Outcome;
    std::string corrupt_reason;
    if (scan->outcome == Outcome::kCorrupt) {
      corrupt_reason = scan->reason;
    } else if (scan->outcome != Outcome::kNoHeader && !st->segments.empty() &&
               n.first_seq < st->segments.back().next_seq) {
      corrupt_reason = "overlaps the previous segment";
    }
    if (!corrupt_reason.empty()) {
      close(fd);
      RUNNEL_LOG(kError, component)
          << "disk buffer " << dir << ": segment " << n.name << " is corrupt (" << corrupt_reason
          << "): " << MoveAside(dir, path, n.name);
      ++st->counters.corrupt_segments;
      continue;
    }
    if (scan->outcome == Outcome::kTorn) {
      if (st->ops->Ftruncate(fd, static_cast<off_t>(scan->valid_end)) != 0) {
        int err = errno;
        close(fd);
        return Err(ErrnoStatus("disk buffer: truncate the torn tail of " + path, err));
      }
      uint64_t cut = scan->file_size - scan->valid_end;
      RUNNEL_LOG(kWarn, component)
          << "disk buffer " << dir << ": segment " << n.name << " has a torn tail (" << scan->reason
          << "): truncated " << cut << " bytes";
      st->counters.truncated_bytes += cut;
    }
    bool empty = scan->outcome == Outcome::kNoHeader || scan->next_seq == scan->first_seq;
    if (empty || scan->next_seq - 1 <= st->watermark) {
      close(fd);
      unlink(path.c_str());  // nothing to replay: no entries, or all acknowledged
      continue;
    }
    st->segments.push_back(State::Segment{n.first_seq, scan->next_seq, scan->valid_end, path, fd});
    st->bytes += scan->valid_end;
  }
  st->next_seq = st->watermark + 1;
  if (!st->segments.empty()) {
    st->next_seq = std::max(st->next_seq, st->segments.back().next_seq);
    st->active_closed = st->segments.back().size >= st->options.segment_bytes;
  }
  st->last_sync_ns = st->options.monotonic_ns();
  uint64_t unacked = st->UnackedLocked();
  if (unacked > 0) {
    RUNNEL_LOG(kInfo, component) << "disk buffer " << dir << ": " << unacked
                                 << " unacknowledged entries to replay in " << st->segments.size()
                                 << " segments";
  }
  std::unique_ptr<SegmentLog> log(new SegmentLog(std::move(st)));
  log->Rewind();
  return log;
}

}  // namespace runnel::buffer
