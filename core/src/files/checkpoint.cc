#include "runnel/files/checkpoint.h"

#include <charconv>
#include <cstdio>

#include "runnel/files/atomic_file.h"

namespace runnel::files {
namespace {

constexpr std::string_view kHeader = "runnel-checkpoint 1";

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

std::string EncodeCheckpoint(const std::vector<CheckpointEntry>& entries) {
  std::string out(kHeader);
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

Result<std::vector<CheckpointEntry>> DecodeCheckpoint(std::string_view text) {
  std::vector<CheckpointEntry> entries;
  int line_no = 0;
  bool ended = false;
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
      if (line != kHeader) {
        return Err(DataLoss(where + ": not a runnel checkpoint (version 1)"));
      }
      continue;
    }
    if (line.starts_with("end ")) {
      uint64_t count = 0;
      std::string_view rest = line.substr(4);
      auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), count);
      if (ec != std::errc() || ptr != rest.data() + rest.size() || count != entries.size()) {
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
  return entries;
}

Result<std::vector<CheckpointEntry>> LoadCheckpoint(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text) {
    if (text.error().code() == StatusCode::kNotFound) {
      return std::vector<CheckpointEntry>{};
    }
    return Err(text.error());
  }
  Result<std::vector<CheckpointEntry>> entries = DecodeCheckpoint(*text);
  if (!entries) {
    return Err(entries.error().WithPrefix(path));
  }
  return entries;
}

Status SaveCheckpoint(const std::string& path, const std::vector<CheckpointEntry>& entries) {
  return WriteFileAtomically(path, EncodeCheckpoint(entries));
}

}  // namespace runnel::files
