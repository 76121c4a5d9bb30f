#pragma once
// Configuration of the file output.

#include <chrono>
#include <cstdint>
#include <string>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::file {

enum class FsyncPolicy { kBatch, kInterval, kNever };

struct FileConfig {
  std::string path;
  uint64_t max_bytes = 0;  // 0: never rotate
  int64_t max_files = 5;   // rotated files kept: path.1 (newest) .. path.N
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  std::chrono::milliseconds fsync_interval{1000};
};

Schema FileSchema();
Result<FileConfig> ParseFileConfig(const ConfigNode& node);

}  // namespace runnel::plugins::file
