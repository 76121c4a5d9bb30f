#include "syslog_output_config.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string_view>
#include <utility>

#include "plugins/formats/syslog.h"

namespace runnel::plugins::syslog_output {
namespace {

bool Number(std::string_view text, int max, int* out) {
  if (text.empty() || text.size() > 3) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 0 && *out <= max;
}

bool EqualsLower(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i]) {
      return false;
    }
  }
  return true;
}

// The key rows: the config key, the record field it names by default (the syslog input's),
// and what the field gives.
struct KeyRow {
  const char* key;
  const char* field;
  const char* help;
};
constexpr std::array<KeyRow, 8> kKeys = {{
    {"facility_key", "facility",
     "The field that gives the facility: a name (\"local0\") or 0-23; an invalid one is "
     "replaced by `facility` and counted."},
    {"severity_key", "severity",
     "The field that gives the severity: a name (\"err\", \"warn\", ...) or 0-7; an invalid "
     "one is replaced by `severity` and counted."},
    {"hostname_key", "hostname", "The field that gives HOSTNAME."},
    {"appname_key", "appname", "The field that gives APP-NAME (RFC 3164: the TAG)."},
    {"procid_key", "procid", "The field that gives PROCID (a string or an integer)."},
    {"msgid_key", "msgid", "The field that gives MSGID (RFC 5424 only)."},
    {"structured_data_key", "structured_data",
     "The field that gives STRUCTURED-DATA (RFC 5424 only): a map of SD-ID to a map of "
     "PARAM-NAME to value, as the syslog input writes it."},
    {"message_key", "message",
     "The field that gives MSG; e.g. \"log\" for tailed lines. A record without it is sent "
     "without MSG."},
}};

}  // namespace

int ParseFacility(std::string_view text) {
  int n = 0;
  if (Number(text, 23, &n)) {
    return n;
  }
  for (int f = 0; f < 24; ++f) {
    if (EqualsLower(text, formats::SyslogFacilityName(f))) {
      return f;
    }
  }
  return -1;
}

int ParseSeverity(std::string_view text) {
  int n = 0;
  if (Number(text, 7, &n)) {
    return n;
  }
  static constexpr std::pair<std::string_view, int> kAliases[] = {
      {"panic", 0}, {"emergency", 0},   {"critical", 2},      {"fatal", 2}, {"error", 3},
      {"warn", 4},  {"information", 6}, {"informational", 6}, {"trace", 7}};
  for (int s = 0; s < 8; ++s) {
    if (EqualsLower(text, formats::SyslogSeverityName(s))) {
      return s;
    }
  }
  for (const auto& [name, s] : kAliases) {
    if (EqualsLower(text, name)) {
      return s;
    }
  }
  return -1;
}

