// LoadConfig on broken configs: the exact message, position and hint of every class of error.

#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/core/config/config_test_util.h"

namespace runnel::config::testing {
namespace {

// kValidPipeline, a blank line, then `extra` starting at line 10.
std::string WithPipeline(const std::string& extra) {
  return std::string(kValidPipeline) + "\n" + extra;
}

TEST_F(ConfigTest, UnknownKeySuggestsTheClosestOrListsTheValidOnes) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.x]
type = "tail"
paths = ["/a"]
pahts = ["/x"]
wrkers = 3
zzzzzz = 1
)")),
            "main.toml:13:1: inputs.x (tail): unknown key 'pahts'\n"
            "  hint: did you mean 'paths'?\n"
            "main.toml:14:1: inputs.x (tail): unknown key 'wrkers'\n"
            "  hint: did you mean 'workers'?\n"
            "main.toml:15:1: inputs.x (tail): unknown key 'zzzzzz'\n"
            "  hint: valid keys are: follow, inputs, labels, max_line_size, paths, read_from, "
            "refresh_interval, type, workers\n");
}

TEST_F(ConfigTest, WrongTypesNameTheExpectedType) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.x]
type = "tail"
paths = "/var/log/a.log"
workers = "4"
follow = "yes"
refresh_interval = true
max_line_size = 1.5
labels = ["a"]
read_from = 1
[inputs.y]
type = "tail"
paths = ["/a", 2]
labels = { a = "1", b = 2 }
)")),
            "main.toml:12:9: inputs.x (tail): key 'paths' must be an array of strings, got a "
            "string\n"
            "  hint: e.g. paths = [\"a\", \"b\"]\n"
            "main.toml:13:11: inputs.x (tail): key 'workers' must be an integer, got a string\n"
            "  hint: e.g. workers = 2\n"
            "main.toml:14:10: inputs.x (tail): key 'follow' must be a boolean, got a string\n"
            "  hint: e.g. follow = true\n"
            "main.toml:15:20: inputs.x (tail): key 'refresh_interval' must be a duration (e.g. "
            "\"250ms\", \"5s\", \"1m\"), got a boolean\n"
            "  hint: e.g. refresh_interval = \"1s\"\n"
            "main.toml:16:17: inputs.x (tail): key 'max_line_size' must be a size (e.g. "
            "\"64KiB\", \"16MiB\", \"1GiB\"), got a float\n"
            "  hint: e.g. max_line_size = \"64KiB\"\n"
            "main.toml:17:10: inputs.x (tail): key 'labels' must be a table of strings, got an "
            "array\n"
            "  hint: e.g. labels = { name = \"value\" }\n"
            "main.toml:18:13: inputs.x (tail): key 'read_from' must be one of \"head\", \"tail\", "
            "got an integer\n"
            "  hint: e.g. read_from = \"head\"\n"
            "main.toml:21:16: inputs.y (tail): key 'paths' must be an array of strings, got an "
            "array containing an integer\n"
            "  hint: e.g. paths = [\"a\", \"b\"]\n"
            "main.toml:22:25: inputs.y (tail): key 'labels' must be a table of strings, got a "
            "table containing an integer\n"
            "  hint: e.g. labels = { name = \"value\" }\n");
}

TEST_F(ConfigTest, MissingRequiredKeyIsReportedAtTheTable) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.x]
type = "tail"
[outputs.y]
type = "file"
inputs = ["app"]
)")),
            "main.toml:10:1: inputs.x (tail): missing required key 'paths'\n"
            "  hint: add e.g. paths = [\"a\", \"b\"]; runnel-agent --describe tail explains "
            "every key\n"
            "main.toml:12:1: outputs.y (file): missing required key 'path'\n"
            "  hint: add e.g. path = \"...\"; runnel-agent --describe file explains every key\n");
}

TEST_F(ConfigTest, MisspeltRequiredKeyIsNotAlsoReportedMissing) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.x]
type = "tail"
pahts = ["/a"]
[outputs.y]
type = "file"
inputs = ["x"]
pth = "/y"
)")),
            "main.toml:12:1: inputs.x (tail): unknown key 'pahts'\n"
            "  hint: did you mean 'paths'?\n"
            "main.toml:16:1: outputs.y (file): unknown key 'pth'\n"
            "  hint: did you mean 'path'?\n");
}

