#pragma once
// The options every output has, whatever its plugin: its buffer and when its acknowledgement
// counts. Declared once (AddCommonOutputFields) and added to every output plugin's schema by
// PluginRegistry::Register, so the loader validates them and --describe lists them.
//
//   [outputs.store]
//   buffer.type = "disk"            # "memory" (runnel-agent's default) or "disk"
//   (runnel-aggregator's) buffer.max_bytes = "2GiB" buffer.when_full = "block"      # or
//   "drop_oldest" buffer.sync = "interval"        # disk only: "always", "interval" or "never"
//   buffer.sync_interval = "1s"     # disk only
//   acknowledgements = "durable"    # or "accepted"

#include <chrono>
#include <cstdint>
#include <string>

#include "runnel/buffer/segment_log.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::runtime {

enum class BufferType { kMemory, kDisk };

struct OutputOptions {
  BufferType buffer = BufferType::kMemory;
  uint64_t max_bytes = 0;
  buffer::WhenFull when_full = buffer::WhenFull::kBlock;
  buffer::SyncPolicy sync = buffer::SyncPolicy::kInterval;
  std::chrono::milliseconds sync_interval{1000};
  // acknowledgements = "durable": a batch counts as taken once the output delivered it, or it is
  // in a disk buffer. "accepted": once it is in the output's memory buffer.
  bool durable = true;
};

// A disk buffer's default cap.
inline constexpr uint64_t kDefaultDiskBufferBytes = 2ull << 30;

// Adds buffer.* and acknowledgements to an output plugin's schema (skipping any the plugin
// declares itself).
void AddCommonOutputFields(Schema& schema);

// Reads the common options of a validated output node. `default_buffer` is the process's
// (memory for runnel-agent, disk for runnel-aggregator); `memory_share` the default cap of a
// memory buffer; `memory_limit` the process budget. Errors name the key and its position.
Result<OutputOptions> ParseOutputOptions(const ConfigNode& node, BufferType default_buffer,
                                         uint64_t memory_share, uint64_t memory_limit);

// "memory", "disk".
const char* BufferTypeName(BufferType type);

}  // namespace runnel::runtime
