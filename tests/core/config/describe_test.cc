// DescribePlugin / ListPlugins / DescribeGlobals: the exact text --describe and --list-plugins
// print.

#include "config/describe.h"

#include <gtest/gtest.h>

#include "tests/core/config/config_test_util.h"

namespace runnel::config::testing {
namespace {

TEST(DescribeTest, InputPlugin) {
  const PluginRegistry registry = MakeTestRegistry();
  const PluginInfo* tail = registry.Find(PluginKind::kInput, "tail");
  ASSERT_NE(tail, nullptr);
  // Descriptions wrap at 100 columns, continuation lines aligned under the column.
  EXPECT_EQ(DescribePlugin(*tail),
            "tail (input plugin, stable)\n"
            "Reads lines from files.\n"
            "\n"
            "  KEY               TYPE              DEFAULT     DESCRIPTION\n"
            "  type              string            (required)  Must be \"tail\".\n"
            "  paths             array of strings  (required)  Files to read; globs allowed.\n"
            "  read_from         enum              \"head\"      Where to start in a new file. "
            "One of \"head\",\n"
            "                                                  \"tail\".\n"
            "  max_line_size     size              \"64KiB\"     Longest line kept whole.\n"
            "  refresh_interval  duration          \"1s\"        How often to glob. Between 10ms "
            "and 1h.\n"
            "  workers           integer           2           Reader threads. Between 1 and 64.\n"
            "  follow            boolean           true        Keep reading at the end of a "
            "file.\n"
            "  labels            table of strings  (none)      Fields added to every event.\n");
}

TEST(DescribeTest, OutputPluginListsInputs) {
  const PluginRegistry registry = MakeTestRegistry();
  const PluginInfo* file = registry.Find(PluginKind::kOutput, "file");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(DescribePlugin(*file),
            "file (output plugin, stable)\n"
            "Appends events to a file.\n"
            "\n"
            "  KEY             TYPE              DEFAULT     DESCRIPTION\n"
            "  type            string            (required)  Must be \"file\".\n"
            "  inputs          array of strings  (required)  Names or globs of the inputs and "
            "filters that feed\n"
            "                                                this one.\n"
            "  path            string            (required)  The file to write.\n"
            "  flush_interval  duration          \"5s\"        How often to flush.\n");
}

TEST(DescribeTest, LongPluginDescriptionWrapsAndUnboundedMaxIsLeftOut) {
  PluginInfo info;
  info.name = "gen";
  info.kind = PluginKind::kInput;
  info.stability = Stability::kAlpha;
  info.description =
      "Generates lines. This description is long enough that it has to be wrapped once it "
      "passes one hundred columns of text.";
  info.schema.Optional("count", FieldType::kInt, "0", "How many.").Range(0, INT64_MAX);
  EXPECT_EQ(DescribePlugin(info),
            "gen (input plugin, alpha)\n"
            "Generates lines. This description is long enough that it has to be wrapped once it "
            "passes one\n"
            "hundred columns of text.\n"
            "\n"
            "  KEY    TYPE     DEFAULT     DESCRIPTION\n"
            "  type   string   (required)  Must be \"gen\".\n"
            "  count  integer  0           How many. At least 0.\n");
}

TEST(DescribeTest, ListPluginsAlignsEveryKind) {
  EXPECT_EQ(ListPlugins(MakeTestRegistry()),
            "INPUTS\n"
            "  stdin    beta    Reads lines from standard input.\n"
            "  syslog   alpha   Receives syslog messages.\n"
            "  tail     stable  Reads lines from files.\n"
            "FILTERS\n"
            "  grep     beta    Keeps matching events.\n"
            "  parse    stable  Parses a field into the record.\n"
            "OUTPUTS\n"
            "  file     stable  Appends events to a file.\n"
            "  forward  beta    Sends to Forward peers.\n");
  EXPECT_EQ(ListPlugins(PluginRegistry()),
            "INPUTS\n  (none)\nFILTERS\n  (none)\nOUTPUTS\n  (none)\n");
}

TEST(DescribeTest, Globals) {
  EXPECT_EQ(DescribeGlobals(),
            "Top-level keys\n"
            "\n"
            "  KEY               TYPE              DEFAULT            DESCRIPTION\n"
            "  data_dir          string            \"/var/lib/runnel\"  Directory for state: "
            "checkpoints, disk\n"
            "                                                         buffers, dead letters.\n"
            "  log_level         enum              \"info\"             Level of runnel's own "
            "logs, written to\n"
            "                                                         stderr. One of \"trace\", "
            "\"debug\", \"info\",\n"
            "                                                         \"warn\", \"error\", "
            "\"off\".\n"
            "  memory_limit      size              \"256MiB\"           Memory budget shared by "
            "every queue of the\n"
            "                                                         process.\n"
            "  shutdown_timeout  duration          \"30s\"              How long a stop may take "
            "to deliver or\n"
            "                                                         buffer what is in flight.\n"
            "  include           array of strings  (none)             More config files to read, "
            "relative to this\n"
            "                                                         file; globs allowed.\n");
}

}  // namespace
}  // namespace runnel::config::testing
