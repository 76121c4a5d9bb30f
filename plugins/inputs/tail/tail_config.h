#pragma once
// Configuration of the tail input: its schema (the reference documentation of every key) and
// the validated, immutable TailConfig the input runs with.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::tail {

struct TailConfig {
  std::vector<std::string> paths;
  std::vector<std::string> exclude;
  bool read_from_tail = false;  // read_from = "tail"
  std::chrono::milliseconds refresh_interval{1000};
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds rotate_wait{5000};
  std::chrono::milliseconds partial_line_timeout{5000};
  std::chrono::milliseconds checkpoint_interval{5000};
  uint32_t fingerprint_bytes = 256;
  uint64_t max_line_bytes = 64 * 1024;
  uint64_t read_block_bytes = 256 * 1024;
  uint32_t batch_max_events = 2048;
  uint64_t batch_max_bytes = 1024 * 1024;
  std::string key = "log";
  std::string path_key = "path";  // empty: no path field
  bool exit_on_eof = false;
};

Schema TailSchema();
// Reads a node validated against TailSchema() and checks what the schema cannot: empty
// patterns, key clashes. Errors are InvalidArgument positioned at the key.
Result<TailConfig> ParseTailConfig(const ConfigNode& node);

}  // namespace runnel::plugins::tail
