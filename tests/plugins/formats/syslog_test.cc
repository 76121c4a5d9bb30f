// Golden tests of the syslog scanners. The RFC 5424 lines are the examples of RFC 5424
// section 6.5 (https://www.rfc-editor.org/rfc/rfc5424#section-6.5); the RFC 3164 ones follow
// RFC 3164 section 5.4 (https://www.rfc-editor.org/rfc/rfc3164#section-5.4), rsyslog's
// RSYSLOG_ForwardFormat template (https://www.rsyslog.com/doc/configuration/templates.html)
// and Cisco IOS's "service timestamps log datetime msec" output
// (https://www.cisco.com/c/en/us/td/docs/routers/access/wireless/software/guide/SysMsgLogging.html).
#include "plugins/formats/syslog.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/plugins/formats/format_test_util.h"

namespace runnel::formats {
namespace {

// 2026-01-10T00:00:00Z: BSD timestamps get the year 2026, or 2025 for late December.
constexpr int64_t kNow = 1768003200;

ScanOptions AtNow(int32_t offset = 0) {
  ScanOptions options;
  options.now_seconds = kNow;
  options.utc_offset_seconds = offset;
  return options;
}

TEST(Syslog5424, RfcExampleWithBom) {
  const Scanned s = Scan("syslog_rfc5424",
                         "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
                         "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=34 facility=\"auth\" severity=\"crit\" version=1 "
            "hostname=\"mymachine.example.com\" appname=\"su\" msgid=\"ID47\" "
            "message=\"'su root' failed for lonvick on /dev/pts/8\"");
  EXPECT_EQ(s.time, (EventTime{1065910455, 3000000}));
}

TEST(Syslog5424, ZoneAndMicroseconds) {
  const Scanned s = Scan("syslog_rfc5424",
                         "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
                         "%% It's time to make the do-nuts.");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=165 facility=\"local4\" severity=\"notice\" version=1 hostname=\"192.0.2.1\" "
            "appname=\"myproc\" procid=\"8710\" message=\"%% It's time to make the do-nuts.\"");
  EXPECT_EQ(s.time, (EventTime{1061727255, 3000}));
}

TEST(Syslog5424, StructuredData) {
  const Scanned s = Scan(
      "syslog_rfc5424",
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
      "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 "
      "class=\"high\"]");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=165 facility=\"local4\" severity=\"notice\" version=1 "
            "hostname=\"mymachine.example.com\" appname=\"evntslog\" msgid=\"ID47\" "
            "structured_data={\"exampleSDID@32473\":{\"iut\":\"3\",\"eventSource\":"
            "\"Application\",\"eventID\":\"1011\"},\"examplePriority@32473\":{\"class\":"
            "\"high\"}}");
}

TEST(Syslog5424, EscapesRepeatedIdsAndNilTimestamp) {
  const Scanned s =
      Scan("syslog_rfc5424", R"(<14>1 - host app 12 - [a x="q\"b\\c\]d\e" x="2"][a][b@1 y=""] hi)");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            R"(pri=14 facility="user" severity="info" version=1 hostname="host" appname="app" )"
            R"(procid="12" structured_data={"a":{"x":"q\"b\\c]d\\e","x":"2"},"a":{},"b@1":)"
            R"({"y":""}} message="hi")");
  EXPECT_EQ(s.time, (EventTime{1, 2}));  // NILVALUE: unchanged
}

TEST(Syslog5424, AllNilAndTrailingNewline) {
  const Scanned s = Scan("syslog_rfc5424", "<0>1 - - - - - -\r\n");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields, "pri=0 facility=\"kern\" severity=\"emerg\" version=1");
}

TEST(Syslog5424, CutAfterMsgid) {
  const Scanned s = Scan("syslog_rfc5424", "<191>12 2024-01-02T03:04:05+01:00 h a p m");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=191 facility=\"local7\" severity=\"debug\" version=12 hostname=\"h\" "
            "appname=\"a\" procid=\"p\" msgid=\"m\"");
  EXPECT_EQ(s.time, (EventTime{1704161045, 0}));
}

