#include "plugins/inputs/tail/tail_config.h"

#include <set>

#include "gtest/gtest.h"

namespace runnel::plugins::tail {
namespace {

using std::chrono::milliseconds;
using Value = decltype(ConfigValue{}.value);

// A node as the loader produces it from `paths = [...]` and the schema's defaults.
ConfigNode Node() {
  ConfigNode n("inputs", "app", "tail", SourceLocation{"agent.toml", 3, 1});
  auto set = [&](const std::string& key, auto v) {
    ConfigValue cv;
    cv.value = v;
    n.Set(key, cv);
  };
  set("paths", std::vector<std::string>{"/var/log/app/*.log"});
  set("exclude", std::vector<std::string>{});
  set("read_from", std::string("head"));
  set("refresh_interval", milliseconds(1000));
  set("poll_interval", milliseconds(250));
  set("rotate_wait", milliseconds(5000));
  set("partial_line_timeout", milliseconds(5000));
  set("checkpoint_interval", milliseconds(5000));
  set("fingerprint_bytes", uint64_t{256});
  set("max_line_bytes", uint64_t{64 * 1024});
  set("read_block_bytes", uint64_t{256 * 1024});
  set("batch_max_events", int64_t{2048});
  set("batch_max_bytes", uint64_t{1024 * 1024});
  set("key", std::string("log"));
  set("path_key", std::string("path"));
  set("exit_on_eof", false);
  set("max_joined_bytes", uint64_t{1024 * 1024});
  set("multiline.mode", std::string("continue"));
  set("multiline.flush_timeout", milliseconds(1000));
  set("multiline.max_lines", int64_t{1000});
  set("multiline.max_bytes", uint64_t{256 * 1024});
  return n;
}

void Set(ConfigNode& n, const std::string& key, Value v, int line = 7) {
  ConfigValue cv;
  cv.value = std::move(v);
  cv.location = SourceLocation{"agent.toml", line, 9};
  n.Set(key, cv);
}

TEST(TailConfigTest, ParsesEveryKey) {
  ConfigNode n = Node();
  Set(n, "read_from", std::string("tail"));
  Set(n, "exclude", std::vector<std::string>{"*.gz"});
  Set(n, "rotate_wait", milliseconds(1500));
  Set(n, "path_key", std::string(""));
  Set(n, "exit_on_eof", true);
  Result<TailConfig> c = ParseTailConfig(n);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->paths, std::vector<std::string>{"/var/log/app/*.log"});
  EXPECT_EQ(c->exclude, std::vector<std::string>{"*.gz"});
  EXPECT_TRUE(c->read_from_tail);
  EXPECT_EQ(c->rotate_wait, milliseconds(1500));
  EXPECT_EQ(c->fingerprint_bytes, 256u);
  EXPECT_EQ(c->max_line_bytes, 64u * 1024);
  EXPECT_EQ(c->batch_max_events, 2048u);
  EXPECT_EQ(c->key, "log");
  EXPECT_EQ(c->path_key, "");
  EXPECT_TRUE(c->exit_on_eof);
}

TEST(TailConfigTest, DefaultsMatchTheStruct) {
  Result<TailConfig> c = ParseTailConfig(Node());
  ASSERT_TRUE(c.has_value());
  TailConfig d;
  EXPECT_EQ(c->read_from_tail, d.read_from_tail);
  EXPECT_EQ(c->refresh_interval, d.refresh_interval);
  EXPECT_EQ(c->poll_interval, d.poll_interval);
  EXPECT_EQ(c->rotate_wait, d.rotate_wait);
  EXPECT_EQ(c->partial_line_timeout, d.partial_line_timeout);
  EXPECT_EQ(c->max_line_bytes, d.max_line_bytes);
  EXPECT_EQ(c->batch_max_bytes, d.batch_max_bytes);
  // The schema states the same defaults, as a user writes them.
  Schema s = TailSchema();
  EXPECT_EQ(s.Find("read_from")->default_value, "\"head\"");
  EXPECT_EQ(s.Find("rotate_wait")->default_value, "\"5s\"");
  EXPECT_EQ(s.Find("max_line_bytes")->default_value, "\"64KiB\"");
  EXPECT_EQ(s.Find("fingerprint_bytes")->default_value, "256");
}

struct BadCase {
  std::string key;
  Value value;
  std::string message;
};

TEST(TailConfigTest, RejectsBadValuesAtTheirKey) {
  std::vector<BadCase> cases = {
      {"paths", std::vector<std::string>{}, "key 'paths': give at least one glob pattern"},
      {"paths", std::vector<std::string>{"/a/*.log", ""}, "key 'paths': a pattern is empty"},
      {"paths", std::vector<std::string>{"/var/log/"},
       "key 'paths': '/var/log/' names a directory; add a file pattern, e.g. '/var/log/*.log'"},
      {"exclude", std::vector<std::string>{""}, "key 'exclude': a pattern is empty"},
      {"key", std::string(""), "key 'key': must not be empty"},
      {"path_key", std::string("log"), "key 'path_key': must differ from key ('log')"},
      {"fingerprint_bytes", uint64_t{0}, "key 'fingerprint_bytes': must be between 16 and 4096"},
  };
  for (const BadCase& bc : cases) {
    ConfigNode n = Node();
    Set(n, bc.key, bc.value, 12);
    Result<TailConfig> c = ParseTailConfig(n);
    ASSERT_FALSE(c.has_value()) << bc.key;
    EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.error().message(), "agent.toml:12:9: inputs.app (tail): " + bc.message);
  }
}

TEST(TailConfigTest, SchemaDocumentsEveryKey) {
  Schema s = TailSchema();
  std::set<std::string> names;
  for (const FieldSpec& f : s.fields()) {
    names.insert(f.name);
    EXPECT_FALSE(f.description.empty()) << f.name;
    EXPECT_EQ(f.required, f.name == "paths") << f.name;
    // Without a default: absent unless set (format and kubernetes_metadata: or by a preset).
    const std::set<std::string> no_default = {"preset",
                                              "paths",
                                              "format",
                                              "kubernetes_metadata",
                                              "multiline.parser",
                                              "multiline.start",
                                              "multiline.continue"};
    EXPECT_EQ(f.default_value.has_value(), !no_default.contains(f.name)) << f.name;
  }
  EXPECT_EQ(names.size(), 27u);
  EXPECT_EQ(s.Find("read_from")->choices, (std::vector<std::string>{"head", "tail"}));
  EXPECT_EQ(s.Find("max_line_bytes")->min, 16);
}

}  // namespace
}  // namespace runnel::plugins::tail
