#pragma once
// FileTracker: the files a tail-like input reads and their life cycle: discovery by globs,
// identity (dev+inode+fingerprint), rename rotation, copytruncate, copies, release.
//
// Rules (the tail README explains them for users):
//  - A file is tracked by its open descriptor, so a renamed or deleted file can be read to its
//    end. While we hold it open its inode cannot be reused, so a path showing a tracked
//    dev+inode is that same file.
//  - At start-up a checkpointed file that left the globbed paths while we were down (renamed
//    away) is looked for by dev+inode in the directory of its checkpointed path and, when its
//    first bytes still match, read from its checkpointed offset as a `gone` file (InitialScan).
//  - A tracked file that no scan finds any more is `gone` (renamed away or deleted). The reader
//    reads it to its end; once it has been at its end, unchanged, for rotate_wait, the reader
//    sets `release` and the next Check() closes it.
//  - Check() restarts a file at offset 0 as a new generation when its size fell below the read
//    offset or its first bytes no longer hash to its fingerprint (truncated, copytruncate).
//    The old fingerprint and read offset are remembered for copy_window.
//  - A file first seen by a Rescan() while shorter than fingerprint_bytes is not `identified`
//    (and not read) until it has grown to fingerprint_bytes or identify_wait has passed: it may
//    be a copy still being written, which its first bytes will tell.
//  - A file first seen by a Rescan() starts at 0, unless its first bytes equal the fingerprint
//    of a tracked file (or of one truncated within copy_window) with another inode: it is that
//    file's copy and starts at that file's read offset. A tracked file whose copy appeared
//    before it was truncated is `paused` until its truncation is seen (or copy_window passes).
//  - A copy found while it is still being written can be shorter than the offset it starts at.
//    It is not truncated while it grows towards that offset: only a size below the largest
//    size seen so far (or other first bytes) is a truncation then.
//
// Not thread-safe: the reader thread owns it. The listener is called on that thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runnel/files/checkpoint.h"
#include "runnel/files/fingerprint.h"
#include "runnel/files/glob.h"
#include "runnel/files/line_reader.h"
#include "runnel/status.h"

namespace runnel::files {

using Clock = std::chrono::steady_clock;

// Fingerprints shorter than this never make a file a copy of another: too little to tell.
inline constexpr uint32_t kMinCopyFingerprint = 16;

struct FileTrackerOptions {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  uint32_t fingerprint_bytes = 256;  // 1 .. kMaxFingerprintBytes
  size_t block_bytes = 256 * 1024;
  size_t max_line_bytes = 64 * 1024;
  Clock::duration rotate_wait = std::chrono::seconds(5);
  Clock::duration copy_window = std::chrono::seconds(10);
  Clock::duration identify_wait = std::chrono::seconds(1);
  std::string log_component;  // for warnings, e.g. "inputs.app"
};

// One generation of one file: the file as found, or as rewritten after a truncation.
struct TrackedFile {
  explicit TrackedFile(const FileTrackerOptions& o) : reader(o.block_bytes, o.max_line_bytes) {}

  uint64_t generation = 0;   // unique within the tracker
  std::string path;          // where it was first found; events carry it
  std::string current_path;  // where the last scan saw it
  FileId id;
  Fingerprint fingerprint;
  int fd = -1;
  LineReader reader;
  uint64_t size = 0;            // at the last Check() or Fill()
  bool at_eof = false;          // the last Fill() read nothing
  bool gone = false;            // no scan finds it any more
  bool paused = false;          // its copy took over before the truncation was seen: do not read
  bool release = false;         // set by the reader: close it at the next Check()
  bool identified = true;       // false: maybe a copy being written; no generation yet, not read
  bool changed = false;         // Fill() saw it truncated or rewritten: read nothing until Check()
  bool filling = false;         // started beyond its end (a copy being written); see Shrunk()
  uint64_t filling_size = 0;    // while `filling`: the largest size seen
  Clock::time_point last_data;  // the last time bytes were read (or it was found)
  Clock::time_point paused_since;
  Clock::time_point gone_since;
  Clock::time_point found;

  // LineReader::Fill on this file, keeping at_eof and last_data up to date. Before reading it
  // checks that the file is still this generation (not shorter than the read offset, same first
  // bytes): a file truncated and rewritten since the last Check() must not be read as the
  // continuation of what it was. When it is not, it sets `changed` and reads nothing (returns 0);
  // the next Check() starts the new generation.
  Result<size_t> Fill(Clock::time_point now);

