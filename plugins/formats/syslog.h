#pragma once
// Syslog scanners: RFC 5424, RFC 3164 (BSD) with the variants real senders use, and `syslog`,
// which picks one of the two per line. Signatures and the general contract: format.h.
//
// Fields, in this order, each only when the line has it:
//   pri        Int     the PRI value, 0-191
//   facility   String  kern user mail daemon auth syslog lpr news uucp cron authpriv ftp ntp
//                      security console solaris-cron local0 ... local7
//   severity   String  emerg alert crit err warning notice info debug
//   version    Int     RFC 5424 only
//   sequence   Int     RFC 3164 only: the sequence number Cisco IOS writes before the time
//   hostname   String
//   appname    String  RFC 5424 APP-NAME; RFC 3164: the TAG before "[pid]" or ':'
//   procid     String  RFC 5424 PROCID; RFC 3164: the pid between '[' and ']'
//   msgid      String  RFC 5424 only
//   structured_data  Raw  RFC 5424 only: a map of SD-ID -> map of PARAM-NAME -> value, in line
//                      order; a repeated SD-ID or PARAM-NAME is kept (the map holds it twice);
//                      \" \\ \] in values are unescaped, another backslash is kept as it is
//   message    String  RFC 5424: a leading UTF-8 BOM is removed. Absent when empty.
// RFC 5424's NILVALUE "-" sets no field. One trailing "\n" or "\r\n" is ignored.
// The timestamp sets the event time (fractions and zones kept); NILVALUE leaves it alone.
//
// RFC 5424: the header must be complete up to MSGID ("<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME
// PROCID MSGID"); a line that ends there, without STRUCTURED-DATA, is accepted.
//
// RFC 3164: "[<PRI>]TIMESTAMP [HOSTNAME] [TAG[PID]:] MSG", where
//   - PRI may be missing (then no pri/facility/severity);
//   - TIMESTAMP is "Mmm dd hh:mm:ss" (dd may be " 1" or "1"), optionally with ".fraction"; or
//     an RFC 3339 / ISO 8601 time (rsyslog's RSYSLOG_ForwardFormat); or Cisco IOS's
//     "SEQ: [*|.]Mmm dd hh:mm:ss.mmm:" (the clock flag is dropped). A BSD time has no year and
//     no zone: the zone is ScanOptions::utc_offset_seconds, the year the current one unless the
//     time would then be more than kFutureSlackSeconds ahead of now (last year's then);
//   - HOSTNAME is absent when the first word after the time is already a tag (ends with ':' or
//     holds "[pid]");
//   - TAG is recognised as "name[pid]:", "name:" or "name[pid]"; a word without ':' or "[pid]"
//     is taken as the start of the message, so no appname is set.
// A line cut short keeps what it has (a line that ends after the time has no hostname); only a
// broken PRI or a missing or broken timestamp is an error.

#include <string_view>
#include <vector>

#include "plugins/formats/format.h"

namespace runnel::formats {

const char* ScanSyslog5424(std::string_view line, const ScanOptions& options, Arena& arena,
                           std::vector<Field>* fields, EventTime* time);
const char* ScanSyslog3164(std::string_view line, const ScanOptions& options, Arena& arena,
                           std::vector<Field>* fields, EventTime* time);
// RFC 5424 when PRI is followed by a version number and a space, RFC 3164 otherwise.
const char* ScanSyslog(std::string_view line, const ScanOptions& options, Arena& arena,
                       std::vector<Field>* fields, EventTime* time);

// "kern" ... "local7" for 0-23, "" otherwise; "emerg" ... "debug" for 0-7, "" otherwise.
std::string_view SyslogFacilityName(int facility);
std::string_view SyslogSeverityName(int severity);

}  // namespace runnel::formats
