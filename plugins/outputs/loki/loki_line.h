#pragma once
// The log line of a Loki entry, made from an event's record.
//   kJson:     the record without the fields that feed labels, as one JSON object
//              ({"msg":"x","n":1}); the event time is the entry's timestamp, not in the line.
//   kKeyValue: the same fields as `key=value` pairs separated by one space; a value is quoted
//              ("a b") when it is empty or holds a space, '=', '"' or a control character,
//              with \" \\ \n \r \t escaped; maps and arrays as their JSON text.
//   kField:    the value of one top-level field: a string as it is, anything else as JSON.
//              An event without that field has no line (the entry is rejected).
// Immutable after construction; thread-safe.

#include <string>
#include <string_view>

#include "loki_labels.h"
#include "runnel/status.h"

namespace runnel::plugins::loki {

enum class LineFormat { kJson, kKeyValue, kField };

class LineRenderer {
 public:
  LineRenderer(LineFormat format, std::string field, const LabelRules* labels)
      : format_(format), field_(std::move(field)), labels_(labels) {}

  // Appends the line of the msgpack map `record` to *out. DataLoss when the record is not a
  // valid map; NotFound ("no field 'log' for the line") when kField and the field is missing.
  Status Render(std::string_view record, std::string* out) const;

 private:
  Status RenderField(std::string_view record, std::string* out) const;
  LineFormat format_;
  std::string field_;
  const LabelRules* labels_;  // not owned; fields it uses are left out of kJson and kKeyValue
};

}  // namespace runnel::plugins::loki
