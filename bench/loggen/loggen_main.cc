// runnel-loggen: writes N deterministic log lines (see runnel/log_generator.h) to a file.
//
//   runnel-loggen --format json --lines 2000000 --seed 1 --out /tmp/app.log
//
// Prints "<lines> lines <bytes> bytes <path>" on stdout. Exit status 0 on success, 1 on an I/O
// error, 2 on a usage error.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "runnel/log_generator.h"

namespace {

constexpr size_t kFlushBytes = 4 << 20;

constexpr std::string_view kUsage =
    "usage: runnel-loggen [--format json|apache|plain] [--lines N] [--seed S]\n"
    "                     [--start UNIX_SECONDS] [--step-ns NANOS] --out FILE|-\n"
    "  --format   line format (default json)\n"
    "  --lines    how many lines (default 1000000)\n"
    "  --seed     PRNG seed; the same seed gives the same bytes (default 1)\n"
    "  --start    timestamp of the first line (default 1767225600 = 2026-01-01T00:00:00Z)\n"
    "  --step-ns  timestamp increment per line (default 1000000 = 1 ms)\n"
    "  --out      output file, or - for stdout\n";

int Usage(std::string_view error) {
  if (!error.empty()) {
    std::fprintf(stderr, "runnel-loggen: %.*s\n", static_cast<int>(error.size()), error.data());
  }
  std::fputs(kUsage.data(), stderr);
  return 2;
}

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && *out >= 0;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view format_name = "json";
  std::string out_path;
  int64_t lines = 1000000;
  int64_t seed = 1;
  int64_t start_seconds = runnel::LogGenerator::kDefaultStartUnixNanos / 1000000000;
  int64_t step_ns = runnel::LogGenerator::kDefaultStepNanos;

  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      return Usage("missing value for " + std::string(flag));
    }
    std::string_view value = argv[++i];
    bool ok = true;
    if (flag == "--format") {
      format_name = value;
    } else if (flag == "--out") {
      out_path = value;
    } else if (flag == "--lines") {
      ok = ParseInt(value, &lines);
    } else if (flag == "--seed") {
      ok = ParseInt(value, &seed);
    } else if (flag == "--start") {
      ok = ParseInt(value, &start_seconds);
    } else if (flag == "--step-ns") {
      ok = ParseInt(value, &step_ns);
    } else {
      return Usage("unknown flag " + std::string(flag));
    }
    if (!ok) {
      return Usage("bad value for " + std::string(flag) + ": " + std::string(value));
    }
  }
  if (out_path.empty()) {
    return Usage("--out is required");
  }
  auto format = runnel::LogGenerator::ParseFormat(format_name);
  if (!format) {
    return Usage(format.error().message());
  }

  int fd = STDOUT_FILENO;
  if (out_path != "-") {
    fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "runnel-loggen: open %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
  }

  runnel::LogGenerator::Options options;
  options.start_unix_nanos = start_seconds * 1000000000;
  options.step_nanos = step_ns;
  runnel::LogGenerator generator(*format, static_cast<uint64_t>(seed), options);
  std::string buffer;
  buffer.reserve(kFlushBytes + 64 * 1024);
  uint64_t bytes = 0;
  for (int64_t i = 0; i < lines; ++i) {
    generator.NextLine(&buffer);
    buffer.push_back('\n');
    if (buffer.size() >= kFlushBytes || i + 1 == lines) {
      if (!WriteAll(fd, buffer)) {
        std::fprintf(stderr, "runnel-loggen: write %s: %s\n", out_path.c_str(),
                     std::strerror(errno));
        return 1;
      }
      bytes += buffer.size();
      buffer.clear();
    }
  }
  if (fd != STDOUT_FILENO && ::close(fd) != 0) {
    std::fprintf(stderr, "runnel-loggen: close %s: %s\n", out_path.c_str(), std::strerror(errno));
    return 1;
  }
  std::fprintf(out_path == "-" ? stderr : stdout, "%lld lines %llu bytes %s\n",
               static_cast<long long>(lines), static_cast<unsigned long long>(bytes),
               out_path.c_str());
  return 0;
}
