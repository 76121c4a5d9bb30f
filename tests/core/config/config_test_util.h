#pragma once
// Shared by the config tests: a temp directory to write config files into and a registry of
// fake plugins with schemas (no real plugin is involved).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "config/loader.h"
#include "runnel/registry.h"
#include "tests/testing/temp_dir.h"

namespace runnel::config::testing {

// Fake plugins:
//   input  tail   paths (required list), read_from (enum head|tail), max_line_size (size 64KiB),
//                 refresh_interval (duration 1s, 10ms..1h), workers (int 2, 1..64),
//                 follow (bool true), labels (map, no default)
//   input  stdin  no keys
//   input  syslog address (required string)
//   filter parse  format (enum json|logfmt|regex), field (string "message"), ratio (float 1.0)
//   filter grep   pattern (required string)
//   output file   path (required string), flush_interval (duration 5s)
//   output forward servers (required list)
inline PluginRegistry MakeTestRegistry() {
  PluginRegistry registry;
  auto add = [&registry](std::string name, PluginKind kind, Stability stability,
                         std::string description, Schema schema) {
    PluginInfo info;
    info.name = std::move(name);
    info.kind = kind;
    info.stability = stability;
    info.description = std::move(description);
    info.schema = std::move(schema);
    EXPECT_TRUE(registry.Register(std::move(info)).ok());
  };
  add("tail", PluginKind::kInput, Stability::kStable, "Reads lines from files.",
      Schema()
          .Required("paths", FieldType::kStringList, "Files to read; globs allowed.")
          .Enum("read_from", {"head", "tail"}, "\"head\"", "Where to start in a new file.")
          .Optional("max_line_size", FieldType::kSize, "\"64KiB\"", "Longest line kept whole.")
          .Optional("refresh_interval", FieldType::kDuration, "\"1s\"", "How often to glob.")
          .Range(10, 3'600'000)
          .Optional("workers", FieldType::kInt, "2", "Reader threads.")
          .Range(1, 64)
          .Optional("follow", FieldType::kBool, "true", "Keep reading at the end of a file.")
          .OptionalNoDefault("labels", FieldType::kStringMap, "Fields added to every event."));
  add("stdin", PluginKind::kInput, Stability::kBeta, "Reads lines from standard input.", Schema());
  add("syslog", PluginKind::kInput, Stability::kAlpha, "Receives syslog messages.",
      Schema().Required("address", FieldType::kString, "Where to listen."));
  add("parse", PluginKind::kFilter, Stability::kStable, "Parses a field into the record.",
      Schema()
          .Enum("format", {"json", "logfmt", "regex"}, "\"json\"", "How to parse.")
          .Optional("field", FieldType::kString, "\"message\"", "The field to parse.")
          .Optional("ratio", FieldType::kFloat, "1.0", "Share of events parsed."));
  add("grep", PluginKind::kFilter, Stability::kBeta, "Keeps matching events.",
      Schema().Required("pattern", FieldType::kString, "RE2 pattern to match."));
  add("file", PluginKind::kOutput, Stability::kStable, "Appends events to a file.",
      Schema()
          .Required("path", FieldType::kString, "The file to write.")
          .Optional("flush_interval", FieldType::kDuration, "\"5s\"", "How often to flush."));
  add("forward", PluginKind::kOutput, Stability::kBeta, "Sends to Forward peers.",
      Schema().Required("servers", FieldType::kStringList, "host:port of each peer."));
  return registry;
}

// Each test gets a fresh temp directory, removed at the end.
class ConfigTest : public ::testing::Test {
 protected:
  // Writes `content` to dir/relative (creating directories); returns the full path.
  std::string Write(const std::string& relative, const std::string& content) {
    const std::filesystem::path path = std::filesystem::path(dir_) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
    return path.string();
  }

  ConfigLoadResult Load(const std::string& main_relative,
                        std::map<std::string, std::string> env = {}) {
    return LoadConfig(dir_ + "/" + main_relative, registry_, Environment::FromMap(std::move(env)));
  }

  // The text with every "<dir>/" removed, so expectations name files relative to the temp dir.
  std::string Relative(std::string text) const {
    const std::string prefix = dir_ + "/";
    for (size_t pos = text.find(prefix); pos != std::string::npos; pos = text.find(prefix, pos)) {
      text.erase(pos, prefix.size());
    }
    return text;
  }

  // Writes main.toml, loads it, and returns its error text relative to the temp dir.
  std::string Errors(const std::string& toml, std::map<std::string, std::string> env = {}) {
    Write("main.toml", toml);
    return Relative(Load("main.toml", std::move(env)).ErrorText());
  }

  runnel::testing::TempDir temp_;
  const std::string dir_ = temp_.path();
  PluginRegistry registry_ = MakeTestRegistry();
};

// A pipeline that is valid on its own, to append a broken component to.
inline constexpr const char* kValidPipeline = R"([inputs.app]
type = "tail"
paths = ["/var/log/app.log"]

[outputs.out]
type = "file"
inputs = ["app"]
path = "/tmp/out.log"
)";

}  // namespace runnel::config::testing
