#include "plugins/formats/format.h"

#include <array>

#include "plugins/formats/container.h"
#include "plugins/formats/syslog.h"

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
