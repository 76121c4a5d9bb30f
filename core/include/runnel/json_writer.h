#pragma once
// Renders msgpack records as JSON, for outputs that write JSON lines (stdout, file, HTTP).
// Strings are escaped per RFC 8259 (quotes, backslash, control characters); other bytes are
// written as they are. Binary values are written as strings. NaN and infinities become null.
// Nested arrays and maps are rendered recursively; a map key that is not a string is rendered
// as its JSON text inside quotes.
// Thread-compatible: one JsonWriter per thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "runnel/batch.h"
#include "runnel/config_node.h"
#include "runnel/msgpack.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel {

// kRfc3339: "2025-12-04T01:02:03.123456789Z"; kRfc3339Millis: "2025-12-04T01:02:03.123Z"
// (what Elasticsearch's date fields take by default); kUnixSeconds: 1764810123.123456789;
// kUnixMillis: 1764810123123.
enum class JsonTimeFormat { kRfc3339, kRfc3339Millis, kUnixSeconds, kUnixMillis };

class JsonWriter {
 public:
  // time_key: the key under which the event time is written first; empty leaves it out.
  JsonWriter(std::string time_key, JsonTimeFormat time_format)
      : time_key_(std::move(time_key)), time_format_(time_format) {}

  // Appends `{"<time_key>":<time>,<record fields>}` for the msgpack map `record`. When the record
  // has a field named time_key itself, that field is written and the event time is not, so a
  // key never appears twice and no data of the record is lost.
  // DataLoss when the record is not valid msgpack; *out is then unchanged.
  Status AppendEvent(EventTime time, std::string_view record, std::string* out);

  // Appends every event of `batch`, one JSON object per line, each ended by '\n'.
  // DataLoss when an entry is malformed; what came before it stays appended.
  Status AppendBatchLines(const Batch& batch, std::string* out);

  // The fields every JSON-writing output shares (`time_key`, `time_format`), and the writer
  // configured from them.
  static void AddSchemaFields(Schema& schema);
  static JsonWriter FromConfig(const ConfigNode& config);

  // Appends one msgpack object as JSON.
  static Status AppendObject(MsgpackReader& reader, std::string* out);
  static void AppendString(std::string_view s, std::string* out);
  // Appends the event time in the writer's format (RFC 3339 forms quoted). Caches the text of
  // the last second it formatted.
  void AppendTime(EventTime time, std::string* out);

 private:
  std::string time_key_;
  JsonTimeFormat time_format_;
  uint32_t cached_sec_ = UINT32_MAX;  // RFC 3339 text of cached_sec_, without fraction or 'Z'
  char cached_text_[32] = {};
  size_t cached_len_ = 0;
};

}  // namespace runnel
