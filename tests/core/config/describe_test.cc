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
  EXPECT_EQ(DescribePlugin(*tail),
            "tail (input plugin, stable)\n"
            "Reads lines from files.\n"
            "\n"
            "  KEY               TYPE              DEFAULT     DESCRIPTION\n"
            "  type              string            (required)  Must be \"tail\".\n"
            "  paths             array of strings  (required)  Files to read; globs allowed.\n"
            "  read_from         enum              \"head\"      Where to start in a new file. "
            "One of \"head\", \"tail\".\n"
            "  max_line_size     size              \"64KiB\"     Longest line kept whole.\n"
            "  refresh_interval  duration          \"1s\"        How often to glob. From 10ms "
            "to 1h.\n"
            "  workers           integer           2           Reader threads. From 1 to 64.\n"
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
            "filters that feed this one.\n"
            "  path            string            (required)  The file to write.\n"
            "  flush_interval  duration          \"5s\"        How often to flush.\n");
}

TEST(DescribeTest, ListPlugins) {
  EXPECT_EQ(ListPlugins(MakeTestRegistry()),
            "INPUTS\n"
            "  stdin   beta    Reads lines from standard input.\n"
            "  syslog  alpha   Receives syslog messages.\n"
            "  tail    stable  Reads lines from files.\n"
            "FILTERS\n"
            "  grep   beta    Keeps matching events.\n"
            "  parse  stable  Parses a field into the record.\n"
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
            "checkpoints, disk buffers, dead letters.\n"
            "  log_level         enum              \"info\"             Level of runnel's own "
            "logs, written to stderr. One of \"trace\", \"debug\", \"info\", \"warn\", \"error\", "
            "\"off\".\n"
            "  memory_limit      size              \"256MiB\"           Memory budget shared by "
            "every queue of the process.\n"
            "  shutdown_timeout  duration          \"30s\"              How long a stop may take "
            "to deliver or buffer what is in flight.\n"
            "  include           array of strings  (none)             More config files to "
            "read, relative to this file; globs allowed.\n");
}

}  // namespace
}  // namespace runnel::config::testing
