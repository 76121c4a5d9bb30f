// buffer inspect: what a disk buffer directory holds (runnel::buffer::Inspect), as aligned text
// or one JSON object.
#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "app/command_util.h"
#include "app/commands.h"
#include "runnel/buffer/segment_log.h"

namespace runnel::app {
namespace {

// True when `dir` has something only a disk buffer writes: a segment, the ack or lock file,
// or corrupt/.
bool LooksLikeBuffer(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return false;
  }
  bool found = false;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "ack" || name == "lock" || name == "corrupt" || name.ends_with(".seg")) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

std::string Text(const std::string& dir, const buffer::BufferInspection& in) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"disk buffer", dir},
      {"segments", std::to_string(in.segments)},
      {"entries", std::to_string(in.entries)},
      {"unacknowledged", std::to_string(in.unacked_entries)},
      {"bytes", std::to_string(in.bytes)},
      {"ack watermark", std::to_string(in.ack_watermark)},
      {"oldest unacknowledged", in.oldest_unacked_seq.has_value()
                                    ? "seq " + std::to_string(*in.oldest_unacked_seq) + " at " +
                                          FormatRfc3339(in.oldest_unacked_time_ns)
                                    : std::string("none")},
      {"corrupt segments", std::to_string(in.corrupt_segments)},
      {"torn bytes", std::to_string(in.torn_bytes)},
  };
  std::string out;
  for (const auto& [label, value] : rows) {
    out += label + std::string(23 - label.size(), ' ') + value + "\n";
  }
  return out;
}

std::string Json(const std::string& dir, const buffer::BufferInspection& in) {
  std::string out = "{";
  bool first = true;
  JsonKey("dir", &first, &out);
  JsonString(dir, &out);
  auto number = [&](std::string_view key, uint64_t v) {
    JsonKey(key, &first, &out);
    out += std::to_string(v);
  };
  number("segments", in.segments);
  number("entries", in.entries);
  number("unacked_entries", in.unacked_entries);
  number("bytes", in.bytes);
  number("ack_watermark", in.ack_watermark);
  JsonKey("oldest_unacked", &first, &out);
  if (in.oldest_unacked_seq.has_value()) {
    bool inner = true;
    out += "{";
    JsonKey("seq", &inner, &out);
    out += std::to_string(*in.oldest_unacked_seq);
    JsonKey("time", &inner, &out);
    JsonString(FormatRfc3339(in.oldest_unacked_time_ns), &out);
    JsonKey("time_ns", &inner, &out);
    out += std::to_string(in.oldest_unacked_time_ns);
    out += "}";
  } else {
    out += "null";
  }
  number("corrupt_segments", in.corrupt_segments);
  number("torn_bytes", in.torn_bytes);
  out += "}\n";
  return out;
}

}  // namespace

int BufferInspectCommand(const Options& options, const PluginRegistry& registry) {
  std::string dir = options.target;
  if (options.config_given) {
    std::optional<config::PipelineConfig> cfg = LoadConfigForCommand(options, registry);
    if (!cfg.has_value()) {
      return kExitFailure;
    }
    const ConfigNode* output =
        FindOutputOrExplain(*cfg, options.config, options.target, "buffer inspect");
    if (output == nullptr) {
      return kExitUsage;
    }
    dir = cfg->global.data_dir + "/" + output->id() + "/buffer";
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    std::cerr << "buffer inspect: no disk buffer at " << dir << ": " << std::strerror(errno)
              << "\n";
    return kExitFailure;
  }
  if (!S_ISDIR(st.st_mode) || !LooksLikeBuffer(dir)) {
    std::cerr << "buffer inspect: " << dir
              << " is not a disk buffer (no segment, ack or lock file in it)\n";
    return kExitFailure;
  }
  Result<buffer::BufferInspection> in = buffer::Inspect(dir);
  if (!in.has_value()) {
    std::cerr << "buffer inspect: " << in.error().message() << "\n";
    return kExitFailure;
  }
  std::cout << (options.json ? Json(dir, *in) : Text(dir, *in));
  return kExitOk;
}

}  // namespace runnel::app
