#include "runnel/chunk_window.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <string_view>

#include "runnel/check.h"
#include "runnel/files/atomic_file.h"
#include "runnel/logging.h"

namespace runnel {
namespace {

constexpr char kSnapshot[] = "/chunks.snapshot";
constexpr char kJournal[] = "/chunks.journal";

void PutBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

uint64_t GetBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) {
    v = (v << 8) | static_cast<uint8_t>(c);
  }
  return v;
}

uint32_t Crc(std::string_view s) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoStatus("write " + path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

}  // namespace

std::string ChunkWindow::EncodeRecord(const BatchId& id) {
  std::string out;
  out.reserve(kRecordBytes);
  PutBigEndian(id.hi, 8, &out);
  PutBigEndian(id.lo, 8, &out);
  PutBigEndian(Crc(out), 4, &out);
  return out;
}

std::unique_ptr<ChunkWindow> ChunkWindow::InMemory(size_t capacity) {
  RUNNEL_CHECK(capacity >= 1);
  return std::unique_ptr<ChunkWindow>(new ChunkWindow(capacity));
}

Result<std::unique_ptr<ChunkWindow>> ChunkWindow::Open(const std::string& dir, size_t capacity,
                                                       const std::string& component) {
  RUNNEL_CHECK(capacity >= 1);
  RUNNEL_RETURN_IF_ERROR(files::MakeDirs(dir));
  std::unique_ptr<ChunkWindow> w(new ChunkWindow(capacity));
  w->dir_ = dir;
  w->component_ = component;
  for (const char* name : {kSnapshot, kJournal}) {
    const std::string path = dir + name;
    Result<std::string> contents = files::ReadWholeFile(path);
    if (!contents) {
      if (contents.error().code() == StatusCode::kNotFound) {
        continue;
      }
      // Unreadable: start without it (the next compaction replaces both files).
      RUNNEL_LOG(kWarn, component)
          << "dedupe window: " << contents.error().message() << "; starting without it";
      continue;
    }
    w->Load(*contents, path);
  }
  const std::string journal = dir + kJournal;
  w->journal_fd_ = open(journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (w->journal_fd_ < 0) {
    return Err(ErrnoStatus("open " + journal, errno));
  }
  // Rewrites the files from what was valid: damage is cut away and the journal starts empty.
  RUNNEL_RETURN_IF_ERROR(w->Compact());
  return w;
}

ChunkWindow::~ChunkWindow() {
  if (journal_fd_ >= 0) {
    close(journal_fd_);
  }
}

void ChunkWindow::Load(std::string_view contents, const std::string& file) {
  size_t corrupt = 0;
  for (size_t off = 0; off + kRecordBytes <= contents.size(); off += kRecordBytes) {
    std::string_view r = contents.substr(off, kRecordBytes);
    if (Crc(r.substr(0, 16)) != GetBigEndian(r.substr(16, 4))) {
      ++corrupt;
      continue;
    }
    ++open_stats_.loaded;
    Insert(BatchId{GetBigEndian(r.substr(0, 8)), GetBigEndian(r.substr(8, 8))});
  }
  const size_t torn = contents.size() % kRecordBytes;
  open_stats_.corrupt_records += corrupt;
  open_stats_.torn_bytes += torn;
  if (corrupt > 0 || torn > 0) {
    RUNNEL_LOG(kWarn, component_) << "dedupe window: " << file << ": skipped " << corrupt
                                  << " corrupt record(s) and " << torn
                                  << " byte(s) of a torn last record; starting with the rest";
  }
}

bool ChunkWindow::Insert(const BatchId& id) {
  if (!ids_.insert(id).second) {
    return false;
  }
  order_.push_back(id);
  if (order_.size() > capacity_) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

bool ChunkWindow::Contains(const BatchId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ids_.contains(id);
}

Status ChunkWindow::Add(const BatchId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Insert(id) || dir_.empty()) {
    return OkStatus();
  }
  RUNNEL_RETURN_IF_ERROR(WriteAll(journal_fd_, EncodeRecord(id), dir_ + kJournal));
  if (++journal_records_ >= capacity_) {
    return Compact();
  }
  return OkStatus();
}

Status ChunkWindow::Compact() {
  std::string snapshot;
  snapshot.reserve(order_.size() * kRecordBytes);
  for (const BatchId& id : order_) {
    snapshot += EncodeRecord(id);
  }
  // The snapshot first: a crash before the journal is emptied leaves ids in both files, which
  // loads the same window.
  RUNNEL_RETURN_IF_ERROR(files::WriteFileAtomically(dir_ + kSnapshot, snapshot));
  if (ftruncate(journal_fd_, 0) != 0) {
    return ErrnoStatus("truncate " + dir_ + kJournal, errno);
  }
  journal_records_ = 0;
  return OkStatus();
}

size_t ChunkWindow::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return order_.size();
}

std::vector<BatchId> ChunkWindow::Ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {order_.begin(), order_.end()};
}

}  // namespace runnel
