#include "file_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "runnel/logging.h"

namespace runnel::plugins::file {

FileOutput::FileOutput(FileConfig config, JsonWriter json, std::string id)
    : config_(std::move(config)), json_(std::move(json)), id_(std::move(id)) {}

FileOutput::~FileOutput() { Stop(); }

Status FileOutput::Start() { return Open(); }

Status FileOutput::Open() {
  std::filesystem::path parent = std::filesystem::path(config_.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return InvalidArgument("cannot create directory '" + parent.string() + "' for path '" +
                             config_.path + "': " + ec.message());
    }
  }
  fd_ = ::open(config_.path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return ErrnoStatus("cannot open '" + config_.path + "' for appending", errno);
  }
  struct stat st;
  size_ = fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  CutTornTail();
  last_sync_ = std::chrono::steady_clock::now();
  return OkStatus();
}

void FileOutput::CutTornTail() {
  // A process killed in the middle of a write leaves part of a batch after the last newline.
  // That batch was never acknowledged, so it comes again; appending after the fragment would
  // glue it to the next line. Cut it off.
  if (size_ == 0) {
    return;
  }
  constexpr uint64_t kLookBack = 1 << 20;
  uint64_t from = size_ > kLookBack ? size_ - kLookBack : 0;
  std::string tail(size_ - from, '\0');
  ssize_t n = ::pread(fd_, tail.data(), tail.size(), static_cast<off_t>(from));
  if (n != static_cast<ssize_t>(tail.size()) || tail.back() == '\n') {
    return;
  }
  size_t nl = tail.rfind('\n');
  uint64_t keep = nl == std::string::npos ? from : from + nl + 1;
  if (nl == std::string::npos && from > 0) {
    return;  // a line longer than the look-back: leave it to a human
  }
  if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0) {
    RUNNEL_LOG(kWarn, id_) << "cannot cut the incomplete last line of '" << config_.path
                           << "': " << strerror(errno);
    return;
  }
  RUNNEL_LOG(kWarn, id_) << "'" << config_.path << "' ended with an incomplete line ("
                         << size_ - keep << " bytes, from a write cut short); removed it";
  size_ = keep;
}

Status FileOutput::Rotate() {
  if (::fsync(fd_) != 0) {
    return ErrnoStatus("fsync '" + config_.path + "'", errno);
  }
  ::close(fd_);
  fd_ = -1;
  const std::string& p = config_.path;
  std::error_code ec;
  std::filesystem::remove(p + "." + std::to_string(config_.max_files), ec);
  for (int64_t i = config_.max_files - 1; i >= 1; --i) {
    std::filesystem::rename(p + "." + std::to_string(i), p + "." + std::to_string(i + 1), ec);
  }
  std::filesystem::rename(p, p + ".1", ec);
  if (ec) {
    RUNNEL_LOG(kWarn, id_) << "rotating '" << p << "': " << ec.message();
  }
  return Open();
}

Status FileOutput::WriteAll(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      // Cut the file back to where this batch began, so the retry writes it whole, once.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        RUNNEL_LOG(kError, id_) << "cannot cut back a partial write: " << std::strerror(errno);
      }
      return ErrnoStatus("write '" + config_.path + "'", err);
    }
    done += static_cast<size_t>(n);
  }
  size_ += data.size();
  return OkStatus();
}

WriteResult FileOutput::Write(const Batch& batch) {
  buffer_.clear();
  Status s = json_.AppendBatchLines(batch, &buffer_);
  if (!s.ok()) {
    return WriteResult::Rejected(s.message());
  }
  if (fd_ < 0) {
    Status o = Open();
    if (!o.ok()) {
      return WriteResult::Retry(o.message());
    }
  }
  if (config_.max_bytes > 0 && size_ > 0 && size_ + buffer_.size() > config_.max_bytes) {
    Status r = Rotate();
    if (!r.ok()) {
      return WriteResult::Retry(r.message());
    }
  }
  s = WriteAll(buffer_);
  if (!s.ok()) {
    return WriteResult::Retry(s.message());
  }
  dirty_ = true;
  const auto now = std::chrono::steady_clock::now();
  const bool sync =
      config_.fsync == FsyncPolicy::kBatch ||
      (config_.fsync == FsyncPolicy::kInterval && now - last_sync_ >= config_.fsync_interval);
  if (sync) {
    if (::fdatasync(fd_) != 0) {
      return WriteResult::Retry(ErrnoStatus("fsync '" + config_.path + "'", errno).message());
    }
    last_sync_ = now;
    dirty_ = false;
  }
  return WriteResult::Delivered();
}

void FileOutput::Stop() {
  if (fd_ >= 0) {
    if (dirty_ && config_.fsync != FsyncPolicy::kNever) {
      (void)::fdatasync(fd_);
    }
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace runnel::plugins::file
