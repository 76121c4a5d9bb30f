#include "runnel/registry.h"
#include "socket_input.h"
#include "syslog_config.h"
#include "syslog_encoder.h"

namespace runnel::plugins {

void RegisterSyslogInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "syslog";
  info.kind = PluginKind::kInput;
  info.description =
      "Receives syslog (RFC 5424 and RFC 3164) over UDP, TCP (newline or RFC 6587 octet "
      "counting, TLS) or unix sockets; each message is one record of its syslog fields.";
  info.stability = Stability::kBeta;
  info.schema = syslog_input::SyslogSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(syslog_input::SyslogConfig config,
                            syslog_input::ParseSyslogConfig(node));
    Counter* unparsed =
        ctx.metrics->GetCounter("syslog_unparsed_total", ctx.id,
                                "Messages that did not parse as syslog, kept whole in `message`.");
    socket_input::EncoderFactory encoders = [config, id = ctx.id, unparsed] {
      return std::make_unique<syslog_input::SyslogEncoder>(config, id, unparsed);
    };
    socket_input::SocketConfig socket = config.socket;
    return std::make_unique<socket_input::SocketInput>(std::move(socket), node.name(), ctx,
                                                       std::move(encoders));
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins
