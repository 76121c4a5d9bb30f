#pragma once
// ChunkWindow: the ids of the most recently accepted batches, a bounded window that survives a
// restart. A receiver (the forward input) asks it whether a batch it is sent again was already
// accepted, so a retransmission is acknowledged without being stored twice.
//
// It lives in core, not in the forward input: it knows nothing of Forward, only 128-bit batch
// ids, and any input whose senders re-send with a stable id can use it.
//
// Semantics: at most `capacity` ids; adding one more evicts the oldest (FIFO by first Add; a
// repeated Add of an id already present changes nothing). Membership is exact (a hash set, no
// false positives): Contains is true for an id iff it was added and not yet evicted.
//
// Persistence, under `dir` (created, mode 0750):
//   chunks.snapshot  the window at the last compaction, oldest first; replaced atomically
//                    (files::WriteFileAtomically)
//   chunks.journal   the ids added since, appended one record per Add
// Both are sequences of 20-byte records: the id (hi then lo, big-endian) and the CRC-32 of those
// 16 bytes (big-endian). When the journal holds `capacity` records, the window is written as the
// new snapshot and the journal is emptied, so the files stay within about 2 x capacity records.
// Each Add is a write(2) without fsync: it survives a crash of the process; a power loss may
// forget the last ids, and then a resend is stored twice, which at-least-once delivery allows.
//
// A torn or corrupt file never prevents Open: a partial last record is cut off, a record whose
// checksum does not match is skipped, each is logged and counted (open_stats()), and the window
// starts with every valid record. Open then compacts, so the damage is gone from the files.
//
// Thread-safety: every method is thread-safe (one internal mutex). Add does file I/O under it.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "runnel/batch.h"
#include "runnel/status.h"

namespace runnel {

class ChunkWindow {
 public:
  // What Open found in the files.
  struct OpenStats {
    size_t loaded = 0;           // valid records read (snapshot and journal, repeats included)
    size_t corrupt_records = 0;  // skipped: checksum mismatch
    size_t torn_bytes = 0;       // cut off the end of a file: a partial last record
  };

  static constexpr size_t kRecordBytes = 20;

  // A hash of batch ids (random or SHA-derived bits, so mixing the halves is enough).
  struct IdHash {
    size_t operator()(const BatchId& id) const {
      return static_cast<size_t>(id.hi ^ (id.lo * 0x9e3779b97f4a7c15ULL));
    }
  };

  // An in-memory window (nothing persisted). `capacity` >= 1.
  static std::unique_ptr<ChunkWindow> InMemory(size_t capacity);
  // Loads the window from `dir` (creating it when missing). Fails only when the directory or the
  // journal cannot be created, opened or written (errno text, naming the file); damaged contents
  // are not an error (see above). `component` names the owner in log lines.
  static Result<std::unique_ptr<ChunkWindow>> Open(const std::string& dir, size_t capacity,
                                                   const std::string& component);
  ~ChunkWindow();

  ChunkWindow(const ChunkWindow&) = delete;
  ChunkWindow& operator=(const ChunkWindow&) = delete;

  bool Contains(const BatchId& id) const;
  // Remembers `id` (evicting the oldest when full) and journals it. The id is in the window even
  // when the journal write fails; the error (errno text) says it may be forgotten on restart.
  Status Add(const BatchId& id);

  size_t size() const;
  size_t capacity() const { return capacity_; }
  // Every id, oldest first.
  std::vector<BatchId> Ids() const;
  const OpenStats& open_stats() const { return open_stats_; }

  // The 20-byte record of `id` (for tests that write damaged files).
  static std::string EncodeRecord(const BatchId& id);

 private:
  explicit ChunkWindow(size_t capacity) : capacity_(capacity) {}
  // Appends `id` in memory; returns false when it was already present.
  bool Insert(const BatchId& id);
  // Loads the records of `contents` into the window, counting damage; `file` for log lines.
  void Load(std::string_view contents, const std::string& file);
  // Writes the snapshot and empties the journal. Needs mu_ (or no other thread yet).
  Status Compact();

  const size_t capacity_;
  std::string dir_;  // empty: in memory only
  std::string component_;
  OpenStats open_stats_;

  mutable std::mutex mu_;
  std::deque<BatchId> order_;  // oldest first
  std::unordered_set<BatchId, IdHash> ids_;
  int journal_fd_ = -1;
  size_t journal_records_ = 0;
};

}  // namespace runnel
