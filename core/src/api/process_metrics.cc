#include "api/process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

namespace runnel::api {
namespace {

std::optional<std::string> ReadSmallFile(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

// The fields of /proc/self/stat after the command name, so that field N of proc(5) is [N - 3].
std::vector<std::string> StatFields() {
  std::vector<std::string> fields;
  std::optional<std::string> stat = ReadSmallFile("/proc/self/stat");
  if (!stat.has_value()) {
    return fields;
  }
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) {
    return fields;
  }
  std::istringstream rest(stat->substr(close + 1));
  std::string field;
  while (rest >> field) {
    fields.push_back(field);
  }
  return fields;
}

uint64_t ToUint(const std::string& s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Boot time, seconds since the epoch ("btime" in /proc/stat); 0 when unknown. Read once: it
// does not change, and /proc/stat is long on a machine with many CPUs.
uint64_t BootTime() {
  static const uint64_t kBootTime = [] {
    std::optional<std::string> stat = ReadSmallFile("/proc/stat");
    const size_t at = stat.has_value() ? stat->find("\nbtime ") : std::string::npos;
    return at == std::string::npos ? uint64_t{0}
                                   : ToUint(stat->substr(at + 7, stat->find('\n', at + 7)));
  }();
  return kBootTime;
}

std::optional<uint64_t> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return std::nullopt;
  }
  uint64_t n = 0;
  while (const dirent* e = readdir(dir)) {
    n += e->d_name[0] != '.';
  }
  closedir(dir);
  return n > 0 ? n - 1 : 0;  // not the descriptor reading the directory
}

void Family(std::string* out, const char* name, const char* type, const char* help,
            const std::string& value) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
  *out += name;
  *out += ' ';
  *out += value;
  *out += '\n';
}

std::string Seconds(double s) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), s);
  return std::string(buf, end);
}

}  // namespace

void AppendProcessMetrics(std::string* out) {
  const std::vector<std::string> f = StatFields();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  // proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24.
  if (f.size() > 21 && ticks > 0) {
    Family(out, "process_cpu_seconds_total", "counter",
           "User and system CPU time spent, in seconds.",
           Seconds(static_cast<double>(ToUint(f[11]) + ToUint(f[12])) / ticks));
    Family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           std::to_string(ToUint(f[21]) * page));
    Family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           std::to_string(ToUint(f[20])));
    if (const uint64_t boot = BootTime(); boot > 0) {
      Family(out, "process_start_time_seconds", "gauge",
             "Start time of the process since the Unix epoch, in seconds.",
             Seconds(static_cast<double>(boot) + static_cast<double>(ToUint(f[19])) / ticks));
    }
  }
  if (std::optional<uint64_t> fds = OpenFds()) {
    Family(out, "process_open_fds", "gauge", "Open file descriptors.", std::to_string(*fds));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    Family(out, "process_max_fds", "gauge", "The limit on open file descriptors.",
           std::to_string(limit.rlim_cur));
  }
}

}  // namespace runnel::api
