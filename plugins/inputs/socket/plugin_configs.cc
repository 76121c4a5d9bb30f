#include "plugin_configs.h"

namespace runnel::plugins::socket_input {

namespace {

constexpr SocketFields kTcpFields{.address = true,
                                  .unix_path = false,
                                  .tls = true,
                                  .streams = true,
                                  .datagrams = false,
                                  .key = true};
constexpr SocketFields kUdpFields{.address = true,
                                  .unix_path = false,
                                  .tls = false,
                                  .streams = false,
                                  .datagrams = true,
                                  .key = true};
constexpr SocketFields kUnixFields{.address = false,
                                   .unix_path = true,
                                   .tls = false,
                                   .streams = true,
                                   .datagrams = true,
                                   .key = true};

Framing FramingFrom(const std::string& name) {
  if (name == "octet_counting") {
    return Framing::kOctetCounting;
  }
  if (name == "none") {
    return Framing::kNone;
  }
  if (name == "auto") {
    return Framing::kAuto;
  }
  return Framing::kNewline;
}

}  // namespace

Schema TcpSchema() {
  Schema s;
  s.Enum("framing", {"newline", "octet_counting"}, "\"newline\"",
         "How messages are delimited: \"newline\" (one line each; \"\\r\\n\" is taken as "
         "\"\\n\"; empty lines are skipped) or \"octet_counting\" (RFC 6587: \"LEN SP MSG\"; a "
         "broken count closes the connection).");
  AddSocketFields(s, kTcpFields, "");
  return s;
}

Schema UdpSchema() {
  Schema s;
  s.Enum("framing", {"none", "newline"}, "\"none\"",
         "\"none\": each datagram is one message (one trailing newline dropped); \"newline\": a "
         "datagram may hold several lines, each one message.");
  AddSocketFields(s, kUdpFields, "");
  return s;
}

Schema UnixSchema() {
  Schema s;
  s.Enum("mode", {"stream", "datagram"}, "\"stream\"",
         "\"stream\": a SOCK_STREAM listener, connections framed by `framing`; \"datagram\": a "
         "SOCK_DGRAM socket, one datagram one message (like udp).")
      .EnumNoDefault("framing", {"newline", "octet_counting", "none"},
                     "For mode = \"stream\": \"newline\" (the default) or \"octet_counting\". "
                     "For mode = \"datagram\": \"none\" (the default) or \"newline\".");
  AddSocketFields(s, kUnixFields, "");
  return s;
}

Result<SocketConfig> ParseTcpConfig(const ConfigNode& node) {
  SocketConfig c;
  c.transport = Transport::kTcp;
  c.framing = FramingFrom(node.GetString("framing"));
  RUNNEL_RETURN_IF_ERROR(ParseSocketFields(node, kTcpFields, &c));
  return c;
}

Result<SocketConfig> ParseUdpConfig(const ConfigNode& node) {
  SocketConfig c;
  c.transport = Transport::kUdp;
  c.framing = FramingFrom(node.GetString("framing"));
  RUNNEL_RETURN_IF_ERROR(ParseSocketFields(node, kUdpFields, &c));
  return c;
}

Result<SocketConfig> ParseUnixConfig(const ConfigNode& node) {
  SocketConfig c;
  bool stream = node.GetString("mode") == "stream";
  c.transport = stream ? Transport::kUnixStream : Transport::kUnixDatagram;
  c.framing = stream ? Framing::kNewline : Framing::kNone;
  if (node.Has("framing")) {
    c.framing = FramingFrom(node.GetString("framing"));
    if (stream && c.framing == Framing::kNone) {
      return Err(node.Error("framing",
                            "\"none\" is for mode = \"datagram\"; a stream needs "
                            "\"newline\" or \"octet_counting\""));
    }
    if (!stream && c.framing == Framing::kOctetCounting) {
      return Err(node.Error("framing",
                            "\"octet_counting\" is for mode = \"stream\"; a "
                            "datagram takes \"none\" or \"newline\""));
    }
  }
  RUNNEL_RETURN_IF_ERROR(ParseSocketFields(node, kUnixFields, &c));
  return c;
}

}  // namespace runnel::plugins::socket_input
