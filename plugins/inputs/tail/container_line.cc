#include "container_line.h"

#include <vector>

#include "plugins/formats/container.h"

namespace runnel::plugins::tail {

const char* DecodeContainerLine(LineFormat format, std::string_view line, Arena& arena,
                                ContainerLine* out) {
  out->docker =
      format == LineFormat::kDocker || (format == LineFormat::kContainer && line.starts_with('{'));
  // Reused per thread: the scanners append, and nothing is allocated per line once warm.
  thread_local std::vector<Field> fields;
  fields.clear();
  const formats::ScanOptions options;
  const char* why = out->docker ? formats::ScanDocker(line, options, arena, &fields, &out->time)
                                : formats::ScanCri(line, options, arena, &fields, &out->time);
  if (why != nullptr) {
    return why;
  }
  bool has_stream = false;
  std::string_view tag;
  for (const Field& f : fields) {
    if (f.key == "log") {
      out->log = f.value.bytes;
    } else if (f.key == "stream") {
      if (f.value.kind != Value::Kind::kString) {
        return "not a Docker json-file line: \"stream\" is not a string";
      }
      out->stream = f.value.bytes;
      has_stream = true;
    } else if (f.key == "logtag") {
      tag = f.value.bytes;
    }
  }
  if (!has_stream) {
    return "not a Docker json-file line: no \"stream\" member";
  }
  if (out->docker) {
    // Docker keeps the line's newline; a 16 KiB piece of a longer line has none.
    out->partial = !out->log.ends_with('\n');
    if (!out->partial) {
      out->log.remove_suffix(1);
    }
  } else {
    out->partial = tag.starts_with('P');
  }
  return nullptr;
}

}  // namespace runnel::plugins::tail
