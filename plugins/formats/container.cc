#include "plugins/formats/container.h"

#include "plugins/formats/json_scan.h"
#include "plugins/formats/scan_util.h"

namespace runnel::formats {

using internal::AddString;
using internal::Cursor;

const char* ScanCri(std::string_view line, const ScanOptions& options, Arena& arena,
                    std::vector<Field>* fields, EventTime* time) {
  Cursor c{line};
  if (!internal::Rfc3339(c, false, 0, time)) {
    return "not a CRI log line: no RFC 3339 time at the start";
  }
  if (!c.Consume(' ')) {
    return "not a CRI log line: the time is not followed by a space";
  }
  const std::string_view stream = c.Token();
  if (stream != "stdout" && stream != "stderr") {
    return "not a CRI log line: the stream is neither stdout nor stderr";
  }
  if (!c.Consume(' ')) {
    return "not a CRI log line: no tag after the stream";
  }
  const std::string_view tag = c.Token();
  if (tag.empty() || (tag[0] != 'F' && tag[0] != 'P') || (tag.size() > 1 && tag[1] != ':')) {
    return "not a CRI log line: the tag is neither F nor P";
  }
  AddString(fields, "stream", stream);
  AddString(fields, "logtag", tag);
  // "<tag> <log>"; a line cut right after the tag has an empty log.
  c.Consume(' ');
  AddString(fields, "log", c.Rest());
  return nullptr;
}

const char* ScanDocker(std::string_view line, const ScanOptions& options, Arena& arena,
                       std::vector<Field>* fields, EventTime* time) {
  internal::JsonObjectReader reader(line, arena);
  if (reader.Begin() != nullptr) {
    return "not a Docker json-file line: not a JSON object";
  }
  bool has_log = false;
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (key == "time") {
      if (value.kind != Value::Kind::kString || !internal::Rfc3339Text(value.bytes, time)) {
        return "not a Docker json-file line: \"time\" is not an RFC 3339 time";
      }
      continue;
    }
    if (key == "log") {
      if (value.kind != Value::Kind::kString) {
        return "not a Docker json-file line: \"log\" is not a string";
      }
      has_log = true;
    }
    fields->push_back(Field{key, value});
  }
  if (reader.error() != nullptr) {
    return reader.error();
  }
  if (!has_log) {
    return "not a Docker json-file line: no \"log\" member";
  }
  return nullptr;
}

}  // namespace runnel::formats
