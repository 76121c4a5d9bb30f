#pragma once
// CheckpointStore: the tail checkpoint on disk. A snapshot of every file's committed offset is
// rewritten now and then; in between, each offset that moves is appended to a journal, so an
// acknowledged offset is on disk as soon as it is acknowledged: kill -9 keeps it (it is in the
// page cache when write(2) returns); a power loss may lose the last records, and then lines are
// read again (duplicates), never skipped.
//
// Files, for a checkpoint at `path`:
//   path             the snapshot (checkpoint.h, version 2), replaced atomically and fsync'ed
//   path.journal.0   journal records (journal.h), each one CheckpointEntry: the newest state of
//   path.journal.1   its file (device + inode)
// Records go to one of the two journal files. A snapshot names the first sequence number it
// does not include, and switches the appends to the other file after emptying it. That is done
// only when every record in the other file is older than a snapshot already on disk, so no crash
// between writing a snapshot and emptying a journal can lose a record the snapshot on disk does
// not include: a load sees the same offsets or later ones.
//
// Loading (LoadCheckpoint, Open): the snapshot's entries, then every journal record whose
// sequence number is the snapshot's or later, in sequence order, each replacing the entry of its
// device + inode or adding one. Older records are already in the snapshot and are ignored
// (stale). Damage never stops a load: a torn last record is cut off, a damaged stretch is
// skipped (journal.h), each counted.
//
// Ordering: sequence numbers order records against snapshots. The owner keeps the offsets under
// a lock of its own; it calls EncodeRecord (with an entry's current state) and BeginSnapshot
// (then collects the snapshot's entries) under that lock, and Write and WriteSnapshot outside it.
//
// Thread-safety: EncodeRecord and BeginSnapshot must be serialised by the caller (the lock
// above). Write, journal_bytes and snapshot_due are thread-safe. WriteSnapshot calls must be
// serialised with each other.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/files/checkpoint.h"
#include "runnel/files/journal.h"
#include "runnel/status.h"

namespace runnel::files {

struct CheckpointLoadStats {
  bool snapshot_corrupt = false;  // Open moved it aside to "<path>.corrupt"
  size_t journal_records = 0;     // applied: newer than the snapshot
  size_t stale_records = 0;       // older than the snapshot: ignored
  size_t damaged_records = 0;     // damaged stretches skipped, and bodies that do not decode
  size_t torn_bytes = 0;          // cut off the end of a journal file
};

// Reads the checkpoint at `path` as a restart does (snapshot, then journal); writes nothing.
// Missing files are empty. A corrupt snapshot is DataLoss naming it; damaged journal records are
// skipped and counted in *stats (may be null). Other errors: a file cannot be read (errno).
Result<std::vector<CheckpointEntry>> LoadCheckpoint(const std::string& path,
                                                    CheckpointLoadStats* stats = nullptr);

class CheckpointStore {
 public:
  // The early-snapshot threshold: snapshot_due() once the journal has grown this much.
  static constexpr uint64_t kSnapshotJournalBytes = 1 << 20;

  // Loads the checkpoint at `path` into *entries (as LoadCheckpoint). A corrupt snapshot is moved
  // aside to "<path>.corrupt" and logged under `component`; the journal records are still
  // applied. Then it compacts: the loaded entries become the snapshot and both journals are
  // emptied (when the snapshot cannot be written, that is logged and the journals are kept).
  // Errors: a file cannot be read for another reason than being missing, or a journal file
  // cannot be opened (errno, naming the file). *stats may be null.
  static Result<std::unique_ptr<CheckpointStore>> Open(const std::string& path,
                                                       const std::string& component,
                                                       std::vector<CheckpointEntry>* entries,
                                                       CheckpointLoadStats* stats);

  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  const std::string& path() const { return path_; }

  // Appends the journal record of `entry` (its state now) to *out, with the next sequence
  // number. Call under the owner's lock (see Ordering).
  void EncodeRecord(const CheckpointEntry& entry, std::string* out);
  // Appends records from EncodeRecord to the current journal file: one write(2), no fsync.
  // Errors: the errno of the write, naming the file (the file keeps only whole records).
  Status Write(std::string_view records);

  // Starts a snapshot: returns its sequence number (records encoded from now on are newer than
  // it), and switches the journal when the other file may be emptied (see above). Call under the
  // owner's lock, then collect the entries under it.
  uint64_t BeginSnapshot();
  // Writes the snapshot of BeginSnapshot's `journal_seq` atomically (fsync'ed). Errors: from
  // WriteFileAtomically; the journals keep everything the snapshot on disk does not include.
  Status WriteSnapshot(uint64_t journal_seq, const std::vector<CheckpointEntry>& entries);

  // Bytes in the journal file records go to now.
  uint64_t journal_bytes() const;
  // True once the journal has grown kSnapshotJournalBytes since the last BeginSnapshot: the
  // owner snapshots early, so the journal stays small even with a long checkpoint_interval.
  bool snapshot_due() const;

 private:
  explicit CheckpointStore(std::string path) : path_(std::move(path)) {}

  const std::string path_;
  // Serialised by the owner.
  uint64_t next_seq_ = 0;
  std::string body_;  // EncodeRecord's scratch

  mutable std::mutex mu_;
  JournalFile journals_[2];
  int current_ = 0;
  uint64_t switched_at_ = 0;     // the sequence number of the last switch to journals_[current_]
  uint64_t durable_seq_ = 0;     // the sequence number of the snapshot on disk
  uint64_t snapshot_bytes_ = 0;  // journal_bytes() at the last BeginSnapshot
};

}  // namespace runnel::files