TEST_F(ConfigTest, BadEnumValueListsTheAllowedOnes) {
  EXPECT_EQ(Errors(WithPipeline(R"([filters.p]
type = "parse"
inputs = ["app"]
format = "jsn"
[filters.q]
type = "parse"
inputs = ["app"]
format = "xml"
)")),
            "main.toml:13:10: filters.p (parse): key 'format' has invalid value \"jsn\"\n"
            "  hint: did you mean \"json\"? allowed values: \"json\", \"logfmt\", \"regex\"\n"
            "main.toml:17:10: filters.q (parse): key 'format' has invalid value \"xml\"\n"
            "  hint: allowed values: \"json\", \"logfmt\", \"regex\"\n");
}

TEST_F(ConfigTest, BadDurationAndSizeShowTheAcceptedForms) {
  const std::string duration_hint =
      "  hint: write a whole number and a unit (ms, s, m, h, d), e.g. \"250ms\", \"5s\", "
      "\"1m\", \"2h\", or an integer of milliseconds\n";
  const std::string size_hint =
      "  hint: write a number and a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. "
      "\"512KiB\", \"64MiB\", \"1GiB\", \"10MB\", or an integer of bytes\n";
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.x]
type = "tail"
paths = ["/a"]
refresh_interval = "5 sec"
max_line_size = "10 megs"
[inputs.y]
type = "tail"
paths = ["/a"]
refresh_interval = -5
max_line_size = -1
)")),
            "main.toml:13:20: inputs.x (tail): key 'refresh_interval' has invalid duration "
            "\"5 sec\"\n" +
                duration_hint +
                "main.toml:14:17: inputs.x (tail): key 'max_line_size' has invalid size "
                "\"10 megs\"\n" +
                size_hint +
                "main.toml:18:20: inputs.y (tail): key 'refresh_interval' has invalid duration "
                "-5\n" +
                duration_hint +
                "main.toml:19:17: inputs.y (tail): key 'max_line_size' has invalid size -1\n" +
                size_hint);
}

TEST_F(ConfigTest, OutOfRangeShowsTheBounds) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.x]
type = "tail"
paths = ["/a"]
workers = 100
refresh_interval = "2h"
[inputs.y]
type = "tail"
paths = ["/a"]
workers = 0
refresh_interval = 5
)")),
            "main.toml:13:11: inputs.x (tail): key 'workers' is out of range: 100\n"
            "  hint: it must be between 1 and 64 (inclusive)\n"
            "main.toml:14:20: inputs.x (tail): key 'refresh_interval' is out of range: 2h\n"
            "  hint: it must be between 10ms and 1h (inclusive)\n"
            "main.toml:18:11: inputs.y (tail): key 'workers' is out of range: 0\n"
            "  hint: it must be between 1 and 64 (inclusive)\n"
            "main.toml:19:20: inputs.y (tail): key 'refresh_interval' is out of range: 5ms\n"
            "  hint: it must be between 10ms and 1h (inclusive)\n");
}

TEST_F(ConfigTest, MissingOrUnknownTypeListsThePlugins) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.notype]
paths = ["/a"]
[inputs.typo]
type = "tial"
[filters.wrong]
type = 3
inputs = ["app"]
[outputs.nope]
type = "fil"
inputs = ["app"]
)")),
            "main.toml:10:1: inputs.notype: missing required key 'type'\n"
            "  hint: set it to one of the input plugins: stdin, syslog, tail\n"
            "main.toml:13:8: inputs.typo: unknown input plugin 'tial'\n"
            "  hint: input plugins (closest first): tail, stdin, syslog\n"
            "main.toml:15:8: filters.wrong: key 'type' must be a string, got an integer\n"
            "  hint: e.g. type = \"grep\"\n"
            "main.toml:18:8: outputs.nope: unknown output plugin 'fil'\n"
            "  hint: output plugins (closest first): file, forward\n");
}

TEST_F(ConfigTest, InvalidComponentNames) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs."my app"]
type = "stdin"
[inputs.ok-name_2]
type = "stdin"
[inputs."dots.are.bad"]
type = "stdin"
)")),
            "main.toml:10:1: inputs.my app (stdin): invalid component name 'my app'\n"
            "  hint: names may contain only letters, digits, '_' and '-'\n"
            "main.toml:14:1: inputs.dots.are.bad (stdin): invalid component name 'dots.are.bad'\n"
            "  hint: names may contain only letters, digits, '_' and '-'\n");
}

