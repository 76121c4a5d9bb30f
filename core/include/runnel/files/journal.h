#pragma once
// An append-only journal of small records, the cheap half of a snapshot + journal pair: the
// snapshot is rewritten now and then (atomic_file.h), and each change in between is one record
// appended with one write(2), without fsync. A record survives a crash of the process as soon as
// write(2) returns (it is in the page cache); a power loss may lose the last ones.
//
// Record format, little-endian:
//   u32 crc32c   of the 12 bytes after it and the body
//   u32 length   of the body, at most kMaxJournalBody
//   u64 seq      a sequence number chosen by the writer
//   body         length bytes
// Records follow one another with nothing between them. ScanJournal reads them back: a damaged
// stretch followed by a valid record is skipped (corrupt), one that runs to the end of the file is
// cut off (torn: a write cut short by a crash, or the zeros a power loss can leave).
//
// Free functions are thread-safe. A JournalFile is not: its owner serialises calls.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::files {

inline constexpr size_t kJournalHeaderBytes = 16;
inline constexpr size_t kMaxJournalBody = 64 * 1024;

// Appends the record (seq, body) to *out. body.size() <= kMaxJournalBody.
void AppendJournalRecord(uint64_t seq, std::string_view body, std::string* out);

struct JournalScanStats {
  size_t records = 0;         // valid records
  size_t corrupt_ranges = 0;  // damaged stretches skipped, each followed by a valid record
  size_t corrupt_bytes = 0;   // their bytes
  size_t torn_bytes = 0;      // bytes cut off the end: no valid record starts in them
};

// Calls on_record(seq, body) for every valid record of `contents`, in file order. A damaged
// stretch is skipped by looking for the next offset where a valid record starts (length within
// bounds, checksum matching), so one bad record costs only itself.
JournalScanStats ScanJournal(
    std::string_view contents,
    const std::function<void(uint64_t seq, std::string_view body)>& on_record);

// A journal file open for appending (O_APPEND, mode 0640, created when missing).
class JournalFile {
 public:
  JournalFile() = default;
  // Opens `path`. Errors: the errno of open(2) or fstat(2), naming the file.
  static Result<JournalFile> Open(const std::string& path);
  ~JournalFile();
  JournalFile(JournalFile&& other) noexcept;
  JournalFile& operator=(JournalFile&& other) noexcept;
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;

  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  // Bytes in the file, as this object has written and truncated it.
  uint64_t size() const { return size_; }

  // Appends `records` (whole records, AppendJournalRecord) with write(2). On failure (the errno,
  // naming the file) what was written of them is cut off again, so the file ends with a whole
  // record; if even that fails the next scan skips the partial record as damage.
  Status Append(std::string_view records);
  // Empties the file. Errors: the errno of ftruncate(2).
  Status Truncate();

 private:
  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
};

}  // namespace runnel::files
