#pragma once
// Configuration of the tail input: its schema (the reference documentation of every key) and
// the validated, immutable TailConfig the input runs with. A preset ("kubernetes") changes the
// defaults of format and kubernetes_metadata; keys set explicitly win.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "multiline.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::tail {

// What a line of a file is: text (the line is the record), or a container runtime's log line.
enum class LineFormat {
  kText,
  kCri,        // "<RFC3339Nano time> <stream> <P|F> <log>" (containerd, CRI-O)
  kDocker,     // {"log":"...","stream":"stdout","time":"..."} (Docker's json-file)
  kContainer,  // per line: docker when it starts with '{', otherwise cri
};

// The fields kubernetes_metadata adds, and the stream field of the container formats.
inline constexpr char kStreamKey[] = "stream";
inline constexpr char kNamespaceKey[] = "namespace";
inline constexpr char kPodKey[] = "pod";
inline constexpr char kContainerKey[] = "container";
inline constexpr char kContainerIdKey[] = "container_id";

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
  LineFormat format = LineFormat::kText;
  uint64_t max_joined_bytes = 1024 * 1024;  // a container log line joined from partial lines
  bool kubernetes_metadata = false;
  // Set when multiline.parser is: compiled once, shared by every file's groupers.
  std::shared_ptr<const MultilineRules> multiline;
};

Schema TailSchema();
// Reads a node validated against TailSchema() and checks what the schema cannot: empty
// patterns, key clashes, regexes that do not compile, multiline keys without multiline.parser.
// Errors are InvalidArgument positioned at the key.
Result<TailConfig> ParseTailConfig(const ConfigNode& node);

}  // namespace runnel::plugins::tail
