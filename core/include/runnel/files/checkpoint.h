#pragma once
// The tail checkpoint: for each file being read, its identity and the offset up to which its
// lines are acknowledged (a line boundary). Stored as a small text file, replaced atomically:
//
//   runnel-checkpoint 1
//   <dev> <ino> <fingerprint len> <fingerprint hash, hex> <offset> <path, '%' and '\n' escaped>
//   ...
//   end <number of entries>
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

std::string EncodeCheckpoint(const std::vector<CheckpointEntry>& entries);
// DataLoss naming the line when the text is not a complete checkpoint.
Result<std::vector<CheckpointEntry>> DecodeCheckpoint(std::string_view text);

// Reads a checkpoint file. A missing file is an empty checkpoint; a corrupt one is DataLoss.
Result<std::vector<CheckpointEntry>> LoadCheckpoint(const std::string& path);
// Replaces the checkpoint file atomically (WriteFileAtomically).
Status SaveCheckpoint(const std::string& path, const std::vector<CheckpointEntry>& entries);

}  // namespace runnel::files
