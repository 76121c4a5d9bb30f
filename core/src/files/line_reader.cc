#include "runnel/files/line_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace runnel::files {

LineReader::LineReader(size_t block_bytes, size_t max_line_bytes)
    : block_bytes_(std::max<size_t>(block_bytes, 1)),
      max_line_bytes_(std::max<size_t>(max_line_bytes, 1)),
      capacity_(block_bytes_ + max_line_bytes_) {}

void LineReader::Reset(uint64_t offset) {
  head_ = scan_ = tail_ = 0;
  skipping_ = false;
  after_partial_ = false;
  read_offset_ = line_offset_ = offset;
}

bool LineReader::Next(Line* line) {
  char* buf = buf_.get();
  while (true) {
    const void* nl_ptr = tail_ > scan_ ? memchr(buf + scan_, '\n', tail_ - scan_) : nullptr;
    if (nl_ptr == nullptr) {
      if (skipping_) {
        tail_ = scan_ = head_ + max_line_bytes_;  // drop what is being skipped
      } else {
        scan_ = tail_;
        if (tail_ - head_ > max_line_bytes_) {
          // Too long for one line: keep its first max_line_bytes and skip to its newline.
          skipping_ = true;
          tail_ = scan_ = head_ + max_line_bytes_;
        }
      }
      return false;
    }
    size_t nl = static_cast<const char*>(nl_ptr) - buf;
    size_t len;
    uint64_t end;
    if (skipping_) {
      // Bytes after head_ + max were read after the last drop, so tail_ maps to read_offset_.
      len = max_line_bytes_;
      end = read_offset_ - (tail_ - (nl + 1));
      line->truncated = true;
    } else {
      len = nl - head_;
      end = line_offset_ + len + 1;
      line->truncated = len > max_line_bytes_;
      len = std::min(len, max_line_bytes_);
    }
    bool skip_empty = after_partial_ && len == 0 && !skipping_;
    line->text = std::string_view(buf + head_, len);
    line->end_offset = end;
    head_ = scan_ = nl + 1;
    line_offset_ = end;
    skipping_ = false;
    after_partial_ = false;
    if (!skip_empty) {
      return true;
    }
  }
}

Result<size_t> LineReader::Fill(int fd) {
  if (allocated_ < capacity_) {
    auto full = std::make_unique_for_overwrite<char[]>(capacity_);
    if (tail_ > head_) {
      memcpy(full.get(), buf_.get() + head_, tail_ - head_);
    }
    scan_ -= head_;
    tail_ -= head_;
    head_ = 0;
    buf_ = std::move(full);
    allocated_ = capacity_;
  }
  if (capacity_ - tail_ < block_bytes_) {
    size_t keep = tail_ - head_;
    if (keep > 0 && head_ > 0) {
      memmove(buf_.get(), buf_.get() + head_, keep);
    }
    scan_ -= head_;
    tail_ = keep;
    head_ = 0;
  }
  size_t want = std::min(block_bytes_, capacity_ - tail_);
  while (true) {
    ssize_t n = pread(fd, buf_.get() + tail_, want, static_cast<off_t>(read_offset_));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Err(ErrnoStatus("read", errno));
    }
    tail_ += static_cast<size_t>(n);
    read_offset_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
}

bool LineReader::TakePartial(Line* line) {
  if (!HasPartial()) {
    return false;
  }
  size_t held = tail_ - head_;
  line->text = std::string_view(buf_.get() + head_, std::min(held, max_line_bytes_));
  line->truncated = skipping_ || held > max_line_bytes_;
  line->end_offset = read_offset_;
  head_ = scan_ = tail_;
  line_offset_ = read_offset_;
  skipping_ = false;
  after_partial_ = true;
  return true;
}

void LineReader::ReleaseBuffer() {
  size_t held = tail_ - head_;
  std::unique_ptr<char[]> small;
  if (held > 0) {
    small = std::make_unique_for_overwrite<char[]>(held);
    memcpy(small.get(), buf_.get() + head_, held);
  }
  buf_ = std::move(small);
  allocated_ = held;
  scan_ -= head_;
  tail_ = held;
  head_ = 0;
}

}  // namespace runnel::files
