#include "runnel/files/checkpoint.h"

#include <charconv>
#include <cstdio>

#include "buffer/segment_format.h"
#include "runnel/files/journal.h"

namespace runnel::files {
namespace {

constexpr std::string_view kHeaderV1 = "runnel-checkpoint 1";
constexpr std::string_view kHeader = "runnel-checkpoint 2";
constexpr std::string_view kJournalLine = "journal ";

void AppendEscaped(std::string* out, std::string_view path) {
  for (char c : path) {
    if (c == '%') {
      out->append("%25");
    } else if (c == '\n') {
      out->append("%0A");
    } else {
      out->push_back(c);
    }
  }
}

std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && s.substr(i, 3) == "%25") {
      out.push_back('%');
      i += 2;
    } else if (s[i] == '%' && s.substr(i, 3) == "%0A") {
      out.push_back('\n');
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Parses all of `s` as an unsigned decimal number.
bool ParseNumber(std::string_view s, uint64_t* value) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *value);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Parses the next space-terminated unsigned number of `line` in `base`.
bool NextNumber(std::string_view* line, uint64_t* value, int base = 10) {
  size_t space = line->find(' ');
  if (space == std::string_view::npos || space == 0) {
    return false;
  }
  auto [ptr, ec] = std::from_chars(line->data(), line->data() + space, *value, base);
  if (ec != std::errc() || ptr != line->data() + space) {
    return false;
  }
  line->remove_prefix(space + 1);
  return true;
}

}  // namespace

std::string EncodeCheckpoint(const CheckpointSnapshot& snapshot) {
  const std::vector<CheckpointEntry>& entries = snapshot.entries;
  std::string out(kHeader);
  out.push_back('\n');
  out.append(kJournalLine);
  out.append(std::to_string(snapshot.journal_seq));
  out.push_back('\n');
  char buf[128];
  for (const CheckpointEntry& e : entries) {
    int n = snprintf(buf, sizeof(buf), "%llu %llu %u %016llx %llu ",
                     static_cast<unsigned long long>(e.id.dev),
                     static_cast<unsigned long long>(e.id.ino), e.fingerprint.len,
                     static_cast<unsigned long long>(e.fingerprint.hash),
                     static_cast<unsigned long long>(e.offset));
    out.append(buf, static_cast<size_t>(n));
    AppendEscaped(&out, e.path);
    out.push_back('\n');
  }
  out.append("end " + std::to_string(entries.size()) + "\n");
  return out;
}

Result<CheckpointSnapshot> DecodeCheckpoint(std::string_view text) {
  CheckpointSnapshot snapshot;
  std::vector<CheckpointEntry>& entries = snapshot.entries;
  int line_no = 0;
  bool ended = false;
  bool v2 = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      return Err(DataLoss("checkpoint line " + std::to_string(line_no + 1) + " is cut short"));
    }
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    std::string where = "checkpoint line " + std::to_string(line_no);
    if (ended) {
      return Err(DataLoss(where + ": data after the end line"));
    }
    if (line_no == 1) {
      if (line != kHeader && line != kHeaderV1) {
        return Err(DataLoss(where + ": not a runnel checkpoint (version 1 or 2)"));
      }
      v2 = line == kHeader;
      continue;
    }
    if (line_no == 2 && v2) {
      if (!line.starts_with(kJournalLine) ||
          !ParseNumber(line.substr(kJournalLine.size()), &snapshot.journal_seq)) {
        return Err(DataLoss(where + ": no journal sequence number"));
      }
      continue;
    }
    if (line.starts_with("end ")) {
      uint64_t count = 0;
      if (!ParseNumber(line.substr(4), &count) || count != entries.size()) {
        return Err(DataLoss(where + ": the entry count does not match"));
      }
      ended = true;
      continue;
    }
    CheckpointEntry e;
    uint64_t len = 0;
    if (!NextNumber(&line, &e.id.dev) || !NextNumber(&line, &e.id.ino) ||
        !NextNumber(&line, &len) || len > kMaxFingerprintBytes ||
        !NextNumber(&line, &e.fingerprint.hash, 16) || !NextNumber(&line, &e.offset)) {
      return Err(DataLoss(where + ": malformed entry"));
    }
    e.fingerprint.len = static_cast<uint32_t>(len);
    e.path = Unescape(line);
    entries.push_back(std::move(e));
  }
  if (!ended) {
    return Err(DataLoss("checkpoint has no end line (cut short)"));
  }
  return snapshot;
}

void AppendCheckpointRecordBody(const CheckpointEntry& e, std::string* out) {
  using buffer::internal::PutU32;
  using buffer::internal::PutU64;
  const size_t at = out->size();
  out->resize(at + kCheckpointRecordFixedBytes);
  char* p = out->data() + at;
  PutU64(p, e.id.dev);
  PutU64(p + 8, e.id.ino);
  PutU32(p + 16, e.fingerprint.len);
  PutU64(p + 20, e.fingerprint.hash);
  PutU64(p + 28, e.offset);
  out->append(e.path, 0, kMaxJournalBody - kCheckpointRecordFixedBytes);
}

bool DecodeCheckpointRecordBody(std::string_view body, CheckpointEntry* e) {
  using buffer::internal::GetU32;
  using buffer::internal::GetU64;
  if (body.size() < kCheckpointRecordFixedBytes) {
    return false;
  }
  const char* p = body.data();
  const uint32_t len = GetU32(p + 16);
  if (len > kMaxFingerprintBytes) {
    return false;
  }
  e->id = FileId{GetU64(p), GetU64(p + 8)};
  e->fingerprint = Fingerprint{len, GetU64(p + 20)};
  e->offset = GetU64(p + 28);
  e->path.assign(body.substr(kCheckpointRecordFixedBytes));
  return true;
}

}  // namespace runnel::files
