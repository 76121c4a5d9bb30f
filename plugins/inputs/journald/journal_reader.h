#pragma once
// JournalReader: the systemd journal through libsystemd's sd_journal, reduced to what the
// journald input needs: open (local journal, a directory or files) with matches, position
// (head, tail, after a cursor), step through entries, read an entry's time, cursor and fields,
// and wait for new entries. sd-journal.h stays in the .cc.
//
// Not thread-safe (sd_journal objects are not): one thread uses a reader.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/status.h"

namespace runnel::plugins::journald {

struct JournalSource {
  std::vector<std::string> files;    // when set: these files
  std::string directory;             // else when set: the files of this directory
  std::vector<std::string> matches;  // "FIELD=value" (sd_journal_add_match)
};

class JournalReader {
 public:
  // Opens the journal. Errors name what failed: "cannot open the journal directory
  // /x: No such file or directory", "match 'X=1': Invalid argument".
  static Result<std::unique_ptr<JournalReader>> Open(const JournalSource& source);
  ~JournalReader();
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Positions before the first entry / after the last one (Next then returns only entries
  // written from now on).
  Status SeekHead();
  Status SeekTail();
  // Positions after the entry `cursor` names. *found is false when that entry is not in the
  // journal any more (rotated away, vacuumed) or the cursor is not valid: reading then resumes
  // at the first entry after the cursor's time, or at the head.
  Status SeekAfterCursor(const std::string& cursor, bool* found);

  // Moves to the next entry: true when there is one, false when there is none for now.
  Result<bool> Next();
  // The current entry's wall-clock time (__REALTIME_TIMESTAMP, microseconds since the epoch),
  // and its cursor.
  Result<uint64_t> RealtimeMicros();
  Result<std::string> Cursor();
  // Calls fn(name, value) for each field of the current entry, in the journal's order (a field
  // repeated in the entry comes once per value). The views are valid only during the call.
  // Errors: a damaged entry (EBADMSG) and other read errors.
  Status ForEachField(const std::function<void(std::string_view name, std::string_view value)>& fn);

  // Waits up to `timeout` for the journal to change (new entries, files added or removed).
  Status Wait(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit JournalReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace runnel::plugins::journald
