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
  // The options core adds to every output (buffer.*, acknowledgements) come last.
  EXPECT_EQ(
      DescribePlugin(*file),
      "file (output plugin, stable)\n"
      "Appends events to a file.\n"
      "\n"
      "  KEY                   TYPE              DEFAULT     DESCRIPTION\n"
      "  type                  string            (required)  Must be \"file\".\n"
      "  inputs                array of strings  (required)  Names or globs of the inputs and "
      "filters that\n"
      "                                                      feed this one.\n"
      "  path                  string            (required)  The file to write.\n"
      "  flush_interval        duration          \"5s\"        How often to flush.\n"
      "  buffer.type           enum              (none)      Where batches wait for this output: "
      "\"memory\"\n"
      "                                                      or \"disk\" (a segmented log under\n"
      "                                                      data_dir/outputs.NAME/buffer that "
      "survives a\n"
      "                                                      crash). Default: memory in "
      "runnel-agent, disk\n"
      "                                                      in runnel-aggregator. One of "
      "\"memory\", \"disk\".\n"
      "  buffer.max_bytes      size              (none)      Cap on the buffer. Default: memory, a "
      "share of\n"
      "                                                      memory_limit (memory_limit divided by "
      "the\n"
      "                                                      number of outputs plus one, between "
      "1MiB and\n"
      "                                                      16MiB); disk, 2GiB.\n"
      "  buffer.when_full      enum              \"block\"     When the buffer is full: \"block\" "
      "makes the\n"
      "                                                      inputs that feed this output wait "
      "(and so\n"
      "                                                      every other output they feed); "
      "\"drop_oldest\"\n"
      "                                                      discards the oldest batches, counted "
      "in\n"
      "                                                      dropped_total, so the inputs never "
      "wait for\n"
      "                                                      this output. One of \"block\", "
      "\"drop_oldest\".\n"
      "  buffer.sync           enum              (none)      Disk buffer only: when appended "
      "batches are\n"
      "                                                      fsynced. \"always\": before they are\n"
      "                                                      acknowledged (survives power loss);\n"
      "                                                      \"interval\": every sync_interval "
      "(survives a\n"
      "                                                      crash of runnel; a power loss may "
      "lose the\n"
      "                                                      last interval); \"never\": left to "
      "the kernel.\n"
      "                                                      Default: interval. One of "
      "\"always\",\n"
      "                                                      \"interval\", \"never\".\n"
      "  buffer.sync_interval  duration          (none)      Disk buffer with sync = \"interval\": "
      "time\n"
      "                                                      between fsyncs. Default: 1s.\n"
      "  acknowledgements      enum              \"durable\"   When this output's part of a "
      "batch's\n"
      "                                                      acknowledgement completes, so that "
      "its source\n"
      "                                                      commits (tail checkpoints, forward "
      "acks):\n"
      "                                                      \"durable\" once the output delivered "
      "it or it\n"
      "                                                      is in a disk buffer; \"accepted\" as "
      "soon as it\n"
      "                                                      is in a memory buffer (a crash then "
      "loses what\n"
      "                                                      that buffer held). One of "
      "\"durable\",\n"
      "                                                      \"accepted\".\n");
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
            "  KEY                TYPE              DEFAULT            DESCRIPTION\n"
            "  data_dir           string            \"/var/lib/runnel\"  Directory for state: "
            "checkpoints, disk\n"
            "                                                          buffers, dead letters.\n"
            "  log_level          enum              \"info\"             Level of runnel's own "
            "logs, written to\n"
            "                                                          stderr. One of \"trace\", "
            "\"debug\", \"info\",\n"
            "                                                          \"warn\", \"error\", "
            "\"off\".\n"
            "  memory_limit       size              \"256MiB\"           Memory budget shared by "
            "every memory\n"
            "                                                          buffer: the batches queued "
            "for the outputs\n"
            "                                                          and held by them until "
            "delivered (a\n"
            "                                                          forward output's frames "
            "waiting for acks),\n"
            "                                                          and those read back from "
            "disk buffers. The\n"
            "                                                          process's RSS stays under "
            "it plus 2% and\n"
            "                                                          40MiB (the process itself, "
            "batches being\n"
            "                                                          read and filtered, "
            "allocator slack;\n"
            "                                                          docs/architecture.md, "
            "Memory).\n"
            "  shutdown_timeout   duration          \"30s\"              How long a stop may take "
            "to deliver or\n"
            "                                                          buffer what is in flight.\n"
            "  include            array of strings  (none)             More config files to read, "
            "relative to\n"
            "                                                          this file; globs allowed.\n"
            "  api.address        string            (none)             In [api]: host:port of the "
            "HTTP admin API\n"
            "                                                          (GET /metrics, /health, "
            "/ready); the API\n"
            "                                                          is off without it. Port 0 "
            "picks a free\n"
            "                                                          port, logged as \"[api] "
            "listening on\n"
            "                                                          HOST:PORT\". No "
            "authentication: keep it on\n"
            "                                                          loopback.\n"
            "  api.health_window  duration          \"60s\"              In [api]: /health answers "
            "503 when an\n"
            "                                                          output has had batches to "
            "deliver and\n"
            "                                                          delivered none for this "
            "long. Between 1s\n"
            "                                                          and 24h.\n");
}

}  // namespace
}  // namespace runnel::config::testing
