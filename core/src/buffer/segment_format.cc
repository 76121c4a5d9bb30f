#include "buffer/segment_format.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace runnel::buffer::internal {
namespace {

// All of `digits` as a decimal number: only 0-9 (from_chars takes no sign), no overflow.
bool ParseDecimal(std::string_view digits, uint64_t* out) {
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

bool AllZero(std::string_view s) {
  for (char c : s) {
    if (c != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc = kCrcTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  }
  return ~crc;
}

void PutU16(char* p, uint16_t v) {
  for (int i = 0; i < 2; ++i) {
    p[i] = static_cast<char>(v >> (8 * i));
  }
}
void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<char>(v >> (8 * i));
  }
}
void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<char>(v >> (8 * i));
  }
}
uint16_t GetU16(const char* p) {
  return static_cast<uint16_t>(static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[1])
                                                                      << 8);
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = v << 8 | static_cast<unsigned char>(p[i]);
  }
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = v << 8 | static_cast<unsigned char>(p[i]);
  }
  return v;
}

std::string EncodeHeader(uint64_t first_seq) {
  std::string h(kHeaderSize, '\0');
  std::memcpy(h.data(), kSegmentMagic, sizeof(kSegmentMagic));
  PutU32(h.data() + 8, kSegmentVersion);
  PutU64(h.data() + 12, first_seq);
  PutU32(h.data() + 20, Crc32cExtend(0, h.data(), 20));
  return h;
}

std::string SegmentFileName(uint64_t first_seq) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.seg", static_cast<unsigned long long>(first_seq));
  return name;
}

bool ParseSegmentFileName(std::string_view name, uint64_t* first_seq) {
  if (name.size() != 24 || name.substr(20) != ".seg") {
    return false;
  }
  return ParseDecimal(name.substr(0, 20), first_seq);
}

void EncodeBodyFixed(char* out, uint64_t seq, uint64_t id_hi, uint64_t id_lo, int64_t time_ns,
                     uint32_t count, uint32_t flags, uint16_t tag_len) {
  PutU64(out, seq);
  PutU64(out + 8, id_hi);
  PutU64(out + 16, id_lo);
  PutU64(out + 24, static_cast<uint64_t>(time_ns));
  PutU32(out + 32, count);
  PutU32(out + 36, flags);
  PutU16(out + 40, tag_len);
}

bool DecodeRecord(const char* prefix, std::string_view body, DecodedRecord* out) {
  uint32_t crc = Crc32cExtend(0, prefix, 4);
  crc = Crc32cExtend(crc, body.data(), body.size());
  if (crc != GetU32(prefix + 4) || body.size() < kBodyFixed) {
    return false;
  }
  const char* p = body.data();
  uint16_t tag_len = GetU16(p + 40);
  if (tag_len > body.size() - kBodyFixed) {
    return false;
  }
  out->seq = GetU64(p);
  out->id_hi = GetU64(p + 8);
  out->id_lo = GetU64(p + 16);
  out->time_ns = static_cast<int64_t>(GetU64(p + 24));
  out->count = GetU32(p + 32);
  out->flags = GetU32(p + 36);
  out->tag = body.substr(kBodyFixed, tag_len);
  out->payload = body.substr(kBodyFixed + tag_len);
  return true;
}

Result<bool> PreadFull(int fd, char* out, size_t n, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Err(ErrnoStatus("read " + path, errno));
    }
    if (r == 0) {
      return false;
    }
    done += static_cast<size_t>(r);
  }
  return true;
}

