#pragma once
// The standard process metrics of Prometheus clients, read from /proc/self at each scrape:
//   process_cpu_seconds_total      counter  user + system CPU time
//   process_resident_memory_bytes  gauge    resident set size
//   process_virtual_memory_bytes   gauge    virtual memory size
//   process_start_time_seconds     gauge    start time, seconds since the Unix epoch
//   process_open_fds               gauge    open file descriptors
//   process_max_fds                gauge    the soft limit on file descriptors
// A value that cannot be read (no /proc) is left out with its family. Thread-safe.

#include <string>

namespace runnel::api {

// Appends the families above in Prometheus text exposition format 0.0.4.
void AppendProcessMetrics(std::string* out);

}  // namespace runnel::api
