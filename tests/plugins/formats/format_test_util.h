#pragma once
// Helpers for the scanner tests: run a scanner and render its fields with their types, so one
// string comparison checks every field's name, type and exact value.

#include <gtest/gtest.h>

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/formats/format.h"
#include "runnel/arena.h"
#include "runnel/json_writer.h"
#include "runnel/msgpack.h"
#include "runnel/record.h"

namespace runnel::formats {

// `key=value` per field, space-separated: strings quoted (JSON-escaped), Int as digits, Double
// with a trailing 'd', Raw (maps, arrays) as JSON.
inline std::string RenderFields(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) {
      out += ' ';
    }
    out.append(f.key);
    out += '=';
    const Value& v = f.value;
    switch (v.kind) {
      case Value::Kind::kString:
        JsonWriter::AppendString(v.bytes, &out);
        break;
      case Value::Kind::kInt:
        out += std::to_string(v.i64);
        break;
      case Value::Kind::kUint:
        out += std::to_string(v.u64) + "u";
        break;
      case Value::Kind::kDouble: {
        char buf[64];
        auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v.f64);
        out.append(buf, p);
        out += 'd';
        break;
      }
      case Value::Kind::kBool:
        out += v.boolean ? "true" : "false";
        break;
      case Value::Kind::kNull:
        out += "null";
        break;
      case Value::Kind::kRaw: {
        MsgpackReader reader(v.bytes);
        Status status = JsonWriter::AppendObject(reader, &out);
        if (!status.ok() || !reader.AtEnd()) {
          out += "<bad msgpack>";
        }
        break;
      }
      case Value::Kind::kBinary:
        out += "<binary>";
        break;
    }
  }
  return out;
}

// One scan: the error (empty when accepted), the rendered fields and the event time.
struct Scanned {
  std::string error;
  std::string fields;
  EventTime time;
};

// Scans `line` with the format called `name`; the time starts at {1, 2} so "unchanged" shows.
inline Scanned Scan(std::string_view name, std::string_view line, ScanOptions options = {}) {
  const Format* format = FindFormat(name);
  EXPECT_NE(format, nullptr) << name;
  Scanned out;
  out.time = EventTime{1, 2};
  if (format == nullptr) {
    return out;
  }
  Arena arena;
  std::vector<Field> fields;
  const char* error = format->scan(line, options, arena, &fields, &out.time);
  out.error = error == nullptr ? "" : error;
  out.fields = RenderFields(fields);
  return out;
}

}  // namespace runnel::formats
