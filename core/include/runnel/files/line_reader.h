#pragma once
// LineReader: reads a file in large blocks into one reused buffer and splits it into lines with
// memchr, without allocating per line.
//
//   reader.Reset(offset);
//   while (true) {
//     Line line;
//     while (reader.Next(&line)) { use(line.text, line.end_offset); }  // views into the buffer
//     Result<size_t> n = reader.Fill(fd);                         // invalidates the views
//     if (!n || *n == 0) break;                                    // error or end of file
//   }
//
// A line is the bytes before '\n' (the newline is not part of it; '\r' is kept). A line longer
// than max_line_bytes is returned truncated to max_line_bytes once its newline has been read
// (Line::truncated); the rest is skipped, so the buffer never holds more than
// max_line_bytes + block_bytes. Bytes after the last newline are a partial line: held until
// their newline arrives, or until the caller takes them with TakePartial() (a timeout, the end
// of a rotated file). An empty line right after a taken partial is its belated newline and is
// skipped.
//
// end_offset of a line is the file offset just past its newline (or past the partial taken):
// always a line boundary, so it is what a checkpoint may store.
//
// The buffer is allocated by Fill() and given back by ReleaseBuffer(), which keeps only the bytes
// held (a partial line), so a file at its end costs no read buffer. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "runnel/status.h"

namespace runnel::files {

struct Line {
  std::string_view text;  // valid until the next Fill(), Reset() or TakePartial()
  uint64_t end_offset = 0;
  bool truncated = false;  // the line was longer than max_line_bytes
};

class LineReader {
 public:
  LineReader(size_t block_bytes, size_t max_line_bytes);
  LineReader(LineReader&&) = default;
  LineReader& operator=(LineReader&&) = default;

  // Forgets everything held and continues at `offset`.
  void Reset(uint64_t offset);

  // The next complete line in the buffer, or false when more bytes are needed.
  bool Next(Line* line);

  // Reads up to one block at read_offset() with pread. Returns the bytes read; 0 at end of file.
  // Call it only after Next() returned false.
  Result<size_t> Fill(int fd);

  // True when bytes of an unfinished line are held (or being skipped).
  bool HasPartial() const { return skipping_ || tail_ > head_; }
  // Returns the held partial line as a line ending at read_offset(); false when none.
  bool TakePartial(Line* line);

  // Frees the read buffer, keeping only the bytes of a partial line (in a block of their size).
  // Fill() allocates a full buffer again.
  void ReleaseBuffer();

  // The file offset of the next byte Fill() reads.
  uint64_t read_offset() const { return read_offset_; }
  // The file offset where the held partial line starts: every line before it has been returned.
  uint64_t line_offset() const { return line_offset_; }

 private:
  size_t block_bytes_;
  size_t max_line_bytes_;
  size_t capacity_;
  std::unique_ptr<char[]> buf_;
  size_t allocated_ = 0;        // size of buf_: capacity_, or less after ReleaseBuffer()
  size_t head_ = 0;             // start of the held line
  size_t scan_ = 0;             // where the next newline search starts
  size_t tail_ = 0;             // end of the bytes read
  bool skipping_ = false;       // the held line passed max_line_bytes: [head_, head_+max) kept
  bool after_partial_ = false;  // a partial was just taken: skip one empty line
  uint64_t read_offset_ = 0;    // file offset of buf_[tail_]
  uint64_t line_offset_ = 0;    // file offset of buf_[head_]
};

}  // namespace runnel::files
