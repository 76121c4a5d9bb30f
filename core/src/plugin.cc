#include "runnel/plugin.h"

namespace runnel {

std::string PluginContext::StateDir() const { return data_dir + "/" + id; }

}  // namespace runnel
