#include "runnel/plugin.h"

namespace runnel {

std::string PluginContext::StateDir() const { return data_dir + "/" + id; }

Status Output::Submit(std::shared_ptr<const Batch> /*batch*/, AckHandle /*ack*/) {
  return Status(StatusCode::kInternal, "this output does not complete later; use Write");
}

uint64_t Output::Flush(std::chrono::steady_clock::time_point /*deadline*/) { return 0; }

}  // namespace runnel
