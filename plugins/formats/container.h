#pragma once
// Container runtime log lines: the CRI format (containerd, CRI-O: what the kubelet reads under
// /var/log/pods) and Docker's json-file driver. Signatures and the general contract: format.h.
//
// cri: "<time> <stream> <tag> <log>", one space apart, as the Kubernetes CRI logging spec
// writes them (time: RFC 3339 with nanoseconds; stream: stdout or stderr; tag: "F" for a full
// line or the last part of one, "P" for a partial line, possibly followed by more ':'-separated
// tags). Fields:
//   stream  String  "stdout" | "stderr"
//   logtag  String  the whole tag ("F", "P", ...)
//   log     String  everything after the tag's space, as is (may be empty)
// The time sets the event time. Errors: a bad time, another stream, a tag not starting with P
// or F, a missing separator.
//
// docker: one JSON object per line, `{"log":"...","stream":"stdout","time":"<RFC 3339>"}`,
// possibly with "attrs" (labels and env from --log-opt) and other members. Fields:
//   log     String  unescaped; the trailing "\n" Docker keeps at the end of each complete line
//                   stays, so a joiner can tell complete lines from the 16 KiB parts of long
//                   ones (which have none)
//   stream  String
//   ...     every other member but "time", in line order, typed as JSON says (objects such as
//           attrs as maps)
// "time" sets the event time and is not a field. Errors: not a JSON object, invalid JSON, no
// "log" string member, a "time" that is not an RFC 3339 string.

#include <string_view>
#include <vector>

#include "plugins/formats/format.h"

namespace runnel::formats {

const char* ScanCri(std::string_view line, const ScanOptions& options, Arena& arena,
                    std::vector<Field>* fields, EventTime* time);
const char* ScanDocker(std::string_view line, const ScanOptions& options, Arena& arena,
                       std::vector<Field>* fields, EventTime* time);

}  // namespace runnel::formats