  // Whether a file now `size` bytes long was truncated, judged by its size: it is shorter than
  // the read offset, unless it is a copy still growing towards the offset it started at.
  bool Shrunk(uint64_t size);
};

class FileTrackerListener {
 public:
  virtual ~FileTrackerListener() = default;
  // A generation starts; reading starts at `start`.
  virtual void OnGenerationStart(const TrackedFile& file, uint64_t start) = 0;
  // The fingerprint of a generation grew with its file.
  virtual void OnFingerprintChanged(const TrackedFile& file) = 0;
  // A generation ends (truncated or released): nothing more is read from it.
  virtual void OnGenerationEnd(const TrackedFile& file) = 0;
};

struct FileTrackerStats {
  uint64_t rotations = 0;    // tracked files that went away from their paths (renamed, deleted)
  uint64_t truncations = 0;  // generations restarted at 0
  uint64_t copies = 0;       // new files started at the offset of the file they copy
};

class FileTracker {
 public:
  FileTracker(FileTrackerOptions options, FileTrackerListener* listener);
  ~FileTracker();  // closes every file without calling the listener
  FileTracker(const FileTracker&) = delete;
  FileTracker& operator=(const FileTracker&) = delete;

  // The first scan. A file whose dev+inode and fingerprint (over the entry's length) match a
  // `resume` entry continues at the entry's offset (at 0 when the file is now shorter). A file
  // with an entry's dev+inode but other first bytes starts at 0. A file of another inode that
  // starts with the bytes of an entry not found as itself is its copy (copytruncate while we
  // were down) and continues at the entry's offset. Any other file starts at 0, or after its
  // last complete line when `from_end`.
  //
  // An entry whose dev+inode no globbed file has (its file was rotated away while we were
  // down) is looked for among the regular files of the directory of the entry's path: one
  // readdir per such directory, not recursive, symlinks not followed, exclude patterns not
  // applied. A file found there with the entry's dev+inode and first bytes is tracked as a
  // `gone` file: `path` is the entry's path (events carry it), `current_path` where it was
  // found; it continues at the entry's offset and is released like any rotated file, after
  // rotate_wait at its end (counted in stats().rotations). An entry matched by none of these
  // rules is dropped, logged at info when its file is gone (not found, or its inode reused).
  void InitialScan(const std::vector<CheckpointEntry>& resume, bool from_end,
                   Clock::time_point now);
  // A later scan: new files (from 0, or copies), gone files marked.
  void Rescan(Clock::time_point now);
  // Per file: identification, truncation, fingerprint growth, end of a pause; closes files
  // marked `release`.
  void Check(Clock::time_point now);

  // A gone file that is at its end and has had no new data for rotate_wait (counted from when
  // it went away, at the earliest).
  bool ReadyToRelease(const TrackedFile& file, Clock::time_point now) const;

  const std::vector<std::unique_ptr<TrackedFile>>& files() const { return files_; }
  const FileTrackerStats& stats() const { return stats_; }
  // Bytes of the tracked files past their read offsets, by the sizes last seen (Check, Fill):
  // how far reading is behind the writers.
  uint64_t unread_bytes() const;

 private:
  struct Ghost {  // a generation ended by truncation, kept for copy matching
    Fingerprint fingerprint;
    uint64_t offset;
    Clock::time_point expires;
  };
  void Scan(const std::vector<CheckpointEntry>* resume, bool from_end, Clock::time_point now);
  // Where each file found by the initial scan starts (see InitialScan).
  void Resume(const std::vector<TrackedFile*>& fresh, const std::vector<CheckpointEntry>& resume,
              bool from_end, Clock::time_point now);
  // Looks for the files of the entries not `used` and not `globbed` in their directories (see
  // InitialScan); tracks those found, marks their entries used and returns them with their
  // start offsets (not started yet). `why_gone` gets, per entry not found, the reason to log.
  std::vector<std::pair<TrackedFile*, uint64_t>> FindRotated(
      const std::vector<CheckpointEntry>& resume, const std::set<FileId>& globbed,
      std::vector<bool>* used, std::vector<std::string>* why_gone, Clock::time_point now);
  TrackedFile* FindById(const FileId& id);
  // Where a file first seen at start-up without a checkpoint begins when reading from the end:
  // just after the last newline, so no line is read from its middle.
  uint64_t EndBoundary(const TrackedFile& file);
  // Opens `path` as a new TrackedFile; nullptr (logged) when it is not a readable regular file.
  std::unique_ptr<TrackedFile> Open(const std::string& path);
  // The read offset a new file starts at when it is a copy of a tracked file or ghost.
  bool MatchCopy(TrackedFile& file, Clock::time_point now, uint64_t* start);
  void Truncated(TrackedFile& file, Clock::time_point now);
  void Start(TrackedFile& file, uint64_t start);
  // Starts a file found while running: from 0, or from where the file it copies is.
  void StartNew(TrackedFile& file, Clock::time_point now);

  FileTrackerOptions options_;
  FileTrackerListener* listener_;
  PathMatcher matcher_;
  std::vector<std::unique_ptr<TrackedFile>> files_;
  std::map<FileId, TrackedFile*> by_id_;
  std::vector<Ghost> ghosts_;
  uint64_t next_generation_ = 1;
  FileTrackerStats stats_;
};

}  // namespace runnel::files
