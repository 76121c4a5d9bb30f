#pragma once
// The segment file format of runnel/buffer/segment_log.h: CRC32C, header and record encoding,
// and the scan that recovery and Inspect share. Internal to core. Free functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/status.h"

namespace runnel::buffer::internal {

inline constexpr char kSegmentMagic[8] = {'R', 'U', 'N', 'N', 'E', 'L', 'S', 'G'};
inline constexpr uint32_t kSegmentVersion = 1;
inline constexpr size_t kHeaderSize = 24;
inline constexpr size_t kRecordPrefix = 8;  // length, crc
inline constexpr size_t kBodyFixed = 42;    // seq, id, time, count, flags, tag_len
inline constexpr uint64_t kMaxBody = 1ull << 30;

// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78; Crc32c("123456789") == 0xE3069283.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(std::string_view s) { return Crc32cExtend(0, s.data(), s.size()); }

void PutU16(char* p, uint16_t v);
void PutU32(char* p, uint32_t v);
void PutU64(char* p, uint64_t v);
uint16_t GetU16(const char* p);
uint32_t GetU32(const char* p);
uint64_t GetU64(const char* p);

std::string EncodeHeader(uint64_t first_seq);
// "00000000000000000042.seg"
std::string SegmentFileName(uint64_t first_seq);
// Parses a segment file name; false for anything else.
bool ParseSegmentFileName(std::string_view name, uint64_t* first_seq);

// The fixed part of a body (seq .. tag_len), kBodyFixed bytes.
void EncodeBodyFixed(char* out, uint64_t seq, uint64_t id_hi, uint64_t id_lo, int64_t time_ns,
                     uint32_t count, uint32_t flags, uint16_t tag_len);

struct DecodedRecord {
  uint64_t seq = 0;
  uint64_t id_hi = 0, id_lo = 0;
  int64_t time_ns = 0;
  uint32_t count = 0, flags = 0;
  std::string_view tag, payload;
};
// Checks the checksum of a record whose prefix is `prefix` (8 bytes) and body `body`, and
// decodes it. False when the checksum or the tag length is wrong.
bool DecodeRecord(const char* prefix, std::string_view body, DecodedRecord* out);

struct SegmentScan {
  enum class Outcome {
    kClean,     // every byte belongs to a valid record
    kTorn,      // valid records, then a torn tail from valid_end to the end of the file
    kCorrupt,   // unusable: bad header, or a bad record followed by more data
    kNoHeader,  // shorter than a header: a segment whose creation was cut short
  };
  Outcome outcome = Outcome::kClean;
  std::string reason;      // for kTorn and kCorrupt, for a log line
  uint64_t valid_end = 0;  // end of the last valid record
  uint64_t file_size = 0;
  uint64_t first_seq = 0;  // from the header
  uint64_t next_seq = 0;   // one past the last valid record
  // The first valid record with seq > `after_seq` given to ScanSegment, if any.
  bool has_after = false;
  uint64_t first_after_seq = 0;
  int64_t first_after_time_ns = 0;
};

// Reads and checks a whole segment file through `fd` (pread). `name_first_seq` is the sequence
// number in the file name, which the header must match. Errors: a read failed.
Result<SegmentScan> ScanSegment(int fd, const std::string& path, uint64_t name_first_seq,
                                uint64_t after_seq, std::string* buffer);

// pread of exactly n bytes at offset; false at end of file. Errors from errno, naming `path`.
Result<bool> PreadFull(int fd, char* out, size_t n, uint64_t offset, const std::string& path);

}  // namespace runnel::buffer::internal

namespace runnel::buffer::internal {

// The ack file: "runnel-buffer-ack 1\n<watermark>\n".
std::string EncodeAck(uint64_t watermark);
bool DecodeAck(std::string_view text, uint64_t* watermark);

struct SegmentName {
  uint64_t first_seq = 0;
  std::string name;
};
// The segment files in `dir`, by first sequence number. Errors: the directory cannot be read.
Result<std::vector<SegmentName>> ListSegments(const std::string& dir);

}  // namespace runnel::buffer::internal
