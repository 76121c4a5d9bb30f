#pragma once
// MessageEncoder: turns one event into one syslog message (RFC 5424 or RFC 3164), without
// framing, by the field mapping of the config. Always a valid message: a value that does not
// fit its part (a facility out of range, a host name with spaces, an over-long APP-NAME, a
// structured-data value that is not a scalar) is replaced, cut or left out and counted in
// SyslogOutputMetrics::cleaned; a message longer than max_message_bytes is cut at a UTF-8
// character boundary (after the header and structured data, which are dropped first if they
// alone are too long) and counted in `truncated`.
//
// Parts (RFC 5424 limits): HOSTNAME 1-255, APP-NAME 1-48, PROCID 1-128, MSGID 1-32 printable
// ASCII (other bytes become '_'); SD-ID and PARAM-NAME 1-32 of the same without '=', ']', '"'
// (also '_'); PARAM-VALUE escapes '"', '\' and ']'. RFC 3164: TAG 1-32 without ':', '[', ']'.
// Times are UTC: "2026-12-04T01:02:03.123456Z" (5424), "Dec  4 01:02:03" (3164).
// Not thread-safe: one per worker thread.

#include <string>
#include <string_view>

#include "runnel/record.h"
#include "syslog_output_config.h"
#include "syslog_output_metrics.h"

namespace runnel::plugins::syslog_output {

class MessageEncoder {
 public:
  // `default_hostname` is used when the config names none and the record has none.
  MessageEncoder(const SyslogOutputConfig& config, std::string default_hostname,
                 SyslogOutputMetrics metrics);

  // Appends the message for `event` to *out.
  void Append(const Event& event, std::string* out);

 private:
  // Appends the header part `value` (or "-" when empty), cleaned to 33..126 and `max` bytes.
  void Header(std::string_view value, size_t max, Part part, std::string* out);
  void Tag(std::string_view value, std::string* out);
  // Appends STRUCTURED-DATA ("-" when there is none) for a field value.
  void StructuredData(const Value* value, std::string* out);
  void Timestamp5424(EventTime time, std::string* out) const;
  void Timestamp3164(EventTime time, std::string* out) const;
  int Facility(const Event& event);
  int Severity(const Event& event);
  // The value of `key` as text (scalars only); false when absent or not a scalar.
  bool Text(const Event& event, const std::string& key, std::string_view* text);

  const Format format_;
  const size_t max_bytes_;
  const FieldMapping fields_;
  const std::string hostname_;
  SyslogOutputMetrics metrics_;
  std::string number_;  // scratch for numbers turned into text
  std::string sd_;      // scratch: structured data being built
};

}  // namespace runnel::plugins::syslog_output
