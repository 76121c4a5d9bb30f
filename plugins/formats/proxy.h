#pragma once
// Service proxy logs: Envoy's default access log, Istio's access logs, linkerd-proxy's logs.
// Signatures and the general contract: format.h. "-" (Envoy's "not set") and JSON null set no
// field. Durations are Int milliseconds, as Envoy writes them.
//
// envoy: Envoy's default format string,
//   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
//   %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
//   %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
//   "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
// Fields: method, path, protocol, response_code (Int), response_flags, bytes_received (Int),
// bytes_sent (Int), duration (Int ms), upstream_service_time (Int ms), x_forwarded_for,
// user_agent, request_id, authority, upstream_host. START_TIME sets the event time.
//
// istio: a line starting with '{' is Istio's JSON encoding (meshConfig.accessLogEncoding: JSON):
// every member becomes a field, typed: response_code, bytes_received, bytes_sent, duration and
// upstream_service_time as Int (also when written as strings), the rest as JSON says;
// "start_time" sets the event time and is not a field. Otherwise Istio's default TEXT format,
// Envoy's with response_code_details, connection_termination_details and
// upstream_transport_failure_reason after response_flags, and upstream_cluster,
// upstream_local_address, downstream_local_address, downstream_remote_address,
// requested_server_name and route_name after upstream_host.
//
// linkerd: linkerd-proxy's plain format, `[  uptime s] LEVEL ThreadId(NN) [spans: ]target:
// message` (LINKERD2_PROXY_LOG_FORMAT=plain, the default), where an RFC 3339 time may stand in
// place of the bracketed uptime; and its JSON format (=json), `{"timestamp":...,"level":...,
// "fields":{"message":...},"target":...,"threadId":...,"spans":[...]}`. Fields: uptime (Double
// seconds, when the line has the uptime and not a time), level, thread, spans (the span
// context, plain format), target, message; JSON: members of "fields" (message among them)
// become fields, "threadId" is thread, other members are kept as they are. An RFC 3339
// timestamp sets the event time.

#include <string_view>
#include <vector>

#include "plugins/formats/format.h"

namespace runnel::formats {

const char* ScanEnvoy(std::string_view line, const ScanOptions& options, Arena& arena,
                      std::vector<Field>* fields, EventTime* time);
const char* ScanIstio(std::string_view line, const ScanOptions& options, Arena& arena,
                      std::vector<Field>* fields, EventTime* time);
const char* ScanLinkerd(std::string_view line, const ScanOptions& options, Arena& arena,
                        std::vector<Field>* fields, EventTime* time);

}  // namespace runnel::formats