TEST_F(ConfigTest, UnknownTopLevelKeysAndSections) {
  EXPECT_EQ(Errors(R"(dta_dir = "/x"
colour = "red"
[input.web]
type = "stdin"
[sinks.s]
type = "file"
[plugins.p]
type = "x"
)" + std::string(kValidPipeline)),
            "main.toml:1:1: unknown top-level key 'dta_dir'\n"
            "  hint: did you mean 'data_dir'?\n"
            "main.toml:2:1: unknown top-level key 'colour'\n"
            "  hint: top-level keys are: data_dir, include, log_level, memory_limit, "
            "shutdown_timeout; the admin API goes in [api]; components go in [inputs.NAME], "
            "[filters.NAME] or "
            "[outputs.NAME]\n"
            "main.toml:3:1: unknown section [input.web]\n"
            "  hint: did you mean [inputs.web]?\n"
            "main.toml:5:1: unknown section [sinks.s]\n"
            "  hint: did you mean [outputs.s]?\n"
            "main.toml:7:1: unknown section [plugins.p]\n"
            "  hint: components go in [inputs.NAME], [filters.NAME] or [outputs.NAME]\n");
}

TEST_F(ConfigTest, SectionsMustHoldTables) {
  EXPECT_EQ(Errors(R"(inputs = "app"
[filters]
f = 1
[outputs.out]
type = "file"
inputs = ["app"]
path = "/x"
)"),
            "main.toml: no inputs are defined\n"
            "  hint: declare one as [inputs.NAME] with a type, one of: stdin, syslog, tail\n"
            "main.toml:1:1: 'inputs' must be a table of components, got a string\n"
            "  hint: declare each component as [inputs.NAME]\n"
            "main.toml:3:1: 'filters.f' must be a table, got an integer\n"
            "  hint: declare the component as [filters.f] followed by its keys\n"
            "main.toml:6:11: outputs.out (file): 'inputs' names 'app', which does not exist\n"
            "  hint: there are no inputs or filters to read from\n");
}

TEST_F(ConfigTest, TopLevelKeyAfterASectionHeader) {
  EXPECT_EQ(Errors(std::string(kValidPipeline) + "log_level = \"debug\"\n"),
            "main.toml:9:1: outputs.out (file): unknown key 'log_level'\n"
            "  hint: 'log_level' is a top-level key: move it above the first [section] header of "
            "its file\n");
}

TEST_F(ConfigTest, TomlSyntaxErrorHasItsPosition) {
  EXPECT_EQ(Errors(R"([inputs.app]
type = "tail"
paths = [/var/log]
)"),
            "main.toml:3:10: invalid TOML: Error while parsing value: could not determine value "
            "type\n"
            "  hint: the line reads: paths = [/var/log]\n");
}

TEST_F(ConfigTest, SyntaxErrorInAFragmentSkipsTheWiringChecks) {
  Write("conf.d/bad.toml", "[outputs.out\n");
  // Without the fragment, "out" would be missing; nothing but the syntax error is reported.
  EXPECT_EQ(Errors(R"([inputs.app]
type = "stdin"
)"),
            "conf.d/bad.toml:1:13: invalid TOML: Error while parsing table header: expected "
            "']', saw '\\n'\n"
            "  hint: the line reads: [outputs.out\n");
}

TEST_F(ConfigTest, UnsetVariablesAndBadReferences) {
  EXPECT_EQ(Errors("data_dir = \"${STATE}\"\n" + WithPipeline(R"([inputs.x]
type = "tail"
paths = ["${LOG_DIR}/a.log", "ok"]
labels = { host = "${HOST" }
[inputs.y]
type = "tail"
paths = ["${1BAD}"]
)"),
                   {{"UNRELATED", "1"}}),
            "main.toml:1:12: environment variable 'STATE' is not set\n"
            "  hint: set it, or give a default: ${STATE:-value}\n"
            "main.toml:13:10: inputs.x (tail): environment variable 'LOG_DIR' is not set\n"
            "  hint: set it, or give a default: ${LOG_DIR:-value}\n"
            "main.toml:14:19: inputs.x (tail): unterminated '${' in \"${HOST\"\n"
            "  hint: write ${NAME} or ${NAME:-default}; write $$ for a literal '$'\n"
            "main.toml:17:10: inputs.y (tail): invalid variable reference '${1BAD}'\n"
            "  hint: write ${NAME} or ${NAME:-default} where NAME is letters, digits and '_'; "
            "write $$ for a literal '$'\n");
}

