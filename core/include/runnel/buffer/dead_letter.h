#pragma once
// Dead letters: batches an output rejected permanently (malformed for that store), kept on disk
// with the reason so an operator can look at them and send them again once the cause is fixed
// (`runnel-agent dead-letter list|reinject`). Never silently dropped: what cannot be stored here
// (the directory is full, the disk fails) is reported to the caller, which logs and counts it.
//
// Directory: <data_dir>/dead-letter/<output name>/ (DeadLetterDir), one file per batch, named
//   <unix ms, 13 digits>-<batch id, 32 hex digits>.dlq        e.g. 1700000000123-00ab…ef.dlq
// so names sort by the time of rejection ("-<n>" goes before ".dlq" if a name is taken).
// A file is written to "<name>.tmp", fsync'ed and renamed (WriteFileAtomically), so a reader
// never sees half a file; a ".tmp" left by a crash is removed by the next store on the directory.
//
// File format, version 1, all integers little-endian:
//   offset  0  "RUNNELDL"            magic, 8 bytes
//           8  u32 version           1
//          12  u32 crc32c            CRC-32C of every byte from offset 16 to the end of the file
//          16  i64 rejected_ns       wall-clock time of the rejection, ns since the Unix epoch
//          24  u64 batch_id.hi
//          32  u64 batch_id.lo
//          40  u32 count             events in the payload
//          44  u32 payload_format    0: msgpack Forward entries `[EventTime, {record}]`,
//                                    uncompressed (Batch::data)
//          48  u32 output_id_len     then u32 tag_len, u32 reason_len, u64 payload_len
//          68  output_id | tag | reason (UTF-8) | payload, back to back; the file ends there.
//
// Thread-safety: DeadLetterStore is thread-safe (one mutex); the free functions are thread-safe.
// Reading and deleting files while another process Puts into the same directory is safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/batch.h"
#include "runnel/status.h"

namespace runnel::buffer {

class FileOps;

inline constexpr uint32_t kDeadLetterVersion = 1;
inline constexpr uint64_t kDefaultDeadLetterMaxBytes = 1ull << 30;

// <data_dir>/dead-letter/<output_name>, e.g. ("/var/lib/runnel", "es") ->
// "/var/lib/runnel/dead-letter/es".
std::string DeadLetterDir(const std::string& data_dir, const std::string& output_name);

struct DeadLetterStoreOptions {
  std::string dir;                                  // DeadLetterDir(...); created on first Put
  std::string output_id;                            // "outputs.es": stored in each file
  uint64_t max_bytes = kDefaultDeadLetterMaxBytes;  // total size of the files; 0: no cap
  FileOps* file_ops = nullptr;                      // nullptr: the kernel (tests inject faults)
  std::function<int64_t()> wall_clock_ns;           // rejection times; default system_clock
};

class DeadLetterStore {
 public:
  explicit DeadLetterStore(DeadLetterStoreOptions options);
  ~DeadLetterStore();
  DeadLetterStore(const DeadLetterStore&) = delete;
  DeadLetterStore& operator=(const DeadLetterStore&) = delete;

  // Stores `batch` (its tag, id, count and data; not its acknowledgement) with `reason`, durably:
  // when Put returns OK the file is complete and synced. The first call creates the directory
  // and sums the sizes of the files already there; later calls keep that total up to date.
  // Errors, each naming the directory or the file:
  //   ResourceExhausted when the files would exceed max_bytes with this one (the directory is
  //     scanned again first, in case files were reinjected and removed meanwhile);
  //   an errno status (write, fsync, rename, mkdir: "No space left on device", ...); nothing
  //     is left behind.
  Status Put(const Batch& batch, std::string_view reason);

  // Total size of the dead-letter files, as of the last scan plus what Put wrote since.
  // 0 before the first Put.
  uint64_t bytes() const;
  const std::string& dir() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A dead letter read back and verified.
struct DeadLetter {
  std::string path;
  std::string output_id;
  std::string reason;
  int64_t rejected_ns = 0;
  Batch batch;  // tag, id, count and data as they were rejected; no acknowledgement
};

// Reads and verifies one file. Errors: NotFound when it does not exist; DataLoss naming the
// path and what is wrong when it is not a dead-letter file, is of an unknown version, is
// truncated, or fails its checksum; an errno status when it cannot be read.
Result<DeadLetter> ReadDeadLetter(const std::string& path);

// One file of a dead-letter directory, for listings.
struct DeadLetterInfo {
  std::string path;
  std::string error;  // empty when the file is readable; else why not (ReadDeadLetter's message)
  std::string output_id;
  std::string reason;
  std::string tag;
  BatchId batch_id;
  uint32_t count = 0;       // events
  uint64_t bytes = 0;       // payload bytes (the batch's size)
  uint64_t file_bytes = 0;  // size of the file, what counts against max_bytes
  int64_t rejected_ns = 0;  // 0 when unreadable
};

// The ".dlq" files in `dir` (each read and verified), oldest first: by rejection time, then by
// name; unreadable files are listed with `error` set, in name order among the others (the name
// carries the time). An empty vector when `dir` does not exist. Errors: an errno status when
// `dir` cannot be listed.
Result<std::vector<DeadLetterInfo>> ListDeadLetters(const std::string& dir);

// Deletes a dead-letter file (after its batch was delivered again) and syncs its directory.
// Errors: an errno status naming the file.
Status RemoveDeadLetter(const std::string& path);

}  // namespace runnel::buffer
