#pragma once
// The tail checkpoint formats: for each file being read, its identity and the offset up to
// which its lines are acknowledged (a line boundary).
//
// The snapshot is a small text file, replaced atomically (checkpoint_store.h writes it):
//
//   runnel-checkpoint 2
//   journal <the first checkpoint journal sequence number the snapshot does not include>
//   <dev> <ino> <fingerprint len> <fingerprint hash, hex> <offset> <path, '%' and '\n' escaped>
//   ...
//   end <number of entries>
//
// Version 1 (before the journal) has no "journal" line and reads as journal 0.
//
// A journal record's body (journal.h) is one entry, little-endian:
//   u64 dev | u64 ino | u32 fingerprint len | u64 fingerprint hash | u64 offset | path (the rest)
//
// Free functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/files/fingerprint.h"
#include "runnel/status.h"

namespace runnel::files {

struct CheckpointEntry {
  FileId id;
  Fingerprint fingerprint;
  uint64_t offset = 0;
  std::string path;  // informative: files are matched by id and fingerprint, not by path
  friend bool operator==(const CheckpointEntry&, const CheckpointEntry&) = default;
};

struct CheckpointSnapshot {
  std::vector<CheckpointEntry> entries;
  // Journal records with this sequence number or a later one are newer than the entries.
  uint64_t journal_seq = 0;
  friend bool operator==(const CheckpointSnapshot&, const CheckpointSnapshot&) = default;
};

std::string EncodeCheckpoint(const CheckpointSnapshot& snapshot);
// Versions 1 and 2. DataLoss naming the line when the text is not a complete checkpoint.
Result<CheckpointSnapshot> DecodeCheckpoint(std::string_view text);

inline constexpr size_t kCheckpointRecordFixedBytes = 36;  // the body before the path
// Appends the journal record body of `entry` to *out; a path longer than the journal allows is
// cut (it is informative).
void AppendCheckpointRecordBody(const CheckpointEntry& entry, std::string* out);
// False when `body` is too short or its fingerprint length is out of range.
bool DecodeCheckpointRecordBody(std::string_view body, CheckpointEntry* entry);

}  // namespace runnel::files
