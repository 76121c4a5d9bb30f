#pragma once
// SyslogEncoder: makes each syslog message a record of the fields the syslog scanners give
// (plugins/formats/syslog.h: pri, facility, severity, version, hostname, appname, procid, msgid,
// structured_data, message, ...), timed by the message's timestamp.
//
// A message that does not parse (a broken PRI, no timestamp, cut short by max_line_bytes before
// its header ended) is never lost: its record is `{message: <the message as received>}` timed
// now, counted in syslog_unparsed_total, and rate-limit logged with the scanner's reason.
// With raw_key, every record also holds the message as received.
// Not thread-safe: one encoder per connection or datagram thread (scratch arena and fields).

#include <string>
#include <string_view>
#include <vector>

#include "message_encoder.h"
#include "runnel/arena.h"
#include "runnel/metrics.h"
#include "runnel/record.h"
#include "syslog_config.h"

namespace runnel::plugins::syslog_input {

class SyslogEncoder : public socket_input::MessageEncoder {
 public:
  // `unparsed` counts messages kept whole; not null.
  SyslogEncoder(const SyslogConfig& config, std::string component, Counter* unparsed);

  void Append(std::string_view message, bool truncated, const socket_input::Peer& peer,
              BatchBuilder& builder) override;

 private:
  const SyslogFormat format_;
  const std::string raw_key_;
  const socket_input::PeerKeys peer_keys_;
  const int32_t utc_offset_seconds_;
  const std::string component_;
  Counter* const unparsed_;
  Arena arena_;
  std::vector<Field> fields_;
};

}  // namespace runnel::plugins::syslog_input