TEST(Syslog5424, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not an RFC 5424 message: no valid PRI (\"<0>\" to \"<191>\") at the start"},
      {"<192>1 - - - - - -",
       "not an RFC 5424 message: no valid PRI (\"<0>\" to \"<191>\") at the start"},
      {"<013>1 - - - - - -",
       "not an RFC 5424 message: no valid PRI (\"<0>\" to \"<191>\") at the start"},
      {"<13>Jan  1 00:00:00 host x", "not an RFC 5424 message: no VERSION after PRI"},
      {"<13>0 - - - - - -", "not an RFC 5424 message: no VERSION after PRI"},
      {"<13>1- - - - - -", "not an RFC 5424 message: VERSION not followed by a space"},
      {"<13>1 2024-01-02 03:04:05Z h a p m -",
       "not an RFC 5424 message: TIMESTAMP is neither '-' nor an RFC 3339 time"},
      {"<13>1 2024-01-02T03:04:05 h a p m -",
       "not an RFC 5424 message: TIMESTAMP is neither '-' nor an RFC 3339 time"},
      {"<13>1 2024-02-30T03:04:05Z h a p m -",
       "not an RFC 5424 message: TIMESTAMP is neither '-' nor an RFC 3339 time"},
      {"<13>1 2024-01-02T03:04:05Zx h a p m -",
       "not an RFC 5424 message: TIMESTAMP not followed by a space"},
      {"<13>1 -x h a p m -", "not an RFC 5424 message: TIMESTAMP not followed by a space"},
      {"<13>1 -", "not an RFC 5424 message: HOSTNAME is missing or not printable ASCII"},
      {"<13>1 - h", "not an RFC 5424 message: APP-NAME is missing or not printable ASCII"},
      {"<13>1 - h a", "not an RFC 5424 message: PROCID is missing or not printable ASCII"},
      {"<13>1 - h a p", "not an RFC 5424 message: MSGID is missing or not printable ASCII"},
      {"<13>1 - h\xC3\xA9 a p m -",
       "not an RFC 5424 message: HOSTNAME is missing or not printable ASCII"},
      {"<13>1 - h a p m  -", "not an RFC 5424 message: STRUCTURED-DATA is neither '-' nor '['"},
      {"<13>1 - h a p m x", "not an RFC 5424 message: STRUCTURED-DATA is neither '-' nor '['"},
      {"<13>1 - h a p m [", "not an RFC 5424 message: an SD-ELEMENT has no SD-ID"},
      {"<13>1 - h a p m [id", "not an RFC 5424 message: an SD-ELEMENT is not closed by ']'"},
      {"<13>1 - h a p m [id =\"1\"]", "not an RFC 5424 message: an SD-PARAM has no PARAM-NAME"},
      {"<13>1 - h a p m [id k=1]", "not an RFC 5424 message: PARAM-NAME not followed by =\""},
      {"<13>1 - h a p m [id k=\"1]", "not an RFC 5424 message: a PARAM-VALUE has no closing quote"},
      {"<13>1 - h a p m [id k=\"1\\\"]",
       "not an RFC 5424 message: a PARAM-VALUE has no closing quote"},
      {"<13>1 - h a p m -x", "not an RFC 5424 message: STRUCTURED-DATA not followed by a space"},
      {"<13>1 - h a p m [id]x", "not an RFC 5424 message: STRUCTURED-DATA not followed by a space"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("syslog_rfc5424", line).error, error) << line;
  }
}

TEST(Syslog3164, RfcExample) {
  const Scanned s =
      Scan("syslog_rfc3164",
           "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", AtNow());
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=34 facility=\"auth\" severity=\"crit\" hostname=\"mymachine\" appname=\"su\" "
            "message=\"'su root' failed for lonvick on /dev/pts/8\"");
  // October is more than a week after "now" (January 2026): last year's.
  EXPECT_EQ(s.time.sec, 1760220855u);  // 2025-10-11T22:14:15Z
}

