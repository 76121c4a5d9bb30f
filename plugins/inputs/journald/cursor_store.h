#pragma once
// CursorStore: where the journald input resumes, kept under its state directory as a snapshot
// and a journal (runnel/files/journal.h), the same pair the tail checkpoint uses:
//   <dir>/cursor          "runnel journald cursor 1\n<seq>\n<cursor>\n", replaced atomically
//                         and fsync'ed (files::WriteFileAtomically)
//   <dir>/cursor.journal  one record per acknowledged cursor (seq, cursor), one write(2) each,
//                         no fsync: it survives a crash of the process as soon as Append returns
// Loading takes the record with the highest seq of the two, so a crash between a snapshot and
// the journal's truncation loses nothing. Damaged journal records are skipped and counted; a
// damaged snapshot is an error (it is rewritten by a snapshot from the journal, or moved aside
// by the caller).
//
// Not thread-safe: the owner serialises calls.

#include <cstdint>
#include <string>

#include "runnel/files/journal.h"
#include "runnel/status.h"

namespace runnel::plugins::journald {

struct CursorLoad {
  std::string cursor;             // "" when nothing was saved
  size_t damaged_records = 0;     // journal stretches skipped
  bool snapshot_damaged = false;  // the snapshot was not in the format above (moved aside)
};

class CursorStore {
 public:
  // Creates `dir` (mode 0750) when missing, reads the snapshot and the journal and opens the
  // journal for appending. A damaged snapshot is renamed to "cursor.corrupt" and reported in
  // *load (the journal may still have the cursor). Errors: the directory cannot be made, a
  // file cannot be read or opened (errno, naming the file).
  static Result<CursorStore> Open(const std::string& dir, CursorLoad* load);

  // The cursor last appended or loaded; "" when none.
  const std::string& cursor() const { return cursor_; }
  // Records `cursor` as the new position in the journal. Errors: errno of the write.
  Status Append(const std::string& cursor);
  // Writes the snapshot of the current cursor and empties the journal. No-op without a cursor.
  Status Snapshot();
  // Bytes in the journal since the last snapshot.
  uint64_t journal_bytes() const { return journal_.size(); }

 private:
  CursorStore() = default;
  std::string snapshot_path_;
  files::JournalFile journal_;
  std::string cursor_;
  uint64_t seq_ = 0;
  uint64_t snapshot_seq_ = 0;
};

}  // namespace runnel::plugins::journald
