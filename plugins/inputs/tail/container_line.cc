#include "container_line.h"

namespace runnel::plugins::tail {

const char* DecodeContainerLine(LineFormat format, std::string_view line, Arena& arena,
                                ContainerLine* out) {
  (void)arena;
  out->docker =
      format == LineFormat::kDocker || (format == LineFormat::kContainer && line.starts_with('{'));
  return "container formats are not built in";
}

}  // namespace runnel::plugins::tail