Schema SyslogOutputSchema() {
  Schema s;
  s.Enum("mode", {"tcp", "udp"}, "\"tcp\"",
         "How messages travel: \"tcp\" (a stream, TLS with tls.enabled; a batch is delivered "
         "once written to the socket, and sent again whole after a connection error) or "
         "\"udp\" (one datagram per message, best effort: nothing tells a lost datagram).")
      .Required("host", FieldType::kString,
                "The syslog server: a name, an IPv4 address or an IPv6 address (without "
                "brackets). A name is resolved again at every connection.")
      .OptionalNoDefault("port", FieldType::kInt,
                         "The server's port: 514 by default, 6514 (RFC 5425) with TLS.")
      .Range(1, 65535)
      .EnumNoDefault("framing", {"octet_counting", "newline"},
                     "tcp: \"octet_counting\" (the default: RFC 6587 / RFC 5425 \"LEN SP MSG\", "
                     "any byte may be in a message) or \"newline\" (non-transparent: each "
                     "message ends with LF; a LF or CR inside one becomes a space, counted). "
                     "Not for udp.")
      .Enum("format", {"rfc5424", "rfc3164"}, "\"rfc5424\"",
            "\"rfc5424\": <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG, the time in UTC "
            "with microseconds. \"rfc3164\" (BSD): <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG, "
            "the time in UTC; no MSGID or structured data.")
      .OptionalNoDefault("max_message_bytes", FieldType::kSize,
                         "The longest message (without its framing): 2048 by default for udp, "
                         "8192 (rsyslog's default maxMessageSize) for tcp. A longer one is cut "
                         "at a UTF-8 character boundary and counted in "
                         "syslog_output_truncated_total. udp: at most 65507.")
      .Range(480, 1 << 20)
      .Optional("connect_timeout", FieldType::kDuration, "\"5s\"",
                "tcp: for resolving, the TCP connection and the TLS handshake.")
      .Range(10, 600'000)
      .Optional("write_timeout", FieldType::kDuration, "\"10s\"",
                "tcp: a write that makes no progress this long (a server that does not read) "
                "fails the connection and the batch is retried. udp: the longest a send may "
                "block.")
      .Range(10, 600'000)
      .Optional("resend_window", FieldType::kDuration, "\"2s\"",
                "tcp: plain syslog has no acknowledgements, so a server that stops or crashes "
                "loses what it had received and not yet written. What was written this long "
                "before a connection was found closed or broken is sent again first on the next "
                "connection (at most 16 MiB of it): fewer losses, some duplicates (counted in "
                "syslog_output_resent_events_total). \"0s\" sends nothing again.")
      .Range(0, 600'000)
      .Optional("retry_max", FieldType::kDuration, "\"5s\"",
                "tcp: while the server cannot be reached or the connection keeps breaking, the "
                "batch is retried after 100ms, doubling up to this; the disk buffer (or the "
                "memory queue) holds what arrives meanwhile.")
      .Range(100, 3'600'000)
      .Optional("facility", FieldType::kString, "\"user\"",
                "The facility of a record without a valid facility_key field: a name (kern, user, "
                "mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, "
                "security, console, solaris-cron, local0 ... local7) or 0-23.")
      .Optional("severity", FieldType::kString, "\"info\"",
                "The severity of a record without a valid severity_key field: emerg, alert, crit, "
                "err, warning, notice, info, debug (or 0-7).")
      .OptionalNoDefault("hostname", FieldType::kString,
                         "The HOSTNAME of a record without a hostname_key field; the machine's "
                         "host name by default.")
      .OptionalNoDefault("appname", FieldType::kString,
                         "The APP-NAME (RFC 3164: the TAG) of a record without an appname_key "
                         "field; by default none (\"-\", or no TAG).");
  // Each names a record field; "" reads none (the fixed value above is then always used).
  // The defaults are the syslog input's fields, so syslog in and syslog out round-trip.
  for (const KeyRow& row : kKeys) {
    s.Optional(row.key, FieldType::kString, "\"" + std::string(row.field) + "\"",
               std::string(row.help) + " \"\" reads none.");
  }
  net::AddTlsFields(s, net::TlsRole::kClient);
  return s;
}

Result<SyslogOutputConfig> ParseSyslogOutputConfig(const ConfigNode& node) {
  SyslogOutputConfig c;
  c.transport = node.GetString("mode") == "udp" ? Transport::kUdp : Transport::kTcp;
  c.host = node.GetString("host");
  if (c.host.empty()) {
    return Err(node.Error("host", "must not be empty"));
  }
  if (c.host.front() == '[' || c.host.find(' ') != std::string::npos) {
    return Err(node.Error("host",
                          "give a name or an address alone, e.g. \"::1\"; the port "
                          "goes in `port`"));
  }
  RUNNEL_ASSIGN_OR_RETURN(c.tls, net::ParseTlsConfig(node, net::TlsRole::kClient));
  if (c.tls.enabled && c.transport == Transport::kUdp) {
    return Err(node.Error("tls.enabled", "TLS needs mode = \"tcp\""));
  }
  c.port = node.Has("port") ? static_cast<uint16_t>(node.GetInt("port"))
           : c.tls.enabled  ? kDefaultTlsPort
                            : kDefaultPort;
  if (node.Has("framing")) {
    if (c.transport == Transport::kUdp) {
      return Err(node.Error("framing", "is for tcp; udp sends one message per datagram"));
    }
    c.framing =
        node.GetString("framing") == "newline" ? Framing::kNewline : Framing::kOctetCounting;
  }
  c.format = node.GetString("format") == "rfc3164" ? Format::kRfc3164 : Format::kRfc5424;
  c.max_message_bytes =
      c.transport == Transport::kUdp ? kDefaultUdpMessageBytes : kDefaultStreamMessageBytes;
  if (node.Has("max_message_bytes")) {
    c.max_message_bytes = node.GetSize("max_message_bytes");
    if (c.transport == Transport::kUdp && c.max_message_bytes > kMaxUdpMessageBytes) {
      return Err(
          node.Error("max_message_bytes", "a UDP datagram holds at most 65507 bytes; give less"));
    }
  }
  c.connect_timeout = node.GetDuration("connect_timeout");
  c.write_timeout = node.GetDuration("write_timeout");
  c.resend_window = node.GetDuration("resend_window");
  c.retry_max = node.GetDuration("retry_max");
  FieldMapping& f = c.fields;
  f.facility = ParseFacility(node.GetString("facility"));
  if (f.facility < 0) {
    return Err(node.Error("facility", "'" + node.GetString("facility") +
                                          "' is not a facility: give kern, user, ..., local7 "
                                          "or 0-23"));
  }
  f.severity = ParseSeverity(node.GetString("severity"));
  if (f.severity < 0) {
    return Err(node.Error("severity", "'" + node.GetString("severity") +
                                          "' is not a severity: give emerg, alert, crit, err, "
                                          "warning, notice, info, debug or 0-7"));
  }
  if (node.Has("hostname")) {
    f.hostname = node.GetString("hostname");
    if (f.hostname.empty()) {
      return Err(node.Error("hostname", "must not be empty; leave it out for the machine's"));
    }
  }
  if (node.Has("appname")) {
    f.appname = node.GetString("appname");
    if (f.appname.empty()) {
      return Err(node.Error("appname", "must not be empty; leave it out for none"));
    }
  }
  std::string* keys[] = {&f.facility_key, &f.severity_key, &f.hostname_key,        &f.appname_key,
                         &f.procid_key,   &f.msgid_key,    &f.structured_data_key, &f.message_key};
  for (size_t i = 0; i < kKeys.size(); ++i) {
    *keys[i] = node.GetString(kKeys[i].key);
  }
  return c;
}

}  // namespace runnel::plugins::syslog_output
