#pragma once
// What the http input does with a request body, as functions of bytes (no I/O): the
// Content-Encoding and Content-Type it accepts, decompression bounded by a limit, and the JSON
// shapes it turns into events.
//
// Bodies (after Content-Encoding is undone):
//   - one JSON object: one event;
//   - a JSON array of objects: one event each, in order ("[]" is no event);
//   - NDJSON: one object per line (empty and whitespace-only lines are skipped). A body is taken
//     as NDJSON when its Content-Type says so, or when a JSON object is followed by more than
//     whitespace.
// Members become fields in order (the parse filter's JsonParser: nested objects and arrays stay
// maps and arrays); a key given twice keeps its last value. Any bad event refuses the whole
// body (no event of it is emitted), with a reason naming where: "line 3: <simdjson message>",
// "array element 2 (offset 57): JSON document is not an object".
//
// EventDecoder is not thread-safe (one per connection); the functions are.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/filters/parse/json_parser.h"
#include "plugins/filters/parse/time_format.h"
#include "runnel/arena.h"
#include "runnel/batch.h"
#include "runnel/record.h"
#include "runnel/status.h"

namespace runnel::plugins::http_input {

enum class Encoding { kIdentity, kGzip, kDeflate, kZstd };

// "gzip", "x-gzip", "deflate", "zstd", "identity" or "" (any case); nullopt for anything else,
// including a list of several codings.
std::optional<Encoding> ParseContentEncoding(std::string_view value);

enum class BodyFormat { kJson, kNdjson };

// The media type without parameters (any case): "" (absent), application/json, text/plain and
// application/x-www-form-urlencoded (what curl -d sends) are kJson (detected);
// application/x-ndjson, application/ndjson, application/jsonl, application/jsonlines and
// application/x-jsonlines are kNdjson; nullopt for anything else.
std::optional<BodyFormat> ParseContentType(std::string_view value);

// Undoes `encoding` (not kIdentity) on `in` into *out (replaced). ResourceExhausted ("the body
// decompresses to more than 8388608 bytes") past `limit` bytes, having decompressed at most
// limit + 64 KiB; InvalidArgument for corrupt or truncated data ("bad gzip data: incorrect
// header check", "truncated zstd data"). A gzip body may hold several members.
Status Decompress(Encoding encoding, std::string_view in, size_t limit, std::string* out);

struct DecodeOptions {
  std::string_view time_key;                       // empty: every event gets `now`
  const parse::TimeFormat* time_format = nullptr;  // set with time_key
  bool time_keep = true;
  std::string_view source_address_key;  // empty: none added
  std::string_view source_address;
};

class EventDecoder {
 public:
  // Appends one entry per event of `body` to *batch. InvalidArgument with the reason when the
  // body is not one of the accepted shapes (then *batch is unchanged). `bad_times` counts the
  // events whose time_key did not parse (they get `now`).
  Status Decode(std::string_view body, BodyFormat format, EventTime now,
                const DecodeOptions& options, Batch* batch, size_t* bad_times);

 private:
  // Parses one object into an entry appended to scratch_; the simdjson message on failure.
  const char* AddEvent(std::string_view text, EventTime now, const DecodeOptions& options,
                       size_t* bad_times);

  parse::JsonParser parser_;
  Arena arena_;
  std::vector<Field> fields_;
  std::vector<bool> keep_;
  Batch scratch_;
};

}  // namespace runnel::plugins::http_input
