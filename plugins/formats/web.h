#pragma once
// Web server logs: Apache httpd and nginx access and error logs. Signatures and the general
// contract: format.h. Quoted values keep the escapes the servers write (\" \\ \xHH) as they are.
//
// apache_combined: Apache's "combined" LogFormat, `%h %l %u %t "%r" %>s %b "%{Referer}i"
// "%{User-agent}i"`, and "common" (the same without the last two). nginx_combined: nginx's
// default "combined" log_format, `$remote_addr - $remote_user [$time_local] "$request" $status
// $body_bytes_sent "$http_referer" "$http_user_agent"`, optionally followed by
// "$http_x_forwarded_for" (the "main" format of nginx's packaged nginx.conf). Fields:
//   client      String  %h / $remote_addr
//   ident       String  %l (apache_combined only)
//   user        String  %u / $remote_user
//   method, path, protocol  String  the request line split at its first and last space; a
//               request line that is not "METHOD PATH[ PROTOCOL]" (e.g. "-" or TLS bytes sent
//               to a plain port) becomes one field `request` instead
//   status      Int
//   bytes       Int     "-" (Apache's way of writing no body) is 0
//   referer, user_agent  String  (combined only)
//   x_forwarded_for      String  (nginx_combined, when present)
// "-" sets no field (but for bytes). %t sets the event time, with its zone.
//
// apache_error: the 2.4 ErrorLogFormat default, `[Www Mmm dd hh:mm:ss.uuuuuu yyyy]
// [module:level] [pid N:tid N] [client ip:port] AHnnnnn: message`, and 2.2's `[Www Mmm dd
// hh:mm:ss yyyy] [level] [client ip] message`. Fields: module, level, pid (Int), tid (Int),
// client, client_port (Int), code ("AH00128"), message, referer (the ", referer: <url>" Apache
// appends to the message for requests that had one); each only when the line has it.
// The time has no zone: ScanOptions::utc_offset_seconds.
//
// nginx_error: `yyyy/mm/dd hh:mm:ss [level] pid#tid: [*connection ]message[, client: ...,
// server: ..., request: "...", upstream: "...", host: "...", referrer: "..."]`. Fields: level,
// pid (Int), tid (Int), connection (Int), message, then client, server, request, subrequest,
// upstream, host, referrer as nginx appends them (quotes removed). The time has no zone:
// ScanOptions::utc_offset_seconds.

#include <string_view>
#include <vector>

#include "plugins/formats/format.h"

namespace runnel::formats {

const char* ScanApacheCombined(std::string_view line, const ScanOptions& options, Arena& arena,
                               std::vector<Field>* fields, EventTime* time);
const char* ScanNginxCombined(std::string_view line, const ScanOptions& options, Arena& arena,
                              std::vector<Field>* fields, EventTime* time);
const char* ScanApacheError(std::string_view line, const ScanOptions& options, Arena& arena,
                            std::vector<Field>* fields, EventTime* time);
const char* ScanNginxError(std::string_view line, const ScanOptions& options, Arena& arena,
                           std::vector<Field>* fields, EventTime* time);

}  // namespace runnel::formats
