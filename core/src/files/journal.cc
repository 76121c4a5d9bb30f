#include "runnel/files/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "buffer/segment_format.h"
#include "runnel/check.h"

namespace runnel::files {
namespace {

using buffer::internal::Crc32cExtend;
using buffer::internal::GetU32;
using buffer::internal::GetU64;
using buffer::internal::PutU32;
using buffer::internal::PutU64;

// The length of the valid record at the start of `rest`, or 0 when none starts there.
size_t ValidRecordAt(std::string_view rest) {
  if (rest.size() < kJournalHeaderBytes) {
    return 0;
  }
  const uint32_t length = GetU32(rest.data() + 4);
  if (length > kMaxJournalBody || rest.size() - kJournalHeaderBytes < length) {
    return 0;
  }
  const size_t total = kJournalHeaderBytes + length;
  if (Crc32cExtend(0, rest.data() + 4, total - 4) != GetU32(rest.data())) {
    return 0;
  }
  return total;
}

}  // namespace

void AppendJournalRecord(uint64_t seq, std::string_view body, std::string* out) {
  RUNNEL_CHECK(body.size() <= kMaxJournalBody);
  const size_t at = out->size();
  out->resize(at + kJournalHeaderBytes);
  out->append(body);
  char* header = out->data() + at;
  PutU32(header + 4, static_cast<uint32_t>(body.size()));
  PutU64(header + 8, seq);
  PutU32(header, Crc32cExtend(0, header + 4, kJournalHeaderBytes - 4 + body.size()));
}

JournalScanStats ScanJournal(
    std::string_view contents,
    const std::function<void(uint64_t seq, std::string_view body)>& on_record) {
  JournalScanStats stats;
  size_t pos = 0;
  size_t bad_from = 0;
  bool in_bad = false;
  while (pos < contents.size()) {
    std::string_view rest = contents.substr(pos);
    const size_t n = ValidRecordAt(rest);
    if (n == 0) {
      if (!in_bad) {
        in_bad = true;
        bad_from = pos;
      }
      ++pos;
      continue;
    }
    if (in_bad) {
      in_bad = false;
      ++stats.corrupt_ranges;
      stats.corrupt_bytes += pos - bad_from;
    }
    ++stats.records;
    on_record(GetU64(rest.data() + 8), rest.substr(kJournalHeaderBytes, n - kJournalHeaderBytes));
    pos += n;
  }
  if (in_bad) {
    stats.torn_bytes = contents.size() - bad_from;
  }
  return stats;
}

Result<JournalFile> JournalFile::Open(const std::string& path) {
  JournalFile f;
  f.fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (f.fd_ < 0) {
    return Err(ErrnoStatus("open " + path, errno));
  }
  struct stat st;
  if (fstat(f.fd_, &st) != 0) {
    return Err(ErrnoStatus("stat " + path, errno));
  }
  f.path_ = path;
  f.size_ = static_cast<uint64_t>(st.st_size);
  return f;
}

JournalFile::~JournalFile() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

JournalFile::JournalFile(JournalFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), size_(other.size_) {}

JournalFile& JournalFile::operator=(JournalFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
  }
  return *this;
}

Status JournalFile::Append(std::string_view records) {
  std::string_view left = records;
  while (!left.empty()) {
    ssize_t n = write(fd_, left.data(), left.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      // Cut back to the last whole record, so later appends are not hidden behind a partial one.
      if (left.size() != records.size() && ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        size_ += records.size() - left.size();  // it stays; ScanJournal skips it as damage
      }
      return ErrnoStatus("write " + path_, err);
    }
    left.remove_prefix(static_cast<size_t>(n));
  }
  size_ += records.size();
  return OkStatus();
}

Status JournalFile::Truncate() {
  if (ftruncate(fd_, 0) != 0) {
    return ErrnoStatus("truncate " + path_, errno);
  }
  size_ = 0;
  return OkStatus();
}

}  // namespace runnel::files