TEST_F(ConfigTest, DuplicatesAcrossFilesNameBothPlaces) {
  Write("conf.d/a.toml", R"(log_level = "debug"
[inputs.app]
type = "stdin"
[filters.out]
type = "grep"
inputs = ["app"]
pattern = "x"
)");
  EXPECT_EQ(Errors(R"(log_level = "info"
[inputs.app]
type = "stdin"
[outputs.out]
type = "file"
inputs = ["app"]
path = "/x"
)"),
            "conf.d/a.toml:1:1: key 'log_level' is set twice: at main.toml:1:1 and at "
            "conf.d/a.toml:1:1\n"
            "  hint: set it in one file only\n"
            "conf.d/a.toml:2:1: inputs.app: component name 'app' is defined twice: inputs.app at "
            "main.toml:2:1 and inputs.app at conf.d/a.toml:2:1\n"
            "  hint: names must be unique across inputs, filters and outputs; rename one\n"
            "conf.d/a.toml:4:1: filters.out: component name 'out' is defined twice: outputs.out "
            "at main.toml:4:1 and filters.out at conf.d/a.toml:4:1\n"
            "  hint: names must be unique across inputs, filters and outputs; rename one\n");
}

TEST_F(ConfigTest, BadIncludes) {
  EXPECT_EQ(Errors("include = [\"nope.toml\", 3, \"none/*.toml\"]\n" + std::string(kValidPipeline)),
            "main.toml:1:12: included file 'nope.toml' does not exist\n"
            "  hint: paths are relative to the directory of the file that includes them\n"
            "main.toml:1:25: key 'include' must be an array of strings, got an array containing "
            "an integer\n"
            "  hint: e.g. include = [\"conf/extra.toml\", \"more/*.toml\"]\n");
  EXPECT_EQ(Errors("include = \"x.toml\"\n" + std::string(kValidPipeline)),
            "main.toml:1:11: key 'include' must be an array of strings, got a string\n"
            "  hint: e.g. include = [\"conf/extra.toml\", \"more/*.toml\"]\n");
}

TEST_F(ConfigTest, MissingMainFile) {
  ConfigLoadResult result = Load("nope.toml");
  EXPECT_EQ(Relative(result.ErrorText()),
            "nope.toml: cannot read config file: No such file or directory\n");
  EXPECT_TRUE(result.config.files.empty());
}

TEST_F(ConfigTest, MainPathIsADirectory) {
  Write("conf/x.toml", "");
  EXPECT_EQ(Relative(Load("conf").ErrorText()),
            "conf: cannot read config file: it is a directory\n");
}

TEST_F(ConfigTest, BadGlobalValues) {
  EXPECT_EQ(Errors(R"(log_level = "verbose"
memory_limit = "lots"
shutdown_timeout = 1.5
data_dir = ["/a"]
)" + std::string(kValidPipeline)),
            "main.toml:1:13: key 'log_level' has invalid value \"verbose\"\n"
            "  hint: allowed values: \"trace\", \"debug\", \"info\", \"warn\", \"error\", "
            "\"off\"\n"
            "main.toml:2:16: key 'memory_limit' has invalid size \"lots\"\n"
            "  hint: write a number and a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. "
            "\"512KiB\", \"64MiB\", \"1GiB\", \"10MB\", or an integer of bytes\n"
            "main.toml:3:20: key 'shutdown_timeout' must be a duration (e.g. \"250ms\", \"5s\", "
            "\"1m\"), got a float\n"
            "  hint: e.g. shutdown_timeout = \"30s\"\n"
            "main.toml:4:12: key 'data_dir' must be a string, got an array\n"
            "  hint: e.g. data_dir = \"/var/lib/runnel\"\n");
}

TEST_F(ConfigTest, ErrorsAreCollectedAcrossFilesInReadOrder) {
  Write("conf.d/b.toml", "[inputs.b]\ntype = \"stdin\"\nbogus = 1\n");
  Write("conf.d/a.toml", "[inputs.a]\ntype = \"stdin\"\nbogus = 1\n");
  EXPECT_EQ(Errors(WithPipeline("[inputs.m]\ntype = \"stdin\"\nbogus = 1\n")),
            "main.toml:12:1: inputs.m (stdin): unknown key 'bogus'\n"
            "  hint: valid keys are: inputs, type\n"
            "conf.d/a.toml:3:1: inputs.a (stdin): unknown key 'bogus'\n"
            "  hint: valid keys are: inputs, type\n"
            "conf.d/b.toml:3:1: inputs.b (stdin): unknown key 'bogus'\n"
            "  hint: valid keys are: inputs, type\n");
}

}  // namespace
}  // namespace runnel::config::testing