Result<SegmentScan> ScanSegment(int fd, const std::string& path, uint64_t name_first_seq,
                                uint64_t after_seq, std::string* buffer) {
  SegmentScan scan;
  off_t end = lseek(fd, 0, SEEK_END);
  if (end < 0) {
    return Err(ErrnoStatus("seek " + path, errno));
  }
  scan.file_size = static_cast<uint64_t>(end);
  if (scan.file_size < kHeaderSize) {
    scan.outcome = SegmentScan::Outcome::kNoHeader;
    return scan;
  }
  char header[kHeaderSize];
  RUNNEL_ASSIGN_OR_RETURN(bool got, PreadFull(fd, header, kHeaderSize, 0, path));
  if (!got) {
    scan.outcome = SegmentScan::Outcome::kNoHeader;
    return scan;
  }
  auto corrupt = [&](std::string reason) {
    scan.outcome = SegmentScan::Outcome::kCorrupt;
    scan.reason = std::move(reason);
    return scan;
  };
  if (std::memcmp(header, kSegmentMagic, sizeof(kSegmentMagic)) != 0 ||
      GetU32(header + 20) != Crc32cExtend(0, header, 20)) {
    return corrupt("bad segment header");
  }
  if (GetU32(header + 8) != kSegmentVersion) {
    return corrupt("unknown segment version " + std::to_string(GetU32(header + 8)));
  }
  scan.first_seq = GetU64(header + 12);
  if (scan.first_seq != name_first_seq) {
    return corrupt("header says first sequence number " + std::to_string(scan.first_seq));
  }
  scan.next_seq = scan.first_seq;
  uint64_t off = kHeaderSize;
  auto torn = [&](std::string reason) {
    scan.outcome = SegmentScan::Outcome::kTorn;
    scan.reason = std::move(reason);
    scan.valid_end = off;
    return scan;
  };
  // Whether everything from `from` to the end of the file is zero: a tail the file system
  // extended but never wrote.
  auto zero_tail = [&](uint64_t from) -> Result<bool> {
    char chunk[4096];
    for (uint64_t pos = from; pos < scan.file_size; pos += sizeof(chunk)) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof(chunk), scan.file_size - pos));
      RUNNEL_ASSIGN_OR_RETURN(bool ok, PreadFull(fd, chunk, n, pos, path));
      if (!ok || !AllZero(std::string_view(chunk, n))) {
        return false;
      }
    }
    return true;
  };
  while (off < scan.file_size) {
    std::string at = " at offset " + std::to_string(off);
    if (scan.file_size - off < kRecordPrefix) {
      return torn("partial record" + at);
    }
    char prefix[kRecordPrefix];
    RUNNEL_ASSIGN_OR_RETURN(bool ok, PreadFull(fd, prefix, kRecordPrefix, off, path));
    if (!ok) {
      return torn("partial record" + at);
    }
    uint64_t length = GetU32(prefix);
    if (length < kBodyFixed || length > kMaxBody) {
      RUNNEL_ASSIGN_OR_RETURN(bool zeros, zero_tail(off));
      if (zeros) {
        return torn("zeros" + at);
      }
      return corrupt("impossible record length " + std::to_string(length) + at);
    }
    uint64_t record_end = off + kRecordPrefix + length;
    if (record_end > scan.file_size) {
      return torn("partial record" + at);
    }
    buffer->resize(length);
    RUNNEL_ASSIGN_OR_RETURN(ok, PreadFull(fd, buffer->data(), length, off + kRecordPrefix, path));
    if (!ok) {
      return torn("partial record" + at);
    }
    DecodedRecord rec;
    if (!DecodeRecord(prefix, *buffer, &rec)) {
      if (record_end == scan.file_size) {
        return torn("bad checksum in the last record" + at);
      }
      return corrupt("bad checksum" + at);
    }
    if (rec.seq != scan.next_seq) {
      return corrupt("sequence number " + std::to_string(rec.seq) + ", expected " +
                     std::to_string(scan.next_seq) + at);
    }
    if (!scan.has_after && rec.seq > after_seq) {
      scan.has_after = true;
      scan.first_after_seq = rec.seq;
      scan.first_after_time_ns = rec.time_ns;
    }
    ++scan.next_seq;
    off = record_end;
  }
  scan.valid_end = off;
  return scan;
}

}  // namespace runnel::buffer::internal

namespace runnel::buffer::internal {

std::string EncodeAck(uint64_t watermark) {
  return "runnel-buffer-ack 1\n" + std::to_string(watermark) + "\n";
}

bool DecodeAck(std::string_view text, uint64_t* watermark) {
  constexpr std::string_view kPrefix = "runnel-buffer-ack 1\n";
  if (!text.starts_with(kPrefix) || !text.ends_with('\n')) {
    return false;
  }
  std::string_view digits = text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1);
  if (digits.empty() || digits.size() > 20) {
    return false;
  }
  return ParseDecimal(digits, watermark);
}

Result<std::vector<SegmentName>> ListSegments(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return Err(ErrnoStatus("list directory " + dir, errno));
  }
  std::vector<SegmentName> out;
  while (dirent* e = readdir(d)) {
    uint64_t first = 0;
    if (ParseSegmentFileName(e->d_name, &first)) {
      out.push_back(SegmentName{first, e->d_name});
    }
  }
  closedir(d);
  std::sort(out.begin(), out.end(),
            [](const SegmentName& a, const SegmentName& b) { return a.first_seq < b.first_seq; });
  return out;
}

}  // namespace runnel::buffer::internal
