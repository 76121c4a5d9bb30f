#include "body.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "runnel/net/http.h"

namespace runnel::plugins::http_input {
namespace {

using net::EqualsIgnoreCase;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && IsSpace(s[pos])) {
    ++pos;
  }
  return pos;
}

// The end of the JSON object or array starting at `pos` (one past its closing bracket), by
// bracket counting outside strings; npos when it does not end. simdjson validates what it spans.
size_t ValueEnd(std::string_view s, size_t pos) {
  int depth = 0;
  for (size_t i = pos; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') {
          ++i;
        }
      }
      if (i >= s.size()) {
        return std::string_view::npos;
      }
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        return i + 1;
      }
    }
  }
  return std::string_view::npos;
}

constexpr size_t kSlack = 64 * 1024;

// Makes room in *out (of which `used` bytes are data) for more output: double, at most
// limit + kSlack. A fresh string is reserved to the exact size, so the capacity never goes past
// that bound either (growing in place would double it).
void Grow(std::string* out, size_t used, size_t limit) {
  const size_t size = std::min(std::max<size_t>(used * 2, 64 * 1024), limit + kSlack);
  std::string bigger;
  bigger.reserve(size);
  bigger.append(*out, 0, used);
  bigger.resize(size);
  out->swap(bigger);
}

Status TooLarge(size_t limit) {
  return ResourceExhausted("the body decompresses to more than " + std::to_string(limit) +
                           " bytes");
}

// Before each decode step: when all of *out is in use (`used` == its size), false if `used` is
// already more than `limit`, else *out grows (Grow). True, with *out unchanged, while it has room.
bool MakeRoom(std::string* out, size_t used, size_t limit) {
  if (used == out->size()) {
    if (used > limit) {
      return false;
    }
    Grow(out, used, limit);
  }
  return true;
}

// Ends a decode with `result`: on success *out keeps its first `used` bytes; on failure it is
// emptied and its memory released, so nothing of a refused body is kept. Returns `result`.
Status Settle(Status result, size_t used, std::string* out) {
  if (result.ok()) {
    out->resize(used);
  } else {
    std::string().swap(*out);
  }
  return result;
}

Status Inflate(std::string_view in, bool gzip, size_t limit, std::string* out) {
  const char* name = gzip ? "gzip" : "deflate";
  z_stream zs{};
  if (inflateInit2(&zs, gzip ? 15 + 16 : 15) != Z_OK) {
    return Internal("inflateInit2 failed");
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  size_t used = 0;
  Status result = OkStatus();
  while (true) {
    if (!MakeRoom(out, used, limit)) {
      result = TooLarge(limit);
      break;
    }
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    zs.avail_out = static_cast<uInt>(out->size() - used);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    used = out->size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (used > limit) {
        result = TooLarge(limit);
        break;
      }
      if (zs.avail_in == 0) {
        break;
      }
      if (!gzip) {
        result = InvalidArgument("bad deflate data: bytes after the end of the stream");
        break;
      }
      inflateReset(&zs);  // another gzip member
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      result = InvalidArgument(std::string("truncated ") + name + " data");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      result = InvalidArgument(std::string("bad ") + name +
                               " data: " + (zs.msg != nullptr ? zs.msg : "inflate failed"));
      break;
    }
  }
  inflateEnd(&zs);
  return Settle(std::move(result), used, out);
}

Status Unzstd(std::string_view in, size_t limit, std::string* out) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (ctx == nullptr) {
    return Internal("ZSTD_createDCtx failed");
  }
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  out->clear();
  size_t used = 0;
  size_t last = 0;
  Status result = OkStatus();
  while (true) {
    if (!MakeRoom(out, used, limit)) {
      result = TooLarge(limit);
      break;
    }
    ZSTD_outBuffer output{out->data(), out->size(), used};
    last = ZSTD_decompressStream(ctx, &output, &input);
    used = output.pos;
    if (ZSTD_isError(last)) {
      result = InvalidArgument(std::string("bad zstd data: ") + ZSTD_getErrorName(last));
      break;
    }
    if (used > limit) {
      result = TooLarge(limit);
      break;
    }
    // Done when all input is consumed and the decoder has nothing more to flush.
    if (input.pos == input.size && output.pos < output.size) {
      if (last != 0) {
        result = InvalidArgument("truncated zstd data");
      }
      break;
    }
  }
  ZSTD_freeDCtx(ctx);
  return Settle(std::move(result), used, out);
}

}  // namespace

