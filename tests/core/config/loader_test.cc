// LoadConfig on valid configs: values, defaults, order, env expansion, includes and conf.d.

#include "config/loader.h"

#include <gtest/gtest.h>

#include "tests/core/config/config_test_util.h"

namespace runnel::config::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(ConfigTest, MinimalPipelineGetsDefaults) {
  Write("main.toml", kValidPipeline);
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.WarningText(), "");
  const PipelineConfig& config = result.config;
  EXPECT_EQ(config.global.data_dir, "/var/lib/runnel");
  EXPECT_EQ(config.global.log_level, LogLevel::kInfo);
  EXPECT_EQ(config.global.memory_limit, 256u * 1024 * 1024);
  EXPECT_EQ(config.global.shutdown_timeout, milliseconds(30'000));
  ASSERT_EQ(config.inputs.size(), 1u);
  ASSERT_EQ(config.filters.size(), 0u);
  ASSERT_EQ(config.outputs.size(), 1u);
  EXPECT_EQ(config.files, std::vector<std::string>{dir_ + "/main.toml"});

  const ConfigNode& app = config.inputs[0];
  EXPECT_EQ(app.id(), "inputs.app");
  EXPECT_EQ(app.type(), "tail");
  EXPECT_EQ(app.location().ToString(), dir_ + "/main.toml:1:1");
  EXPECT_EQ(app.GetStringList("paths"), std::vector<std::string>{"/var/log/app.log"});
  EXPECT_EQ(app.LocationOf("paths").ToString(), dir_ + "/main.toml:3:9");
  EXPECT_EQ(app.GetString("read_from"), "head");
  EXPECT_EQ(app.GetSize("max_line_size"), 64u * 1024);
  EXPECT_EQ(app.GetDuration("refresh_interval"), milliseconds(1000));
  EXPECT_EQ(app.GetInt("workers"), 2);
  EXPECT_TRUE(app.GetBool("follow"));
  EXPECT_FALSE(app.Has("labels"));  // optional without a default
  EXPECT_TRUE(app.inputs().empty());

  const ConfigNode& out = config.outputs[0];
  EXPECT_EQ(out.id(), "outputs.out");
  EXPECT_EQ(out.inputs(), std::vector<std::string>{"app"});
  EXPECT_EQ(out.GetString("path"), "/tmp/out.log");
  EXPECT_EQ(out.GetDuration("flush_interval"), milliseconds(5000));
}

TEST_F(ConfigTest, EveryValueTypeIsConverted) {
  Write("main.toml", R"(data_dir = "/data"
log_level = "debug"
memory_limit = "1GiB"
shutdown_timeout = "2m"

[inputs.app]
type = "tail"
paths = ["/a", "/b"]
read_from = "tail"
max_line_size = 1000
refresh_interval = 250
workers = 64
follow = false
labels = { zone = "eu", host = "h1" }

[filters.p]
type = "parse"
inputs = ["app"]
format = "logfmt"
ratio = 1

[outputs.out]
type = "file"
inputs = ["p"]
path = "/tmp/x"
flush_interval = "250ms"
)");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  const PipelineConfig& config = result.config;
  EXPECT_EQ(config.global.data_dir, "/data");
  EXPECT_EQ(config.global.log_level, LogLevel::kDebug);
  EXPECT_EQ(config.global.memory_limit, 1024u * 1024 * 1024);
  EXPECT_EQ(config.global.shutdown_timeout, milliseconds(120'000));
  const ConfigNode& app = config.inputs.at(0);
  EXPECT_EQ(app.GetStringList("paths"), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(app.GetString("read_from"), "tail");
  EXPECT_EQ(app.GetSize("max_line_size"), 1000u);
  EXPECT_EQ(app.GetDuration("refresh_interval"), milliseconds(250));
  EXPECT_EQ(app.GetInt("workers"), 64);
  EXPECT_FALSE(app.GetBool("follow"));
  // File order, not toml++'s sorted order.
  EXPECT_EQ(app.GetStringMap("labels"), (StringMap{{"zone", "eu"}, {"host", "h1"}}));
  const ConfigNode& p = config.filters.at(0);
  EXPECT_EQ(p.GetString("format"), "logfmt");
  EXPECT_EQ(p.GetString("field"), "message");
  EXPECT_DOUBLE_EQ(p.GetFloat("ratio"), 1.0);
  EXPECT_EQ(p.inputs(), std::vector<std::string>{"app"});
  EXPECT_EQ(config.outputs.at(0).GetDuration("flush_interval"), milliseconds(250));
}

TEST_F(ConfigTest, StringMapMayBeASubTable) {
  Write("main.toml", R"([inputs.app]
type = "tail"
paths = ["/a"]

[inputs.app.labels]
zone = "eu"
app = "web"

[outputs.out]
type = "file"
inputs = ["app"]
path = "/o"
)");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.inputs.at(0).GetStringMap("labels"),
            (StringMap{{"zone", "eu"}, {"app", "web"}}));
}

TEST_F(ConfigTest, ComponentsKeepFileOrder) {
  Write("main.toml", R"([inputs.zeta]
type = "stdin"
[inputs.alpha]
type = "stdin"
[outputs.b]
type = "file"
inputs = ["zeta"]
path = "/b"
[outputs.a]
type = "file"
inputs = ["alpha"]
path = "/a"
)");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  ASSERT_EQ(result.config.inputs.size(), 2u);
  EXPECT_EQ(result.config.inputs[0].name(), "zeta");
  EXPECT_EQ(result.config.inputs[1].name(), "alpha");
  ASSERT_EQ(result.config.outputs.size(), 2u);
  EXPECT_EQ(result.config.outputs[0].name(), "b");
  EXPECT_EQ(result.config.outputs[1].name(), "a");
}

TEST_F(ConfigTest, EnvironmentVariablesExpandInStringValues) {
  Write("main.toml", R"(data_dir = "${STATE:-/var/lib/x}"
[inputs.app]
type = "${KIND}"
paths = ["${LOG_DIR}/a.log", "$${LOG_DIR}", "cost $5", "${EMPTY:-fallback}"]
labels = { host = "${HOST}", zone = "${ZONE:-}" }
refresh_interval = "${REFRESH:-3s}"

[outputs.out]
type = "file"
inputs = ["app"]
path = "${OUT}"
)");
  ConfigLoadResult result = Load("main.toml", {{"KIND", "tail"},
                                               {"LOG_DIR", "/logs"},
                                               {"HOST", "h1"},
                                               {"EMPTY", ""},
                                               {"REFRESH", "2m"},
                                               {"OUT", "/o/${NOT_AGAIN}"}});
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.global.data_dir, "/var/lib/x");
  const ConfigNode& app = result.config.inputs.at(0);
  EXPECT_EQ(app.type(), "tail");
  EXPECT_EQ(app.GetStringList("paths"),
            (std::vector<std::string>{"/logs/a.log", "${LOG_DIR}", "cost $5", "fallback"}));
  EXPECT_EQ(app.GetStringMap("labels"), (StringMap{{"host", "h1"}, {"zone", ""}}));
  EXPECT_EQ(app.GetDuration("refresh_interval"), milliseconds(120'000));
  // A value coming from the environment is not expanded again.
  EXPECT_EQ(result.config.outputs.at(0).GetString("path"), "/o/${NOT_AGAIN}");
}

TEST_F(ConfigTest, IncludesAndConfDAreMergedInOrder) {
  Write("main.toml", R"(include = ["parts/inputs.toml", "more/*.toml", "missing/*.toml"]
log_level = "warn"
)");
  Write("parts/inputs.toml", R"(include = ["../nested/deeper.toml"]
[inputs.app]
type = "stdin"
)");
  Write("nested/deeper.toml", R"([inputs.deep]
type = "stdin"
)");
  Write("more/b.toml", R"([filters.fb]
type = "grep"
inputs = ["app"]
pattern = "b"
)");
  Write("more/a.toml", R"([filters.fa]
type = "grep"
inputs = ["deep"]
pattern = "a"
)");
  Write("more/ignored.txt", "not toml");
  Write("conf.d/20-out.toml", R"([outputs.out2]
type = "file"
inputs = ["f*"]
path = "/2"
)");
  Write("conf.d/10-out.toml", R"(include = ["../parts/inputs.toml"]
memory_limit = "1MiB"
[outputs.out1]
type = "file"
inputs = ["fa"]
path = "/1"
)");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.files,
            (std::vector<std::string>{dir_ + "/main.toml", dir_ + "/parts/inputs.toml",
                                      dir_ + "/parts/../nested/deeper.toml", dir_ + "/more/a.toml",
                                      dir_ + "/more/b.toml", dir_ + "/conf.d/10-out.toml",
                                      dir_ + "/conf.d/20-out.toml"}));
  EXPECT_EQ(result.config.global.log_level, LogLevel::kWarn);
  EXPECT_EQ(result.config.global.memory_limit, 1024u * 1024);
  auto names = [](const std::vector<ConfigNode>& nodes) {
    std::vector<std::string> out;
    for (const ConfigNode& n : nodes) {
      out.push_back(n.name());
    }
    return out;
  };
  EXPECT_EQ(names(result.config.inputs), (std::vector<std::string>{"app", "deep"}));
  EXPECT_EQ(names(result.config.filters), (std::vector<std::string>{"fa", "fb"}));
  EXPECT_EQ(names(result.config.outputs), (std::vector<std::string>{"out1", "out2"}));
  EXPECT_EQ(result.config.outputs[1].inputs(), (std::vector<std::string>{"fa", "fb"}));
  EXPECT_EQ(result.config.inputs[1].location().ToString(),
            dir_ + "/parts/../nested/deeper.toml:1:1");
}

TEST_F(ConfigTest, EachFileIsReadOnceEvenInAnIncludeCycle) {
  Write("main.toml",
        "include = [\"a.toml\", \"main.toml\", \"conf.d/x.toml\"]\n" + std::string(kValidPipeline));
  Write("a.toml", "include = [\"b.toml\"]\n");
  Write("b.toml", "include = [\"a.toml\", \"./main.toml\"]\n");
  Write("conf.d/x.toml", "log_level = \"warn\"\n");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.files,
            (std::vector<std::string>{dir_ + "/main.toml", dir_ + "/a.toml", dir_ + "/b.toml",
                                      dir_ + "/conf.d/x.toml"}));
  EXPECT_EQ(result.config.global.log_level, LogLevel::kWarn);
}

TEST_F(ConfigTest, IncludePathsMayComeFromTheEnvironment) {
  Write("main.toml", "include = [\"${EXTRA}\"]\n" + std::string(kValidPipeline));
  Write("extra/log.toml", "log_level = \"error\"\n");
  ConfigLoadResult result = Load("main.toml", {{"EXTRA", "extra/log.toml"}});
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.global.log_level, LogLevel::kError);
  EXPECT_EQ(result.config.files.size(), 2u);
}

TEST_F(ConfigTest, GlobsInInputsExpandInDefinitionOrder) {
  Write("main.toml", R"([inputs.app_2]
type = "stdin"
[inputs.app_1]
type = "stdin"
[inputs.other]
type = "stdin"
[filters.f]
type = "grep"
inputs = ["app_[0-9]", "app_1", "o?her"]
pattern = "x"
[outputs.all]
type = "file"
inputs = ["*"]
path = "/x"
)");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.filters.at(0).inputs(),
            (std::vector<std::string>{"app_2", "app_1", "other"}));
  EXPECT_EQ(result.config.outputs.at(0).inputs(),
            (std::vector<std::string>{"app_2", "app_1", "other", "f"}));
  EXPECT_EQ(result.WarningText(), "");
}

TEST_F(ConfigTest, UnreadInputsAndFiltersAreWarningsOnly) {
  Write("main.toml", std::string(kValidPipeline) + R"(
[inputs.lonely]
type = "stdin"

[filters.dead_end]
type = "grep"
inputs = ["app"]
pattern = "x"
)");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(Relative(result.WarningText()),
            "main.toml:10:1: warning: inputs.lonely (stdin): nothing reads from this input\n"
            "  hint: add 'lonely' to the inputs of a filter or an output\n"
            "main.toml:13:1: warning: filters.dead_end (grep): nothing reads from this filter\n"
            "  hint: add 'dead_end' to the inputs of a filter or an output\n");
}

TEST_F(ConfigTest, NoUnreadWarningsWhenTheWiringIsBroken) {
  Write("main.toml", R"([inputs.app]
type = "stdin"
[outputs.out]
type = "file"
inputs = ["ap"]
path = "/x"
)");
  ConfigLoadResult result = Load("main.toml");
  EXPECT_EQ(Relative(result.ErrorText()),
            "main.toml:5:11: outputs.out (file): 'inputs' names 'ap', which does not exist\n"
            "  hint: did you mean 'app'? the components that exist are: app\n");
  EXPECT_EQ(result.WarningText(), "");
}

TEST_F(ConfigTest, ToStatusCarriesTheErrorText) {
  Write("main.toml", "bogus = 1\n" + std::string(kValidPipeline));
  ConfigLoadResult result = Load("main.toml");
  ASSERT_FALSE(result.ok());
  Status status = result.ToStatus();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Relative(status.message()),
            "main.toml:1:1: unknown top-level key 'bogus'\n"
            "  hint: top-level keys are: data_dir, include, log_level, memory_limit, "
            "shutdown_timeout; the admin API goes in [api]; components go in [inputs.NAME], "
            "[filters.NAME] or "
            "[outputs.NAME]");
}

TEST_F(ConfigTest, ProcessEnvironmentIsTheDefault) {
  ASSERT_EQ(setenv("RUNNEL_CONFIG_TEST_DIR", "/from/env", 1), 0);
  Write("main.toml", "data_dir = \"${RUNNEL_CONFIG_TEST_DIR}\"\n" + std::string(kValidPipeline));
  ConfigLoadResult result = LoadConfig(dir_ + "/main.toml", registry_);
  unsetenv("RUNNEL_CONFIG_TEST_DIR");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.global.data_dir, "/from/env");
}

}  // namespace
}  // namespace runnel::config::testing
