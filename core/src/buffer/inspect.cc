// Inspect: what a buffer directory holds, without changing anything.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "buffer/segment_format.h"
#include "runnel/buffer/segment_log.h"
#include "runnel/files/atomic_file.h"

namespace runnel::buffer {

Result<BufferInspection> Inspect(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    return Err(ErrnoStatus("disk buffer " + dir, errno));
  }
  BufferInspection out;
  Result<std::string> ack = files::ReadWholeFile(dir + "/ack");
  if (!ack.has_value() || !internal::DecodeAck(*ack, &out.ack_watermark)) {
    out.ack_watermark = 0;
  }
  RUNNEL_ASSIGN_OR_RETURN(std::vector<internal::SegmentName> names, internal::ListSegments(dir));
  std::string scratch;
  for (const internal::SegmentName& n : names) {
    std::string path = dir + "/" + n.name;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Err(ErrnoStatus("disk buffer: open " + path, errno));
    }
    Result<internal::SegmentScan> scan =
        internal::ScanSegment(fd, path, n.first_seq, out.ack_watermark, &scratch);
    close(fd);
    if (!scan.has_value()) {
      return Err(scan.error().WithPrefix("disk buffer"));
    }
    using Outcome = internal::SegmentScan::Outcome;
    if (scan->outcome == Outcome::kNoHeader) {
      continue;
    }
    if (scan->outcome == Outcome::kCorrupt) {
      ++out.corrupt_segments;
      continue;
    }
    if (scan->outcome == Outcome::kTorn) {
      out.torn_bytes += scan->file_size - scan->valid_end;
    }
    ++out.segments;
    out.bytes += scan->file_size;
    out.entries += scan->next_seq - scan->first_seq;
    uint64_t from = std::max(scan->first_seq, out.ack_watermark + 1);
    if (scan->next_seq > from) {
      out.unacked_entries += scan->next_seq - from;
    }
    if (scan->has_after && !out.oldest_unacked_seq.has_value()) {
      out.oldest_unacked_seq = scan->first_after_seq;
      out.oldest_unacked_time_ns = scan->first_after_time_ns;
    }
  }
  if (DIR* d = opendir((dir + "/corrupt").c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') {
        ++out.corrupt_segments;
      }
    }
    closedir(d);
  }
  return out;
}

}  // namespace runnel::buffer
