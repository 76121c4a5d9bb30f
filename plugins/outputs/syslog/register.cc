#include "runnel/registry.h"
#include "syslog_output.h"
#include "syslog_output_config.h"

namespace runnel::plugins {

void RegisterSyslogOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "syslog";
  info.kind = PluginKind::kOutput;
  info.description =
      "Sends every event as an RFC 5424 or RFC 3164 syslog message over UDP, TCP (octet "
      "counting or LF framing) or TLS, with fields mapped to the message's parts.";
  info.stability = Stability::kBeta;
  info.schema = syslog_output::SyslogOutputSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(syslog_output::SyslogOutputConfig config,
                            syslog_output::ParseSyslogOutputConfig(node));
    std::shared_ptr<const net::TlsContext> tls;
    if (config.tls.enabled) {
      RUNNEL_ASSIGN_OR_RETURN(tls, net::TlsContext::Create(config.tls, net::TlsRole::kClient));
    }
    return std::make_unique<syslog_output::SyslogOutput>(std::move(config), std::move(tls), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins
