#include "runnel/buffer/dead_letter.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <tuple>

#include "buffer/segment_format.h"
#include "runnel/buffer/file_ops.h"
#include "runnel/files/atomic_file.h"

namespace runnel::buffer {
namespace {

using internal::GetU32;
using internal::GetU64;
using internal::PutU32;
using internal::PutU64;

constexpr char kMagic[8] = {'R', 'U', 'N', 'N', 'E', 'L', 'D', 'L'};
constexpr size_t kHeaderSize = 68;
constexpr size_t kCrcFrom = 16;
constexpr uint32_t kFormatForwardEntries = 0;
constexpr std::string_view kSuffix = ".dlq";
constexpr std::string_view kTmpSuffix = ".dlq.tmp";

int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Encode(const Batch& batch, std::string_view reason, const std::string& output_id,
                   int64_t rejected_ns) {
  std::string out(kHeaderSize, '\0');
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  PutU32(&out[8], kDeadLetterVersion);
  PutU64(&out[16], static_cast<uint64_t>(rejected_ns));
  PutU64(&out[24], batch.id.hi);
  PutU64(&out[32], batch.id.lo);
  PutU32(&out[40], batch.count);
  PutU32(&out[44], kFormatForwardEntries);
  PutU32(&out[48], static_cast<uint32_t>(output_id.size()));
  PutU32(&out[52], static_cast<uint32_t>(batch.tag.size()));
  PutU32(&out[56], static_cast<uint32_t>(reason.size()));
  PutU64(&out[60], batch.data.size());
  out.reserve(kHeaderSize + output_id.size() + batch.tag.size() + reason.size() +
              batch.data.size());
  out += output_id;
  out += batch.tag;
  out += reason;
  out += batch.data;
  PutU32(&out[12], internal::Crc32c(std::string_view(out).substr(kCrcFrom)));
  return out;
}

Result<DeadLetter> Decode(const std::string& path, std::string_view file) {
  auto loss = [&path](const std::string& what) {
    return Err(DataLoss("dead letter " + path + ": " + what));
  };
  if (file.size() >= sizeof(kMagic) && std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0) {
    return loss("not a dead-letter file (no RUNNELDL magic)");
  }
  if (file.size() < kHeaderSize) {
    return loss("truncated: " + std::to_string(file.size()) + " bytes, shorter than the " +
                std::to_string(kHeaderSize) + "-byte header");
  }
  const char* p = file.data();
  if (uint32_t version = GetU32(p + 8); version != kDeadLetterVersion) {
    return loss("unknown version " + std::to_string(version) + " (this build reads version " +
                std::to_string(kDeadLetterVersion) + ")");
  }
  const uint64_t id_len = GetU32(p + 48), tag_len = GetU32(p + 52), reason_len = GetU32(p + 56);
  const uint64_t payload_len = GetU64(p + 60);
  // Compared in pieces so that a damaged length cannot overflow the sum.
  const uint64_t strings = kHeaderSize + id_len + tag_len + reason_len;
  const bool too_short = file.size() < strings || file.size() - strings < payload_len;
  if (internal::Crc32c(file.substr(kCrcFrom)) != GetU32(p + 12)) {
    if (too_short) {
      const bool fits = payload_len <= UINT64_MAX - strings;
      return loss("truncated: " + std::to_string(file.size()) + " bytes, its header says " +
                  (fits ? std::to_string(strings + payload_len) : std::string("more")));
    }
    return loss("checksum mismatch");
  }
  if (too_short || file.size() - strings != payload_len) {
    return loss("its lengths do not add up to its size (" + std::to_string(file.size()) +
                " bytes)");
  }
  if (uint32_t format = GetU32(p + 44); format != kFormatForwardEntries) {
    return loss("unknown payload format " + std::to_string(format));
  }
  DeadLetter d;
  d.path = path;
  d.rejected_ns = static_cast<int64_t>(GetU64(p + 16));
  d.batch.id = BatchId{GetU64(p + 24), GetU64(p + 32)};
  d.batch.count = GetU32(p + 40);
  std::string_view rest = file.substr(kHeaderSize);
  d.output_id = rest.substr(0, id_len);
  rest.remove_prefix(id_len);
  d.batch.tag = rest.substr(0, tag_len);
  rest.remove_prefix(tag_len);
  d.reason = rest.substr(0, reason_len);
  rest.remove_prefix(reason_len);
  d.batch.data = rest;
  return d;
}

Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoStatus("open directory " + dir, errno);
  }
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  return rc == 0 ? OkStatus() : ErrnoStatus("fsync directory " + dir, err);
}

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_not_of('/');
  slash = slash == std::string::npos ? std::string::npos : path.rfind('/', slash);
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The names in `dir` ending in `suffix`. NotFound when `dir` does not exist.
Result<std::vector<std::string>> NamesIn(const std::string& dir, std::string_view suffix) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    int err = errno;
    if (err == ENOENT) {
      return Err(NotFound("dead letters: " + dir + " does not exist"));
    }
    return Err(ErrnoStatus("dead letters: list directory " + dir, err));
  }
  std::vector<std::string> out;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() > suffix.size() && name.ends_with(suffix) && name[0] != '.') {
      out.emplace_back(name);
    }
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// The milliseconds a file name starts with; 0 when it does not.
int64_t NameMillis(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string_view name = std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
  int64_t ms = 0;
  for (char c : name.substr(0, 13)) {
    if (c < '0' || c > '9') {
      return 0;
    }
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

}  // namespace

std::string DeadLetterDir(const std::string& data_dir, const std::string& output_name) {
  return data_dir + "/dead-letter/" + output_name;
}

struct DeadLetterStore::State {
  DeadLetterStoreOptions options;
  std::mutex mu;
  bool scanned = false;
  uint64_t bytes = 0;

  // Sums the sizes of the files in the directory; the first time, creates the directory and
  // removes temporary files a crash left (only this store writes here).
  Status Scan() {
    if (!scanned) {
      RUNNEL_RETURN_IF_ERROR(files::MakeDirs(options.dir).WithPrefix("dead letters"));
      RUNNEL_RETURN_IF_ERROR(SyncDir(Parent(options.dir)).WithPrefix("dead letters"));
      RUNNEL_ASSIGN_OR_RETURN(std::vector<std::string> tmps, NamesIn(options.dir, kTmpSuffix));
      for (const std::string& name : tmps) {
        unlink((options.dir + "/" + name).c_str());
      }
    }
    RUNNEL_ASSIGN_OR_RETURN(std::vector<std::string> names, NamesIn(options.dir, kSuffix));
    bytes = 0;
    for (const std::string& name : names) {
      bytes += FileSize(options.dir + "/" + name);
    }
    scanned = true;
    return OkStatus();
  }

  // <ms>-<id>.dlq, or <ms>-<id>-<n>.dlq when that is taken.
  std::string FreePath(int64_t rejected_ns, const BatchId& id) const {
    char ms[24];
    std::snprintf(ms, sizeof(ms), "%013lld",
                  static_cast<long long>(std::max<int64_t>(rejected_ns, 0) / 1'000'000));
    const std::string base = options.dir + "/" + ms + "-" + id.ToHex();
    std::string path = base + std::string(kSuffix);
    for (int n = 1; access(path.c_str(), F_OK) == 0; ++n) {
      path = base + "-" + std::to_string(n) + std::string(kSuffix);
    }
    return path;
  }
};

DeadLetterStore::DeadLetterStore(DeadLetterStoreOptions options)
    : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  if (!state_->options.wall_clock_ns) {
    state_->options.wall_clock_ns = SystemNowNs;
  }
}

