// LoadConfig's wiring checks: `inputs` presence, references, globs, outputs, cycles.

#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/core/config/config_test_util.h"

namespace runnel::config::testing {
namespace {

std::string WithPipeline(const std::string& extra) {
  return std::string(kValidPipeline) + "\n" + extra;
}

TEST_F(ConfigTest, InputsKeyRequiredOnFiltersAndOutputsOnly) {
  EXPECT_EQ(Errors(WithPipeline(R"([inputs.x]
type = "stdin"
inputs = ["app"]
[filters.f]
type = "grep"
pattern = "a"
[outputs.o]
type = "file"
path = "/o"
inputs = []
[outputs.p]
type = "file"
path = "/p"
inputs = "app"
[outputs.q]
type = "file"
path = "/q"
inputs = ["app", 7]
)")),
            "main.toml:12:1: inputs.x (stdin): key 'inputs' is not allowed on an input\n"
            "  hint: an input reads from outside the pipeline; remove 'inputs'\n"
            "main.toml:13:1: filters.f (grep): missing required key 'inputs'\n"
            "  hint: list what feeds this component, e.g. inputs = [\"app\"]; the components that "
            "exist are: app, x\n"
            "main.toml:19:1: outputs.o (file): key 'inputs' is empty\n"
            "  hint: list at least one input or filter; the components that exist are: app, x, f\n"
            "main.toml:23:10: outputs.p (file): key 'inputs' must be an array of strings, got a "
            "string\n"
            "  hint: e.g. inputs = [\"app\", \"app_*\"]\n"
            "main.toml:27:18: outputs.q (file): key 'inputs' must be an array of strings, got an "
            "array containing an integer\n"
            "  hint: e.g. inputs = [\"app\", \"app_*\"]\n");
}

TEST_F(ConfigTest, BadReferencesInInputs) {
  EXPECT_EQ(Errors(WithPipeline(R"([filters.f]
type = "grep"
pattern = "a"
inputs = ["ap", "nothing_like_it", "web_*", "out", "ou*"]
)")),
            "main.toml:13:11: filters.f (grep): 'inputs' names 'ap', which does not exist\n"
            "  hint: did you mean 'app'? the components that exist are: app\n"
            "main.toml:13:17: filters.f (grep): 'inputs' names 'nothing_like_it', which does not "
            "exist\n"
            "  hint: the components that exist are: app\n"
            "main.toml:13:36: filters.f (grep): pattern 'web_*' in 'inputs' matches no input or "
            "filter\n"
            "  hint: the components that exist are: app\n"
            "main.toml:13:45: filters.f (grep): 'inputs' names outputs.out, but an output cannot "
            "feed anything\n"
            "  hint: read from inputs and filters only; the components that exist are: app\n"
            "main.toml:13:52: filters.f (grep): pattern 'ou*' in 'inputs' matches no input or "
            "filter\n"
            "  hint: the components that exist are: app\n");
}

TEST_F(ConfigTest, CyclesAmongFiltersArePrintedInDataFlowOrder) {
  EXPECT_EQ(Errors(WithPipeline(R"([filters.a]
type = "grep"
pattern = "x"
inputs = ["app", "c"]
[filters.b]
type = "grep"
pattern = "x"
inputs = ["a"]
[filters.c]
type = "grep"
pattern = "x"
inputs = ["b"]
[filters.self]
type = "grep"
pattern = "x"
inputs = ["self"]
[filters.d]
type = "grep"
pattern = "x"
inputs = ["e", "app"]
[filters.e]
type = "grep"
pattern = "x"
inputs = ["d"]
[outputs.sink]
type = "file"
path = "/s"
inputs = ["*"]
)")),
            "main.toml:10:1: filters.a (grep): cycle among filters: filters.a -> filters.b -> "
            "filters.c -> filters.a\n"
            "  hint: a filter cannot read its own output, directly or through other filters; "
            "remove one of these inputs\n"
            "main.toml:22:1: filters.self (grep): cycle among filters: filters.self -> "
            "filters.self\n"
            "  hint: a filter cannot read its own output, directly or through other filters; "
            "remove one of these inputs\n"
            "main.toml:26:1: filters.d (grep): cycle among filters: filters.d -> filters.e -> "
            "filters.d\n"
            "  hint: a filter cannot read its own output, directly or through other filters; "
            "remove one of these inputs\n");
}

TEST_F(ConfigTest, TwoFilterCycle) {
  EXPECT_EQ(Errors(WithPipeline(R"([filters.a]
type = "grep"
pattern = "x"
inputs = ["b"]
[filters.b]
type = "grep"
pattern = "x"
inputs = ["a", "app"]
)")),
            "main.toml:10:1: filters.a (grep): cycle among filters: filters.a -> filters.b -> "
            "filters.a\n"
            "  hint: a filter cannot read its own output, directly or through other filters; "
            "remove one of these inputs\n");
}

TEST_F(ConfigTest, DiamondIsNotACycle) {
  Write("main.toml", WithPipeline(R"([filters.l]
type = "grep"
pattern = "x"
inputs = ["app"]
[filters.r]
type = "grep"
pattern = "x"
inputs = ["app"]
[filters.join]
type = "grep"
pattern = "x"
inputs = ["l", "r"]
[outputs.o2]
type = "file"
path = "/o2"
inputs = ["join", "l"]
)"));
  ConfigLoadResult result = Load("main.toml");
  EXPECT_EQ(result.ErrorText(), "");
  EXPECT_EQ(result.WarningText(), "");
  ASSERT_EQ(result.config.filters.size(), 3u);
  EXPECT_EQ(result.config.filters[2].inputs(), (std::vector<std::string>{"l", "r"}));
}

TEST_F(ConfigTest, GlobOnAFilterNeverMatchesItself) {
  Write("main.toml", R"([inputs.app]
type = "stdin"
[filters.all]
type = "grep"
pattern = "x"
inputs = ["*"]
[outputs.out]
type = "file"
path = "/x"
inputs = ["all"]
)");
  ConfigLoadResult result = Load("main.toml");
  ASSERT_TRUE(result.ok()) << result.ErrorText();
  EXPECT_EQ(result.config.filters.at(0).inputs(), std::vector<std::string>{"app"});
}

TEST_F(ConfigTest, EmptyConfigHasNoInputsAndNoOutputs) {
  EXPECT_EQ(Errors("# nothing\n"),
            "main.toml: no inputs are defined\n"
            "  hint: declare one as [inputs.NAME] with a type, one of: stdin, syslog, tail\n"
            "main.toml: no outputs are defined\n"
            "  hint: declare one as [outputs.NAME] with a type, one of: file, forward\n");
}

}  // namespace
}  // namespace runnel::config::testing
