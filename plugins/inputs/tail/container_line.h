#pragma once
// One line of a container runtime's log, decoded with the shared scanners of runnel_formats
// (plugins/formats: cri, docker): its time, stream, text and whether it is a partial piece of a
// longer line. Thread-safe (pure).

#include <string_view>

#include "runnel/arena.h"
#include "runnel/msgpack.h"
#include "tail_config.h"

namespace runnel::plugins::tail {

struct ContainerLine {
  EventTime time;
  std::string_view stream;
  std::string_view log;  // a docker line's trailing newline removed
  bool partial = false;  // CRI tag P; docker: the log did not end in "\n"
  bool docker = false;   // decoded as a docker line (else cri)
};

// Decodes `line` as `format` (kCri, kDocker, or kContainer: docker when the line starts with
// '{'). Strings view `line` or `arena`. out->time is set from the line (a docker line without a
// "time" leaves it as it was). Returns nullptr, or why the line is not in the format
// (out->docker then says which format was tried). Docker members other than log, stream and
// time (attrs) are not kept.
const char* DecodeContainerLine(LineFormat format, std::string_view line, Arena& arena,
                                ContainerLine* out);

}  // namespace runnel::plugins::tail