DeadLetterStore::~DeadLetterStore() = default;

Status DeadLetterStore::Put(const Batch& batch, std::string_view reason) {
  std::lock_guard<std::mutex> lock(state_->mu);
  State& st = *state_;
  if (!st.scanned) {
    RUNNEL_RETURN_IF_ERROR(st.Scan());
  }
  const int64_t now = st.options.wall_clock_ns();
  std::string contents = Encode(batch, reason, st.options.output_id, now);
  const uint64_t max = st.options.max_bytes;
  if (max != 0 && st.bytes + contents.size() > max) {
    RUNNEL_RETURN_IF_ERROR(st.Scan());  // a reinjection may have removed files
    if (st.bytes + contents.size() > max) {
      return ResourceExhausted("dead letters: " + st.options.dir + " holds " +
                               std::to_string(st.bytes) + " bytes; batch " + batch.id.ToHex() +
                               " (" + std::to_string(batch.count) + " events, " +
                               std::to_string(contents.size()) + " bytes) would pass max_bytes (" +
                               std::to_string(max) + ")");
    }
  }
  std::string path = st.FreePath(now, batch.id);
  RUNNEL_RETURN_IF_ERROR(
      files::WriteFileAtomically(path, contents, st.options.file_ops).WithPrefix("dead letters"));
  st.bytes += contents.size();
  return OkStatus();
}

uint64_t DeadLetterStore::bytes() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->bytes;
}

const std::string& DeadLetterStore::dir() const { return state_->options.dir; }

Result<DeadLetter> ReadDeadLetter(const std::string& path) {
  Result<std::string> file = files::ReadWholeFile(path);
  if (!file.has_value()) {
    return Err(file.error().WithPrefix("dead letter"));
  }
  return Decode(path, *file);
}

Result<std::vector<DeadLetterInfo>> ListDeadLetters(const std::string& dir) {
  Result<std::vector<std::string>> names = NamesIn(dir, kSuffix);
  if (!names.has_value()) {
    if (names.error().code() == StatusCode::kNotFound) {
      return std::vector<DeadLetterInfo>{};
    }
    return Err(names.error());
  }
  std::vector<DeadLetterInfo> out;
  for (const std::string& name : *names) {
    DeadLetterInfo info;
    info.path = dir + "/" + name;
    Result<DeadLetter> d = ReadDeadLetter(info.path);
    if (!d.has_value()) {
      if (d.error().code() == StatusCode::kNotFound) {
        continue;  // reinjected and removed since the directory was listed
      }
      info.error = d.error().message();
      info.file_bytes = FileSize(info.path);
    } else {
      info.output_id = std::move(d->output_id);
      info.reason = std::move(d->reason);
      info.tag = std::move(d->batch.tag);
      info.batch_id = d->batch.id;
      info.count = d->batch.count;
      info.bytes = d->batch.data.size();
      info.rejected_ns = d->rejected_ns;
      info.file_bytes = FileSize(info.path);
    }
    out.push_back(std::move(info));
  }
  std::stable_sort(out.begin(), out.end(), [](const DeadLetterInfo& a, const DeadLetterInfo& b) {
    return std::make_tuple(NameMillis(a.path), a.rejected_ns) <
           std::make_tuple(NameMillis(b.path), b.rejected_ns);
  });
  return out;
}

Status RemoveDeadLetter(const std::string& path) {
  if (unlink(path.c_str()) != 0) {
    return ErrnoStatus("dead letters: remove " + path, errno);
  }
  return SyncDir(Parent(path)).WithPrefix("dead letters");
}

}  // namespace runnel::buffer
