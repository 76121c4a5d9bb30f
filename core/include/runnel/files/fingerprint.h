#pragma once
// File identity: a device+inode pair plus a fingerprint (a hash of the first bytes). The inode
// says "same file object"; the fingerprint tells a reused inode, or a file truncated and
// rewritten in place, from the file that was there before. Files shorter than the fingerprint
// length have a fingerprint over what exists (its length is part of it) that grows with them.
//
// Functions here are thread-safe (they only pread the descriptor they are given).

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "runnel/status.h"

namespace runnel::files {

// The largest fingerprint length supported (bytes).
inline constexpr uint32_t kMaxFingerprintBytes = 4096;

struct FileId {
  uint64_t dev = 0;
  uint64_t ino = 0;
  friend bool operator==(const FileId&, const FileId&) = default;
  friend auto operator<=>(const FileId&, const FileId&) = default;
};

struct Fingerprint {
  uint32_t len = 0;   // bytes hashed: min(file size, fingerprint_bytes) when computed
  uint64_t hash = 0;  // FNV-1a 64 of those bytes
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

// FNV-1a 64-bit; `seed` continues a previous hash (HashBytes(b, HashBytes(a)) == hash of a+b).
uint64_t HashBytes(std::string_view bytes, uint64_t seed = 14695981039346656037ull);

// Reads up to `max_len` (<= kMaxFingerprintBytes) bytes from offset 0 of `fd` into `buf`.
// Returns how many bytes were read (fewer only at end of file). Errors: errno as a Status.
Result<uint32_t> ReadPrefix(int fd, uint32_t max_len, char* buf);

// Computes the fingerprint of the first min(size, max_len) bytes of `fd`.
Result<Fingerprint> ComputeFingerprint(int fd, uint32_t max_len);

// The result of checking a file against the fingerprint it had.
struct FingerprintCheck {
  bool matches = false;  // the file still starts with the bytes `old` was computed over
  Fingerprint current;   // when it matches: `old`, extended over up to max_len bytes
};

// Re-reads the first bytes of `fd` and tells whether they still hash to `old` over old.len bytes
// (a file now shorter than old.len does not match). On a match, `current` covers up to `max_len`
// bytes, so a fingerprint of a short file grows as the file does.
Result<FingerprintCheck> CheckFingerprint(int fd, const Fingerprint& old, uint32_t max_len);

}  // namespace runnel::files
