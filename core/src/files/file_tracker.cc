#include "runnel/files/file_tracker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "runnel/logging.h"

namespace runnel::files {
namespace {

// True when `fd` still starts with the bytes `entry` was checkpointed with.
bool SameStart(int fd, const CheckpointEntry& entry) {
  Result<FingerprintCheck> check = CheckFingerprint(fd, entry.fingerprint, entry.fingerprint.len);
  return check && check->matches;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string JoinPath(const std::string& dir, const char* name) {
  return dir.ends_with('/') ? dir + name : dir + "/" + name;
}

}  // namespace

Result<size_t> TrackedFile::Fill(Clock::time_point now) {
  if (!changed) {
    struct stat st;
    if (fstat(fd, &st) == 0 && Shrunk(static_cast<uint64_t>(st.st_size))) {
      changed = true;
    } else if (fingerprint.len > 0) {
      Result<FingerprintCheck> check = CheckFingerprint(fd, fingerprint, fingerprint.len);
      changed = check && !check->matches;
    }
  }
  if (changed) {
    at_eof = true;
    return 0;
  }
  RUNNEL_ASSIGN_OR_RETURN(size_t n, reader.Fill(fd));
  if (n == 0) {
    at_eof = true;
  } else {
    at_eof = false;
    last_data = now;
  }
  return n;
}

bool TrackedFile::Shrunk(uint64_t now_size) {
  if (now_size >= reader.read_offset()) {
    filling = false;
    return false;
  }
  if (filling && now_size >= filling_size) {
    filling_size = now_size;
    return false;
  }
  return true;
}

FileTracker::FileTracker(FileTrackerOptions options, FileTrackerListener* listener)
    : options_(std::move(options)),
      listener_(listener),
      matcher_(options_.include, options_.exclude) {
  options_.fingerprint_bytes =
      std::clamp<uint32_t>(options_.fingerprint_bytes, 1, kMaxFingerprintBytes);
}

FileTracker::~FileTracker() {
  for (auto& f : files_) {
    close(f->fd);
  }
}

void FileTracker::InitialScan(const std::vector<CheckpointEntry>& resume, bool from_end,
                              Clock::time_point now) {
  Scan(&resume, from_end, now);
}

void FileTracker::Rescan(Clock::time_point now) { Scan(nullptr, false, now); }

TrackedFile* FileTracker::FindById(const FileId& id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::unique_ptr<TrackedFile> FileTracker::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT) {
      RUNNEL_LOG_EVERY(kWarn, options_.log_component, std::chrono::seconds(60))
          << "cannot open " << path << ": " << strerror(errno);
    }
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return nullptr;
  }
  Result<Fingerprint> fp = ComputeFingerprint(fd, options_.fingerprint_bytes);
  if (!fp) {
    RUNNEL_LOG_EVERY(kWarn, options_.log_component, std::chrono::seconds(60))
        << path << ": " << fp.error().message();
    close(fd);
    return nullptr;
  }
  auto f = std::make_unique<TrackedFile>(options_);
  f->path = f->current_path = path;
  f->id = FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  f->fd = fd;
  f->fingerprint = *fp;
  f->size = static_cast<uint64_t>(st.st_size);
  return f;
}

uint64_t FileTracker::EndBoundary(const TrackedFile& file) {
  constexpr uint64_t kLookBack = 64 * 1024;
  uint64_t from = file.size > kLookBack ? file.size - kLookBack : 0;
  std::string buf(file.size - from, '\0');
  ssize_t n = pread(file.fd, buf.data(), buf.size(), static_cast<off_t>(from));
  if (n <= 0) {
    return file.size;
  }
  size_t nl = std::string_view(buf.data(), static_cast<size_t>(n)).rfind('\n');
  return nl == std::string_view::npos ? file.size : from + nl + 1;
}

