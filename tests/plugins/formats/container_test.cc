// Golden tests of the container log scanners. CRI lines follow the Kubernetes CRI logging
// proposal
// (https://github.com/kubernetes/design-proposals-archive/blob/main/node/kubelet-cri-logging.md);
// Docker lines the json-file driver docs
// (https://docs.docker.com/engine/logging/drivers/json-file/).
#include "plugins/formats/container.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "tests/plugins/formats/format_test_util.h"

namespace runnel::formats {
namespace {

TEST(Cri, PartialAndFullLines) {
  const Scanned p = Scan("cri", "2016-10-06T00:17:09.669794202Z stdout P log content 1");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.fields, "stream=\"stdout\" logtag=\"P\" log=\"log content 1\"");
  EXPECT_EQ(p.time, (EventTime{1475713029, 669794202}));
  const Scanned f = Scan("cri", "2016-10-06T00:17:09.669794203Z stderr F log content 2");
  EXPECT_EQ(f.fields, "stream=\"stderr\" logtag=\"F\" log=\"log content 2\"");
  EXPECT_EQ(f.time, (EventTime{1475713029, 669794203}));
}

TEST(Cri, LogKeptAsIs) {
  EXPECT_EQ(Scan("cri", "2024-05-06T09:08:09.5+02:00 stdout F  two  spaces \t").fields,
            "stream=\"stdout\" logtag=\"F\" log=\" two  spaces \\t\"");
  EXPECT_EQ(Scan("cri", "2024-05-06T09:08:09.5+02:00 stdout F  x").time,
            (EventTime{1714979289, 500000000}));
  EXPECT_EQ(Scan("cri", "2024-05-06T07:08:09Z stdout F ").fields,
            "stream=\"stdout\" logtag=\"F\" log=\"\"");
  EXPECT_EQ(Scan("cri", "2024-05-06T07:08:09Z stdout F").fields,
            "stream=\"stdout\" logtag=\"F\" log=\"\"");
  EXPECT_EQ(Scan("cri", "2024-05-06T07:08:09Z stdout F:x {\"a\":1}").fields,
            "stream=\"stdout\" logtag=\"F:x\" log=\"{\\\"a\\\":1}\"");
}

TEST(Cri, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not a CRI log line: no RFC 3339 time at the start"},
      {"2024-05-06 07:08:09Z stdout F x", "not a CRI log line: no RFC 3339 time at the start"},
      {"2024-05-06T07:08:09 stdout F x", "not a CRI log line: no RFC 3339 time at the start"},
      {"2024-05-06T07:08:09Zstdout F x", "not a CRI log line: the time is not followed by a space"},
      {"2024-05-06T07:08:09Z stdin F x",
       "not a CRI log line: the stream is neither stdout nor stderr"},
      {"2024-05-06T07:08:09Z stdout", "not a CRI log line: no tag after the stream"},
      {"2024-05-06T07:08:09Z stdout X x", "not a CRI log line: the tag is neither F nor P"},
      {"2024-05-06T07:08:09Z stdout Full x", "not a CRI log line: the tag is neither F nor P"},
      {"2024-05-06T07:08:09Z stdout  F x", "not a CRI log line: the tag is neither F nor P"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("cri", line).error, error) << line;
  }
}

TEST(Docker, DocumentedLine) {
  const Scanned s = Scan(
      "docker",
      R"({"log":"Log line is here\n","stream":"stdout","time":"2019-01-01T11:11:11.111111111Z"})");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields, R"(log="Log line is here\n" stream="stdout")");
  EXPECT_EQ(s.time, (EventTime{1546341071, 111111111}));
}

TEST(Docker, EscapesAttrsAndPartialLines) {
  const Scanned s =
      Scan("docker",
           R"({"log":"caf\u00e9 \"q\" \ud83d\ude00 \t\/","stream":"stderr","attrs":{"tag":"web",)"
           R"("env":["A=1",2,true,null,-1.5]},"time":"2024-05-06T07:08:09Z","n":7})");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "log=\"caf\xC3\xA9 \\\"q\\\" \xF0\x9F\x98\x80 \\t/\" stream=\"stderr\" "
            "attrs={\"tag\":\"web\",\"env\":[\"A=1\",2,true,null,-1.5]} n=7");
  EXPECT_EQ(s.time, (EventTime{1714979289, 0}));
  // A part of a long line has no trailing newline; it stays so.
  EXPECT_EQ(Scan("docker", R"( { "log" : "part" , "stream" : "stdout" } )").fields,
            R"(log="part" stream="stdout")");
  EXPECT_EQ(Scan("docker", R"({"log":"x","stream":"stdout"})").time, (EventTime{1, 2}));
}

TEST(Docker, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not a Docker json-file line: not a JSON object"},
      {"[1]", "not a Docker json-file line: not a JSON object"},
      {"{}", "not a Docker json-file line: no \"log\" member"},
      {R"({"stream":"stdout"})", "not a Docker json-file line: no \"log\" member"},
      {R"({"log":1})", "not a Docker json-file line: \"log\" is not a string"},
      {R"({"log":"x","time":"yesterday"})",
       "not a Docker json-file line: \"time\" is not an RFC 3339 time"},
      {R"({"log":"x","time":1700000000})",
       "not a Docker json-file line: \"time\" is not an RFC 3339 time"},
      {R"({"log":"x)", "invalid JSON: an unterminated string"},
      {R"({"log":"x\q"})", "invalid JSON: a bad string"},
      {"{\"log\":\"a\tb\"}", "invalid JSON: a bad string"},
      {R"({"log":"x" "stream":"y"})", "invalid JSON: expected ',' or '}' after a member"},
      {R"({"log":"x",})", "invalid JSON: a member has no string key"},
      {R"({"log" "x"})", "invalid JSON: a key is not followed by ':'"},
      {R"({"log":"x"} x)", "invalid JSON: text after the object"},
      {R"({"log":"x","a":01})", "invalid JSON: a bad value"},
      {R"({"log":"x","a":tru})", "invalid JSON: a bad value"},
      {R"({"log":"x","a":1e999})", "invalid JSON: a number out of range"},
      {R"({"log":"x","a":[1 2]})", "invalid JSON: expected ',' or the end of a container"},
      {R"({"log":"x","a":{"b":1)", "invalid JSON: the text ends inside the object"},
      {R"({"log":"x")", "invalid JSON: the text ends inside the object"},
      {R"({"log":"x","a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})",
       "invalid JSON: nested deeper than 32 levels"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("docker", line).error, error) << line;
  }
}

}  // namespace
}  // namespace runnel::formats