TEST(Syslog3164, PidSpacePaddedDayAndZone) {
  const Scanned s =
      Scan("syslog_rfc3164", "<13>Jan  2 03:04:05 web-1 sshd[4242]: Accepted publickey for root",
           AtNow(2 * 3600));
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=13 facility=\"user\" severity=\"notice\" hostname=\"web-1\" appname=\"sshd\" "
            "procid=\"4242\" message=\"Accepted publickey for root\"");
  EXPECT_EQ(s.time, (EventTime{1767315845, 0}));  // 2026-01-02T01:04:05Z (03:04:05 at +02:00)
}

TEST(Syslog3164, YearInference) {
  // Late December read in January: last year. A little ahead of now: this year.
  EXPECT_EQ(Scan("syslog_rfc3164", "Dec 30 23:59:58 h t: m", AtNow()).time.sec, 1767139198u);
  EXPECT_EQ(Scan("syslog_rfc3164", "Jan 15 10:00:00 h t: m", AtNow()).time.sec, 1768471200u);
  EXPECT_EQ(Scan("syslog_rfc3164", "Jan 18 00:00:00 h t: m", AtNow()).time.sec,
            1736935200u + 2 * 86400 + 14 * 3600);  // 8 days ahead: 2025-01-18
}

TEST(Syslog3164, SingleDigitDayNoPriNoPid) {
  const Scanned s = Scan("syslog_rfc3164", "Jan 2 03:04:05 host kernel: eth0 link up", AtNow());
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields, "hostname=\"host\" appname=\"kernel\" message=\"eth0 link up\"");
  EXPECT_EQ(s.time, (EventTime{1767323045, 0}));
}

TEST(Syslog3164, Rfc3339TimestampFromRsyslog) {
  const Scanned s = Scan(
      "syslog_rfc3164",
      "<30>2024-01-02T04:04:05.123456+01:00 app-host systemd[1]: Started Session 7 of user u.");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=30 facility=\"daemon\" severity=\"info\" hostname=\"app-host\" "
            "appname=\"systemd\" procid=\"1\" message=\"Started Session 7 of user u.\"");
  EXPECT_EQ(s.time, (EventTime{1704164645, 123456000}));
}

TEST(Syslog3164, NoHostname) {
  const Scanned s = Scan("syslog_rfc3164", "<13>Jan  2 03:04:05 myapp[7]: started", AtNow());
  EXPECT_EQ(s.fields,
            "pri=13 facility=\"user\" severity=\"notice\" appname=\"myapp\" procid=\"7\" "
            "message=\"started\"");
  EXPECT_EQ(Scan("syslog_rfc3164", "<13>Jan  2 03:04:05 myapp: started", AtNow()).fields,
            "pri=13 facility=\"user\" severity=\"notice\" appname=\"myapp\" message=\"started\"");
}

TEST(Syslog3164, TagWithoutColonOrWithoutTag) {
  EXPECT_EQ(Scan("syslog_rfc3164", "<13>Jan  2 03:04:05 h cron[12] job done", AtNow()).fields,
            "pri=13 facility=\"user\" severity=\"notice\" hostname=\"h\" appname=\"cron\" "
            "procid=\"12\" message=\"job done\"");
  EXPECT_EQ(Scan("syslog_rfc3164", "<13>Jan  2 03:04:05 h just a message", AtNow()).fields,
            "pri=13 facility=\"user\" severity=\"notice\" hostname=\"h\" "
            "message=\"just a message\"");
}

