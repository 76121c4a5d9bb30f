#include "syslog_config.h"

#include <array>
#include <string_view>

namespace runnel::plugins::syslog_input {

namespace {

using socket_input::Framing;
using socket_input::SocketFields;
using socket_input::Transport;

constexpr SocketFields kFields{.address = true,
                               .unix_path = true,
                               .tls = true,
                               .streams = true,
                               .datagrams = true,
                               .key = false};

// What the scanners may set: raw_key must be none of them.
constexpr std::array<std::string_view, 11> kScannerFields = {
    "pri",     "facility", "severity", "version", "sequence",       "hostname",
    "appname", "procid",   "msgid",    "message", "structured_data"};

Result<int32_t> ParseUtcOffset(const std::string& text) {
  // "+HH:MM" or "-HH:MM" or "Z".
  if (text == "Z" || text == "UTC") {
    return 0;
  }
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return Err(InvalidArgument("give \"Z\" or \"+HH:MM\" / \"-HH:MM\", e.g. \"+02:00\""));
  }
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) {
    return Err(InvalidArgument("give \"Z\" or \"+HH:MM\" / \"-HH:MM\", e.g. \"+02:00\""));
  }
  int hours = (text[1] - '0') * 10 + (text[2] - '0');
  int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  if (hours > 14 || minutes > 59) {
    return Err(InvalidArgument("the offset is out of range (-14:00 to +14:00)"));
  }
  int32_t seconds = hours * 3600 + minutes * 60;
  return text[0] == '-' ? -seconds : seconds;
}

}  // namespace

Schema SyslogSchema() {
  Schema s;
  s.Enum("mode", {"udp", "tcp", "unix_stream", "unix_datagram"}, "\"udp\"",
         "Where syslog messages come from: \"udp\" and \"tcp\" (host, port; tls.* for TCP), "
         "\"unix_stream\" and \"unix_datagram\" (path, permissions; /dev/log is a unix "
         "datagram socket).")
      .EnumNoDefault("framing", {"auto", "newline", "octet_counting", "none"},
                     "Streams: \"auto\" (the default: per message, octet counting when it starts "
                     "with a digit, else a line, as rsyslog's imtcp does), \"newline\" or "
                     "\"octet_counting\" (RFC 6587). Datagrams: \"none\" (the default: one "
                     "datagram one message) or \"newline\".")
      .Enum("format", {"auto", "rfc3164", "rfc5424"}, "\"auto\"",
            "\"auto\": RFC 5424 when the PRI is followed by a version, else RFC 3164 (BSD, with "
            "the variants real senders write). A message that does not parse is kept: the "
            "record then holds it whole in `message` (counted in "
            "syslog_unparsed_total).")
      .OptionalNoDefault("raw_key", FieldType::kString,
                         "Also keeps every message as it was received under this key.")
      .Optional("utc_offset", FieldType::kString, "\"Z\"",
                "The zone of RFC 3164 timestamps, which carry none: \"Z\" or \"+HH:MM\" / "
                "\"-HH:MM\".");
  socket_input::AddSocketFields(s, kFields, "5140");
  return s;
}

Result<SyslogConfig> ParseSyslogConfig(const ConfigNode& node) {
  SyslogConfig c;
  const std::string& mode = node.GetString("mode");
  c.socket.transport = mode == "tcp"           ? Transport::kTcp
                       : mode == "unix_stream" ? Transport::kUnixStream
                       : mode == "udp"         ? Transport::kUdp
                                               : Transport::kUnixDatagram;
  bool stream = socket_input::IsStream(c.socket.transport);
  c.socket.framing = stream ? Framing::kAuto : Framing::kNone;
  if (node.Has("framing")) {
    const std::string& f = node.GetString("framing");
    Framing framing = f == "auto"             ? Framing::kAuto
                      : f == "newline"        ? Framing::kNewline
                      : f == "octet_counting" ? Framing::kOctetCounting
                                              : Framing::kNone;
    if (stream && framing == Framing::kNone) {
      return Err(node.Error("framing",
                            "\"none\" is for datagrams; a stream takes \"auto\", "
                            "\"newline\" or \"octet_counting\""));
    }
    if (!stream && framing != Framing::kNone && framing != Framing::kNewline) {
      return Err(node.Error("framing", "a datagram takes \"none\" or \"newline\""));
    }
    c.socket.framing = framing;
  }
  RUNNEL_RETURN_IF_ERROR(socket_input::ParseSocketFields(node, kFields, &c.socket));
  const std::string& format = node.GetString("format");
  c.format = format == "rfc3164"   ? SyslogFormat::kRfc3164
             : format == "rfc5424" ? SyslogFormat::kRfc5424
                                   : SyslogFormat::kAuto;
  if (node.Has("raw_key")) {
    c.raw_key = node.GetString("raw_key");
    if (c.raw_key.empty()) {
      return Err(node.Error("raw_key", "must not be empty"));
    }
    for (std::string_view f : kScannerFields) {
      if (c.raw_key == f) {
        return Err(node.Error("raw_key", "'" + c.raw_key + "' is a syslog field; pick another"));
      }
    }
  }
  for (const std::string* key : {&c.socket.peer_keys.address_key, &c.socket.peer_keys.port_key}) {
    for (std::string_view f : kScannerFields) {
      if (*key == f) {
        return Err(node.Error(
            key == &c.socket.peer_keys.address_key ? "source_address_key" : "source_port_key",
            "'" + *key + "' is a syslog field; pick another"));
      }
    }
  }
  Result<int32_t> offset = ParseUtcOffset(node.GetString("utc_offset"));
  if (!offset) {
    return Err(node.Error("utc_offset", offset.error().message()));
  }
  c.utc_offset_seconds = *offset;
  return c;
}

}  // namespace runnel::plugins::syslog_input