bool FileTracker::MatchCopy(TrackedFile& file, Clock::time_point now, uint64_t* start) {
  if (file.fingerprint.len == 0) {
    return false;
  }
  char buf[kMaxFingerprintBytes];
  Result<uint32_t> n = ReadPrefix(file.fd, options_.fingerprint_bytes, buf);
  if (!n) {
    return false;
  }
  auto same = [&](const Fingerprint& fp) {
    return fp.len >= std::min(kMinCopyFingerprint, options_.fingerprint_bytes) && fp.len <= *n &&
           HashBytes(std::string_view(buf, fp.len)) == fp.hash;
  };
  for (auto it = ghosts_.begin(); it != ghosts_.end(); ++it) {
    if (it->expires > now && same(it->fingerprint)) {
      *start = it->offset;
      ghosts_.erase(it);
      return true;
    }
  }
  for (auto& f : files_) {
    if (!f->gone && !f->paused && f->identified && f->id != file.id && same(f->fingerprint)) {
      // Copied before its truncation was seen: the copy goes on from where f is, and f waits.
      *start = f->reader.line_offset();
      f->paused = true;
      f->paused_since = now;
      return true;
    }
  }
  return false;
}

void FileTracker::Start(TrackedFile& file, uint64_t start) {
  file.generation = next_generation_++;
  file.reader.Reset(start);
  file.at_eof = false;
  struct stat st;
  uint64_t size = fstat(file.fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  file.filling = start > size;
  file.filling_size = size;
  listener_->OnGenerationStart(file, start);
}

void FileTracker::StartNew(TrackedFile& file, Clock::time_point now) {
  uint64_t start = 0;
  if (MatchCopy(file, now, &start)) {
    ++stats_.copies;
    RUNNEL_LOG(kInfo, options_.log_component)
        << file.current_path << " is a copy of a file being read; reading it from offset " << start;
  }
  file.identified = true;
  file.last_data = now;
  Start(file, start);
}

void FileTracker::Scan(const std::vector<CheckpointEntry>* resume, bool from_end,
                       Clock::time_point now) {
  std::vector<std::string> errors;
  std::vector<std::string> paths = matcher_.Expand(&errors);
  for (const std::string& e : errors) {
    RUNNEL_LOG_EVERY(kWarn, options_.log_component, std::chrono::seconds(60)) << e;
  }
  std::set<TrackedFile*> seen;
  std::vector<TrackedFile*> fresh;  // found by the initial scan
  for (const std::string& path : paths) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    FileId id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
    if (TrackedFile* f = FindById(id)) {
      f->current_path = path;
      seen.insert(f);
      continue;
    }
    std::unique_ptr<TrackedFile> f = Open(path);
    if (f == nullptr) {
      continue;
    }
    if (TrackedFile* g = FindById(f->id)) {  // replaced between stat and open by a tracked file
      close(f->fd);
      g->current_path = path;
      seen.insert(g);
      continue;
    }
    TrackedFile* raw = f.get();
    files_.push_back(std::move(f));
    by_id_[raw->id] = raw;
    seen.insert(raw);
    raw->found = raw->last_data = now;
    if (resume != nullptr) {
      fresh.push_back(raw);
    } else if (raw->fingerprint.len < options_.fingerprint_bytes) {
      raw->identified = false;  // Check() starts it
    } else {
      StartNew(*raw, now);
    }
  }
  if (resume != nullptr) {
    Resume(fresh, *resume, from_end, now);
  }
  for (auto& f : files_) {
    bool found = seen.contains(f.get());
    if (!found && !f->gone) {
      f->gone = true;
      f->gone_since = now;
      ++stats_.rotations;
      RUNNEL_LOG(kDebug, options_.log_component)
          << f->current_path << " was renamed or deleted; reading it to its end";
    } else if (found) {
      f->gone = false;
    }
  }
}