TEST(Syslog3164, CiscoIos) {
  const Scanned s = Scan(
      "syslog_rfc3164",
      "<189>123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from console by vty0", AtNow());
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "pri=189 facility=\"local7\" severity=\"notice\" sequence=123 "
            "message=\"%SYS-5-CONFIG_I: Configured from console by vty0\"");
  EXPECT_EQ(s.time, (EventTime{1740854771, 123000000}));  // 2025-03-01: March 2026 is ahead
  const Scanned synced =
      Scan("syslog_rfc3164", "<187>45: .Jan  9 10:00:00.5: %LINK-3-UPDOWN: Interface Gi0/1, down",
           AtNow());
  EXPECT_EQ(synced.fields,
            "pri=187 facility=\"local7\" severity=\"err\" sequence=45 "
            "message=\"%LINK-3-UPDOWN: Interface Gi0/1, down\"");
  EXPECT_EQ(synced.time, (EventTime{1767952800, 500000000}));
}

TEST(Syslog3164, TruncatedLinesKeepWhatTheyHave) {
  EXPECT_EQ(Scan("syslog_rfc3164", "<13>Jan  2 03:04:05", AtNow()).fields,
            "pri=13 facility=\"user\" severity=\"notice\"");
  EXPECT_EQ(Scan("syslog_rfc3164", "<13>Jan  2 03:04:05 hos", AtNow()).fields,
            "pri=13 facility=\"user\" severity=\"notice\" hostname=\"hos\"");
  EXPECT_EQ(Scan("syslog_rfc3164", "<13>Jan  2 03:04:05 host ssh", AtNow()).fields,
            "pri=13 facility=\"user\" severity=\"notice\" hostname=\"host\" message=\"ssh\"");
}

TEST(Syslog3164, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not an RFC 3164 message: no \"Mmm dd hh:mm:ss\" or ISO 8601 timestamp"},
      {"hello world", "not an RFC 3164 message: no \"Mmm dd hh:mm:ss\" or ISO 8601 timestamp"},
      {"<13>Jan  2 03:0", "not an RFC 3164 message: no \"Mmm dd hh:mm:ss\" or ISO 8601 timestamp"},
      {"<13>Jan 32 03:04:05 h t: m",
       "not an RFC 3164 message: no \"Mmm dd hh:mm:ss\" or ISO 8601 timestamp"},
      {"<13>jan  2 03:04:05 h t: m",
       "not an RFC 3164 message: no \"Mmm dd hh:mm:ss\" or ISO 8601 timestamp"},
      {"<13>2024-01-02 h t: m", "not an RFC 3164 message: the ISO 8601 timestamp is not valid"},
      {"<13x>Jan  2 03:04:05 h t: m",
       "not an RFC 3164 message: '<' not followed by a valid PRI (\"<0>\" to \"<191>\")"},
      {"<300>Jan  2 03:04:05 h t: m",
       "not an RFC 3164 message: '<' not followed by a valid PRI (\"<0>\" to \"<191>\")"},
      {"<13>Jan  2 03:04:05x h t: m",
       "not an RFC 3164 message: the timestamp is not followed by a space"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("syslog_rfc3164", line, AtNow()).error, error) << line;
  }
}

TEST(Syslog, PicksTheRfcPerLine) {
  EXPECT_EQ(Scan("syslog", "<34>1 - h a - - - m").fields,
            "pri=34 facility=\"auth\" severity=\"crit\" version=1 hostname=\"h\" appname=\"a\" "
            "message=\"m\"");
  EXPECT_EQ(Scan("syslog", "<34>Oct 11 22:14:15 h su: m", AtNow()).fields,
            "pri=34 facility=\"auth\" severity=\"crit\" hostname=\"h\" appname=\"su\" "
            "message=\"m\"");
  EXPECT_EQ(Scan("syslog", "<189>1: *Mar  1 18:46:11.123: %A-1-B: x", AtNow()).fields,
            "pri=189 facility=\"local7\" severity=\"notice\" sequence=1 message=\"%A-1-B: x\"");
}

TEST(Syslog, Names) {
  EXPECT_EQ(SyslogFacilityName(15), "solaris-cron");
  EXPECT_EQ(SyslogFacilityName(24), "");
  EXPECT_EQ(SyslogSeverityName(4), "warning");
  EXPECT_EQ(SyslogSeverityName(-1), "");
}

}  // namespace
}  // namespace runnel::formats