std::optional<Encoding> ParseContentEncoding(std::string_view value) {
  value = Trim(value);
  if (value.empty() || EqualsIgnoreCase(value, "identity")) {
    return Encoding::kIdentity;
  }
  if (EqualsIgnoreCase(value, "gzip") || EqualsIgnoreCase(value, "x-gzip")) {
    return Encoding::kGzip;
  }
  if (EqualsIgnoreCase(value, "deflate")) {
    return Encoding::kDeflate;
  }
  if (EqualsIgnoreCase(value, "zstd")) {
    return Encoding::kZstd;
  }
  return std::nullopt;
}

std::optional<BodyFormat> ParseContentType(std::string_view value) {
  const std::string_view type = Trim(value.substr(0, value.find(';')));
  for (std::string_view json :
       {"", "application/json", "text/plain", "application/x-www-form-urlencoded"}) {
    if (EqualsIgnoreCase(type, json)) {
      return BodyFormat::kJson;
    }
  }
  for (std::string_view nd : {"application/x-ndjson", "application/ndjson", "application/jsonl",
                              "application/jsonlines", "application/x-jsonlines"}) {
    if (EqualsIgnoreCase(type, nd)) {
      return BodyFormat::kNdjson;
    }
  }
  return std::nullopt;
}

Status Decompress(Encoding encoding, std::string_view in, size_t limit, std::string* out) {
  switch (encoding) {
    case Encoding::kGzip:
      return Inflate(in, true, limit, out);
    case Encoding::kDeflate:
      return Inflate(in, false, limit, out);
    case Encoding::kZstd:
      return Unzstd(in, limit, out);
    case Encoding::kIdentity:
      break;
  }
  out->assign(in);
  return OkStatus();
}

const char* EventDecoder::AddEvent(std::string_view text, EventTime now,
                                   const DecodeOptions& options, size_t* bad_times) {
  arena_.Reset();
  fields_.clear();
  if (const char* error = parser_.Parse(text, arena_, &fields_); error != nullptr) {
    return error;
  }
  // A key given twice keeps its last value; the source address replaces the event's own.
  const size_t n = fields_.size();
  keep_.assign(n, true);
  auto drop_earlier = [&](auto&& same_key) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n && keep_[i]; ++j) {
        if (same_key(i, j)) {
          keep_[i] = false;
        }
      }
    }
  };
  if (n <= 32) {
    drop_earlier([&](size_t i, size_t j) { return fields_[i].key == fields_[j].key; });
  } else {
    std::unordered_map<std::string_view, size_t> last;
    last.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      auto [it, inserted] = last.try_emplace(fields_[i].key, i);
      if (!inserted) {
        keep_[it->second] = false;
        it->second = i;
      }
    }
  }
  EventTime time = now;
  for (size_t i = 0; i < n; ++i) {
    if (!keep_[i]) {
      continue;
    }
    const Field& f = fields_[i];
    if (!options.source_address_key.empty() && f.key == options.source_address_key) {
      keep_[i] = false;
      continue;
    }
    if (options.time_key.empty() || f.key != options.time_key) {
      continue;
    }
    EventTime parsed;
    bool ok = false;
    switch (f.value.kind) {
      case Value::Kind::kString:
        ok = options.time_format->Parse(f.value.bytes, &parsed);
        break;
      case Value::Kind::kInt:
        ok = options.time_format->FromInt(f.value.i64, &parsed);
        break;
      case Value::Kind::kUint:
        ok = f.value.u64 <= static_cast<uint64_t>(INT64_MAX) &&
             options.time_format->FromInt(static_cast<int64_t>(f.value.u64), &parsed);
        break;
      case Value::Kind::kDouble:
        ok = options.time_format->FromDouble(f.value.f64, &parsed);
        break;
      default:
        break;
    }
    if (ok) {
      time = parsed;
      keep_[i] = options.time_keep;
    } else {
      ++*bad_times;
    }
  }
  const uint32_t count = static_cast<uint32_t>(std::count(keep_.begin(), keep_.end(), true)) +
                         (options.source_address_key.empty() ? 0 : 1);
  BatchBuilder builder(&scratch_);
  builder.BeginEntry(time, count);
  for (size_t i = 0; i < n; ++i) {
    if (keep_[i]) {
      builder.writer().Str(fields_[i].key);
      fields_[i].value.Encode(builder.writer());
    }
  }
  if (!options.source_address_key.empty()) {
    builder.writer().Str(options.source_address_key);
    builder.writer().Str(options.source_address);
  }
  return nullptr;
}