void FileTracker::Resume(const std::vector<TrackedFile*>& fresh,
                         const std::vector<CheckpointEntry>& resume, bool from_end,
                         Clock::time_point now) {
  std::vector<bool> used(resume.size(), false);
  std::vector<int> how(fresh.size(), 0);  // 0: unknown, 1: resumed, 2: known inode, new content
  std::vector<uint64_t> start(fresh.size(), 0);
  std::set<FileId> globbed;
  for (TrackedFile* f : fresh) {
    globbed.insert(f->id);
  }
  // The same file: same dev+inode and still the same first bytes. Another entry with the same
  // inode (a released file's, kept until acknowledged, whose inode was reused) does not hide it.
  for (size_t i = 0; i < fresh.size(); ++i) {
    for (size_t j = 0; j < resume.size(); ++j) {
      if (used[j] || resume[j].id != fresh[i]->id) {
        continue;
      }
      if (SameStart(fresh[i]->fd, resume[j])) {
        used[j] = true;
        how[i] = 1;
        start[i] = resume[j].offset <= fresh[i]->size ? resume[j].offset : 0;
        break;
      }
      how[i] = 2;  // rewritten while we were down, or a reused inode: all of it is new
    }
  }
  // Files that left the globbed paths while we were down (rotated away): found by inode in the
  // directory of their checkpointed path, they go on from their offset.
  std::vector<std::string> why_gone(resume.size());
  std::vector<std::pair<TrackedFile*, uint64_t>> rotated =
      FindRotated(resume, globbed, &used, &why_gone, now);
  // A copy made while we were down (copytruncate): another inode starting with the bytes of a
  // checkpointed file that was not found as itself. It goes on from that file's offset.
  for (size_t i = 0; i < fresh.size(); ++i) {
    for (size_t j = 0; j < resume.size() && how[i] == 0; ++j) {
      if (!used[j] && resume[j].fingerprint.len >= kMinCopyFingerprint &&
          SameStart(fresh[i]->fd, resume[j])) {
        used[j] = true;
        how[i] = 1;
        start[i] = resume[j].offset <= fresh[i]->size ? resume[j].offset : 0;
        ++stats_.copies;
        RUNNEL_LOG(kInfo, options_.log_component)
            << fresh[i]->path << " is a copy of " << resume[j].path
            << " (checkpoint); reading it from offset " << start[i];
      }
    }
  }
  for (size_t j = 0; j < resume.size(); ++j) {
    if (!used[j] && !globbed.contains(resume[j].id)) {
      RUNNEL_LOG(kInfo, options_.log_component)
          << resume[j].path << " (checkpointed at offset " << resume[j].offset
          << ") is gone: " << why_gone[j] << "; dropping its checkpoint entry";
    }
  }
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (how[i] == 0 && from_end) {
      start[i] = EndBoundary(*fresh[i]);
    }
    Start(*fresh[i], start[i]);
  }
  for (const auto& [f, offset] : rotated) {
    Start(*f, offset);
  }
}

std::vector<std::pair<TrackedFile*, uint64_t>> FileTracker::FindRotated(
    const std::vector<CheckpointEntry>& resume, const std::set<FileId>& globbed,
    std::vector<bool>* used, std::vector<std::string>* why_gone, Clock::time_point now) {
  std::map<std::string, std::vector<size_t>> wanted;  // directory -> entries to look for there
  for (size_t j = 0; j < resume.size(); ++j) {
    if (!(*used)[j] && !globbed.contains(resume[j].id)) {
      std::string dir = DirName(resume[j].path);
      (*why_gone)[j] = "its inode is neither at a globbed path nor in " + dir;
      wanted[dir].push_back(j);
    }
  }
  std::vector<std::pair<TrackedFile*, uint64_t>> found;
  for (const auto& [dir, entries] : wanted) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      for (size_t j : entries) {
        (*why_gone)[j] = "cannot read " + dir + ": " + strerror(errno);
      }
      continue;
    }
    while (const dirent* e = readdir(d)) {
      if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) {
        continue;
      }
      struct stat st;
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
        continue;
      }
      FileId id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
      auto is_wanted = [&](size_t j) { return !(*used)[j] && resume[j].id == id; };
      if (std::none_of(entries.begin(), entries.end(), is_wanted) || FindById(id) != nullptr) {
        continue;
      }
      std::string path = JoinPath(dir, e->d_name);
      std::unique_ptr<TrackedFile> f = Open(path);
      if (f == nullptr || f->id != id) {
        if (f != nullptr) {
          close(f->fd);
        }
        continue;
      }
      const CheckpointEntry* match = nullptr;
      for (size_t j : entries) {
        if (!is_wanted(j)) {
          continue;
        }
        if (match == nullptr && SameStart(f->fd, resume[j])) {
          (*used)[j] = true;
          match = &resume[j];
        } else {
          (*why_gone)[j] = path + " has its inode but other first bytes (a reused inode)";
        }
      }
      if (match == nullptr) {
        close(f->fd);
        continue;
      }
      uint64_t start = match->offset <= f->size ? match->offset : 0;
      RUNNEL_LOG(kInfo, options_.log_component)
          << match->path << " was rotated to " << path
          << " while the agent was down; reading it from offset " << start << " to its end";
      f->path = match->path;  // events carry the path it was read under
      f->found = f->last_data = now;
      f->gone = true;
      f->gone_since = now;
      ++stats_.rotations;
      TrackedFile* raw = f.get();
      files_.push_back(std::move(f));
      by_id_[raw->id] = raw;
      found.emplace_back(raw, start);
    }
    closedir(d);
  }
  return found;
}

