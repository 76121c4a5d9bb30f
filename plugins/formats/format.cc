#include "plugins/formats/format.h"

#include <array>

#include "plugins/formats/container.h"
#include "plugins/formats/proxy.h"
#include "plugins/formats/syslog.h"
#include "plugins/formats/web.h"

namespace runnel::formats {
namespace {

constexpr std::array kFormats = {
    Format{"syslog", &ScanSyslog,
           "syslog, RFC 5424 or RFC 3164 (chosen per line): pri, facility, severity, hostname, "
           "appname, procid, message, ...; the timestamp sets the event time"},
    Format{"syslog_rfc5424", &ScanSyslog5424,
           "RFC 5424 syslog: pri, facility, severity, version, hostname, appname, procid, "
           "msgid, structured_data (a map), message; TIMESTAMP sets the event time"},
    Format{"syslog_rfc3164", &ScanSyslog3164,
           "BSD syslog (RFC 3164) and its variants (no PRI, ISO 8601 time, no hostname, Cisco "
           "IOS): pri, facility, severity, sequence, hostname, appname, procid, message"},
    Format{"cri", &ScanCri,
           "CRI container log (containerd, CRI-O): stream, logtag (P/F), log; the time sets the "
           "event time"},
    Format{"docker", &ScanDocker,
           "Docker json-file log: log (unescaped, trailing newline kept), stream, other members "
           "(attrs); \"time\" sets the event time"},
    Format{"apache_combined", &ScanApacheCombined,
           "Apache combined or common access log: client, ident, user, method, path, protocol, "
           "status, bytes, referer, user_agent; %t sets the event time"},
    Format{"apache_error", &ScanApacheError,
           "Apache error log (2.4 and 2.2): module, level, pid, tid, client, client_port, code, "
           "message, referer"},
    Format{"nginx_combined", &ScanNginxCombined,
           "nginx combined access log: client, user, method, path, protocol, status, bytes, "
           "referer, user_agent, x_forwarded_for; $time_local sets the event time"},
    Format{"nginx_error", &ScanNginxError,
           "nginx error log: level, pid, tid, connection, message, client, server, request, "
           "upstream, host, referrer"},
    Format{"envoy", &ScanEnvoy,
           "Envoy's default access log: method, path, protocol, response_code, response_flags, "
           "bytes_received, bytes_sent, duration (ms), upstream_service_time, ...; START_TIME "
           "sets the event time"},
    Format{"istio", &ScanIstio,
           "Istio access log, JSON or default TEXT encoding: Envoy's fields plus upstream_cluster, "
           "route_name, addresses, ...; start_time sets the event time"},
    Format{"linkerd", &ScanLinkerd,
           "linkerd-proxy log, plain or JSON: level, thread, spans, target, message, uptime; an "
           "RFC 3339 timestamp sets the event time"},
};

}  // namespace

std::span<const Format> AllFormats() { return kFormats; }

const Format* FindFormat(std::string_view name) {
  for (const Format& format : kFormats) {
    if (format.name == name) {
      return &format;
    }
  }
  return nullptr;
}

}  // namespace runnel::formats