Status EventDecoder::Decode(std::string_view body, BodyFormat format, EventTime now,
                            const DecodeOptions& options, Batch* batch, size_t* bad_times) {
  scratch_.data.clear();
  scratch_.count = 0;
  size_t bad = 0;
  auto at_line = [&](size_t line, const char* error) {
    return InvalidArgument("line " + std::to_string(line) + ": " + error);
  };
  const size_t first = SkipSpace(body, 0);
  bool ndjson = format == BodyFormat::kNdjson;
  if (!ndjson) {
    if (first == body.size()) {
      return InvalidArgument("the body is empty");
    }
    if (body[first] == '[') {
      size_t pos = SkipSpace(body, first + 1);
      for (size_t element = 1; pos < body.size() && body[pos] != ']'; ++element) {
        const std::string where =
            "array element " + std::to_string(element) + " (offset " + std::to_string(pos) + "): ";
        const size_t end = body[pos] == '{' ? ValueEnd(body, pos) : std::string_view::npos;
        const std::string_view text =
            end == std::string_view::npos ? body.substr(pos) : body.substr(pos, end - pos);
        if (body[pos] != '{') {
          return InvalidArgument(where + "not an object");
        }
        if (const char* error = AddEvent(text, now, options, &bad); error != nullptr) {
          return InvalidArgument(where + error);
        }
        if (end == std::string_view::npos) {
          return InvalidArgument("the array does not end");
        }
        pos = SkipSpace(body, end);
        if (pos < body.size() && body[pos] == ',') {
          pos = SkipSpace(body, pos + 1);
          if (pos < body.size() && body[pos] == ']') {
            return InvalidArgument("offset " + std::to_string(pos) + ": a ',' before ']'");
          }
        } else if (pos < body.size() && body[pos] != ']') {
          return InvalidArgument("offset " + std::to_string(pos) + ": expected ',' or ']'");
        }
      }
      if (pos >= body.size()) {
        return InvalidArgument("the array does not end");
      }
      if (SkipSpace(body, pos + 1) != body.size()) {
        return InvalidArgument("offset " + std::to_string(SkipSpace(body, pos + 1)) +
                               ": content after the array");
      }
    } else {
      const size_t end = body[first] == '{' ? ValueEnd(body, first) : std::string_view::npos;
      ndjson = end != std::string_view::npos && SkipSpace(body, end) != body.size();
      if (!ndjson) {
        if (const char* error = AddEvent(body, now, options, &bad); error != nullptr) {
          return InvalidArgument(error);
        }
      }
    }
  }
  if (ndjson) {
    size_t line_number = 0;
    size_t pos = 0;
    while (pos < body.size()) {
      ++line_number;
      size_t lf = body.find('\n', pos);
      if (lf == std::string_view::npos) {
        lf = body.size();
      }
      std::string_view line = body.substr(pos, lf - pos);
      pos = lf + 1;
      if (SkipSpace(line, 0) == line.size()) {
        continue;
      }
      if (const char* error = AddEvent(line, now, options, &bad); error != nullptr) {
        return at_line(line_number, error);
      }
    }
  }
  if (batch->data.empty()) {
    batch->data.swap(scratch_.data);  // the usual case: no copy
  } else {
    batch->data.append(scratch_.data);
  }
  batch->count += scratch_.count;
  scratch_.data.clear();
  if (scratch_.data.capacity() > parse::JsonParser::kRetainBytes) {
    std::string().swap(scratch_.data);
  }
  *bad_times += bad;
  return OkStatus();
}

}  // namespace runnel::plugins::http_input