bool FileTracker::ReadyToRelease(const TrackedFile& file, Clock::time_point now) const {
  if (!file.gone || !file.at_eof ||
      now - std::max(file.last_data, file.gone_since) < options_.rotate_wait) {
    return false;
  }
  struct stat st;  // at_eof may be older than the last write: look again
  return fstat(file.fd, &st) == 0 && static_cast<uint64_t>(st.st_size) <= file.reader.read_offset();
}

void FileTracker::Truncated(TrackedFile& file, Clock::time_point now) {
  ghosts_.push_back(Ghost{file.fingerprint, file.reader.line_offset(), now + options_.copy_window});
  listener_->OnGenerationEnd(file);
  ++stats_.truncations;
  RUNNEL_LOG(kInfo, options_.log_component)
      << file.current_path << " was truncated; reading it from the start";
  Result<Fingerprint> fp = ComputeFingerprint(file.fd, options_.fingerprint_bytes);
  file.fingerprint = fp ? *fp : Fingerprint{};
  file.paused = false;
  file.changed = false;
  file.last_data = now;
  Start(file, 0);
}

void FileTracker::Check(Clock::time_point now) {
  for (auto it = files_.begin(); it != files_.end();) {
    TrackedFile& f = **it;
    if (!f.release) {
      ++it;
      continue;
    }
    if (f.identified) {
      listener_->OnGenerationEnd(f);
    }
    close(f.fd);
    by_id_.erase(f.id);
    it = files_.erase(it);
  }
  std::erase_if(ghosts_, [&](const Ghost& g) { return g.expires <= now; });
  for (auto& fp : files_) {
    TrackedFile& f = *fp;
    if (!f.identified) {
      Result<Fingerprint> now_fp = ComputeFingerprint(f.fd, options_.fingerprint_bytes);
      if (now_fp) {
        f.fingerprint = *now_fp;
      }
      if (f.gone || f.fingerprint.len >= options_.fingerprint_bytes ||
          now - f.found >= options_.identify_wait) {
        StartNew(f, now);
      }
      continue;
    }
    struct stat st;
    if (fstat(f.fd, &st) != 0) {
      continue;
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    bool truncated = f.changed || f.Shrunk(size);
    if (!truncated && (size != f.size || (f.fingerprint.len < options_.fingerprint_bytes &&
                                          size > f.fingerprint.len))) {
      Result<FingerprintCheck> check =
          CheckFingerprint(f.fd, f.fingerprint, options_.fingerprint_bytes);
      if (check && !check->matches) {
        truncated = true;
      } else if (check && check->current != f.fingerprint) {
        f.fingerprint = check->current;
        listener_->OnFingerprintChanged(f);
      }
    }
    f.size = size;
    if (truncated) {
      Truncated(f, now);
    } else if (f.paused && now - f.paused_since >= options_.copy_window) {
      f.paused = false;
    }
  }
}

uint64_t FileTracker::unread_bytes() const {
  uint64_t unread = 0;
  for (const auto& f : files_) {
    const uint64_t read = f->reader.read_offset();
    unread += f->size > read ? f->size - read : 0;
  }
  return unread;
}

}  // namespace runnel::files
