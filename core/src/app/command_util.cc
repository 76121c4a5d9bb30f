#include "app/command_util.h"

#include <ctime>
#include <iostream>

#include "runnel/json_writer.h"
#include "runnel/logging.h"

namespace runnel::app {

std::optional<config::PipelineConfig> LoadConfigForCommand(const Options& options,
                                                           const PluginRegistry& registry) {
  const std::string& path = options.config;
  config::ConfigLoadResult loaded = config::LoadConfig(path, registry);
  std::cerr << loaded.WarningText();
  if (!loaded.ok()) {
    std::cerr << loaded.ErrorText();
    std::cerr << path << ": " << loaded.errors.size()
              << (loaded.errors.size() == 1 ? " error" : " errors") << "\n";
    return std::nullopt;
  }
  LogLevel level = loaded.config.global.log_level;
  if (options.log_level.has_value()) {
    ParseLogLevel(*options.log_level, &level);
  }
  SetLogLevel(level);
  return std::move(loaded.config);
}

const ConfigNode* FindOutputOrExplain(const config::PipelineConfig& config,
                                      const std::string& config_path, const std::string& name,
                                      std::string_view command) {
  std::string names;
  for (const ConfigNode& n : config.outputs) {
    if (n.name() == name) {
      return &n;
    }
    names += (names.empty() ? "" : ", ") + n.name();
  }
  std::cerr << command << ": no output named '" << name << "' in " << config_path << "; "
            << (names.empty() ? "it has no outputs" : "its outputs are: " + names) << "\n";
  return nullptr;
}

std::string FormatRfc3339(int64_t unix_ns) {
  int64_t sec = unix_ns / 1'000'000'000;
  int64_t nsec = unix_ns % 1'000'000'000;
  if (nsec < 0) {
    sec -= 1;
    nsec += 1'000'000'000;
  }
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  char date[32];
  size_t n = std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%09lldZ", static_cast<long long>(nsec));
  return std::string(date, n) + frac;
}

std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = ' ';
    }
  }
  return out;
}

void JsonKey(std::string_view key, bool* first, std::string* out) {
  if (!*first) {
    out->push_back(',');
  }
  *first = false;
  JsonWriter::AppendString(key, out);
  out->push_back(':');
}

void JsonString(std::string_view value, std::string* out) { JsonWriter::AppendString(value, out); }

}  // namespace runnel::app
