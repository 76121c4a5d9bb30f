#include "runnel/log_generator.h"

#include <array>
#include <charconv>
#include <cstring>
#include <string>

#include "log_vocabulary.h"

namespace runnel {
namespace log_vocabulary {
namespace {

// SplitMix64: tiny, fast, statistically sound and fully specified here, so the bytes never depend
// on the standard library's engines or distributions.
uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, n) by multiply-shift of 32 random bits (negligible bias for small n).
uint32_t Uniform(uint64_t& state, uint32_t n) {
  return static_cast<uint32_t>(((NextRandom(state) >> 32) * static_cast<uint64_t>(n)) >> 32);
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(end - buf));
}

// Zero-padded to `width` digits (v must fit).
void AppendPadded(std::string* out, uint32_t v, int width) {
  char buf[10];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

void AppendHex(std::string* out, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[16];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = kHex[v & 0xf];
    v >>= 4;
  }
  out->append(buf, static_cast<size_t>(digits));
}

void Put2(char* p, uint32_t v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void Put4(char* p, uint32_t v) {
  for (int i = 3; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// Proleptic Gregorian date of a day count since 1970-01-01 (the usual era-based conversion).
void CivilFromDays(int64_t days, uint32_t* year, uint32_t* month, uint32_t* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const uint32_t doe = static_cast<uint32_t>(days - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<uint32_t>(static_cast<int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0));
}

template <typename T, size_t N>
const T& Pick(const std::array<Weighted<T>, N>& table, uint32_t r) {
  for (const auto& w : table) {
    if (r < w.weight) {
      return w.value;
    }
    r -= w.weight;
  }
  return table[N - 1].value;
}

template <typename T, size_t N>
constexpr uint32_t TotalWeight(const std::array<Weighted<T>, N>& table) {
  uint32_t total = 0;
  for (const auto& w : table) {
    total += w.weight;
  }
  return total;
}

template <typename T, size_t N>
const T& PickFrom(uint64_t& rng, const std::array<Weighted<T>, N>& table) {
  return Pick(table, Uniform(rng, TotalWeight(table)));
}

template <typename T, size_t N>
const T& PickFrom(uint64_t& rng, const std::array<T, N>& table) {
  return table[Uniform(rng, N)];
}

constexpr std::array<Weighted<uint32_t>, 5> kOkStatuses = {
    {{200, 82}, {201, 6}, {204, 4}, {301, 3}, {304, 5}}};
constexpr std::array kWarnStatuses = {400u, 401u, 403u, 404u, 404u, 409u, 429u};
constexpr std::array kErrorStatuses = {500u, 500u, 502u, 503u, 504u};

uint32_t StatusFor(uint64_t& rng, Level level) {
  switch (level) {
    case Level::kWarn:
      return PickFrom(rng, kWarnStatuses);
    case Level::kError:
      return PickFrom(rng, kErrorStatuses);
    default:
      return PickFrom(rng, kOkStatuses);
  }
}

// Milliseconds a request took: mostly fast, with a long tail; slower for warnings and errors.
uint32_t LatencyMicros(uint64_t& rng, Level level) {
  uint32_t base = 200 + Uniform(rng, 40000);
  if (Uniform(rng, 20) == 0 || level == Level::kWarn) {
    base += Uniform(rng, 900000);
  }
  if (level == Level::kError) {
    base += 1000000 + Uniform(rng, 4000000);
  }
  return base;
}

// A URL path of the application's API.
void AppendApiPath(uint64_t& rng, std::string* out) {
  switch (Uniform(rng, 8)) {
    case 0:
    case 1:
      out->append("/api/v1/orders/");
      AppendUint(out, 10000 + Uniform(rng, 990000));
      break;
    case 2:
      out->append("/api/v1/users/");
      AppendUint(out, 1 + Uniform(rng, 99999));
      out->append("/profile");
      break;
    case 3:
      out->append("/api/v1/cart");
      break;
    case 4:
      out->append("/api/v1/products/");
      AppendUint(out, 1000 + Uniform(rng, 9000));
      break;
    case 5:
      out->append("/api/v2/search?q=");
      out->append(PickFrom(rng, kTables));
      out->append("&page=");
      AppendUint(out, 1 + Uniform(rng, 9));
      break;
    case 6:
      out->append("/api/v1/payments/");
      AppendUint(out, 10000 + Uniform(rng, 990000));
      break;
    default:
      out->append("/healthz");
      break;
  }
}

// A human-readable message for `level`. `json` escapes the quotes it contains.
void AppendMessage(uint64_t& rng, Level level, bool json, std::string* out) {
  const uint32_t pick = Uniform(rng, 3);
  switch (level) {
    case Level::kDebug:
      if (pick == 0) {
        out->append("cache miss for key session:");
        AppendHex(out, NextRandom(rng), 8);
      } else {
        out->append("query on ");
        out->append(PickFrom(rng, kTables));
        out->append(" returned ");
        AppendUint(out, Uniform(rng, 200));
        out->append(" rows");
      }
      return;
    case Level::kInfo:
      switch (Uniform(rng, 5)) {
        case 0:
          out->append("request completed");
          return;
        case 1:
          out->append("order ");
          AppendUint(out, 10000 + Uniform(rng, 990000));
          out->append(" placed");
          return;
        case 2:
          out->append("user signed in");
          return;
        case 3:
          out->append("payment authorized");
          return;
        default:
          out->append("fetched ");
          AppendUint(out, 1 + Uniform(rng, 50));
          out->append(" items from ");
          out->append(PickFrom(rng, kTables));
          return;
      }
    case Level::kWarn:
      if (pick == 0) {
        out->append("slow query on ");
        out->append(PickFrom(rng, kTables));
      } else if (pick == 1) {
        out->append("retrying call to ");
        out->append(PickFrom(rng, kUpstreams));
        out->append(" (attempt ");
        AppendUint(out, 2 + Uniform(rng, 4));
        out->append(" of 5)");
      } else {
        out->append("rate limit exceeded for client");
      }
      return;
    case Level::kError:
      if (pick == 0) {
        out->append("upstream ");
        out->append(PickFrom(rng, kUpstreams));
        out->append(" timed out");
      } else if (pick == 1) {
        out->append(json ? "rejected token \\\"" : "rejected token \"");
        AppendHex(out, NextRandom(rng), 8);
        out->append(json ? "\\\": expired" : "\": expired");
      } else {
        out->append("payment declined: card_declined");
      }
      return;
  }
}

// An IPv4 address: private ranges and public ones, never loopback or multicast.
void AppendIp(uint64_t& rng, std::string* out) {
  const uint64_t r = NextRandom(rng);
  const uint32_t kind = static_cast<uint32_t>(r % 10);
  uint32_t a;
  if (kind < 4) {
    a = 10;
  } else if (kind < 6) {
    out->append("192.168.");
    AppendUint(out, (r >> 8) & 0xff);
    out->push_back('.');
    AppendUint(out, 1 + ((r >> 16) & 0xff) % 254);
    return;
  } else {
    a = 11 + static_cast<uint32_t>((r >> 40) % 212);  // 11..222
    if (a == 127) {
      a = 128;
    }
  }
  AppendUint(out, a);
  out->push_back('.');
  AppendUint(out, (r >> 8) & 0xff);
  out->push_back('.');
  AppendUint(out, (r >> 16) & 0xff);
  out->push_back('.');
  AppendUint(out, 1 + ((r >> 24) & 0xff) % 254);
}

// A path a web server sees: pages, static assets and API calls.
void AppendWebPath(uint64_t& rng, std::string* out) {
  switch (Uniform(rng, 10)) {
    case 0:
      out->append("/");
      return;
    case 1:
      out->append("/products/");
      AppendUint(out, 1000 + Uniform(rng, 9000));
      return;
    case 2:
      out->append("/static/js/app.");
      AppendHex(out, NextRandom(rng), 8);
      out->append(".js");
      return;
    case 3:
      out->append("/static/css/main.");
      AppendHex(out, NextRandom(rng), 8);
      out->append(".css");
      return;
    case 4:
    case 5:
      out->append("/images/products/");
      AppendUint(out, 1000 + Uniform(rng, 9000));
      out->append(Uniform(rng, 2) == 0 ? "_thumb.jpg" : ".webp");
      return;
    case 6:
      out->append("/favicon.ico");
      return;
    default:
      AppendApiPath(rng, out);
      return;
  }
}

}  // namespace
}  // namespace log_vocabulary

using log_vocabulary::AppendApiPath;
using log_vocabulary::AppendHex;
using log_vocabulary::AppendIp;
using log_vocabulary::AppendMessage;
using log_vocabulary::AppendPadded;
using log_vocabulary::AppendUint;
using log_vocabulary::AppendWebPath;
using log_vocabulary::CivilFromDays;
using log_vocabulary::kAgents;
using log_vocabulary::kLevels;
using log_vocabulary::kMethods;
using log_vocabulary::kMonths;
using log_vocabulary::kReferers;
using log_vocabulary::kServices;
using log_vocabulary::kUserNames;
using log_vocabulary::LatencyMicros;
using log_vocabulary::Level;
using log_vocabulary::LevelName;
using log_vocabulary::LevelUpper;
using log_vocabulary::NextRandom;
using log_vocabulary::PickFrom;
using log_vocabulary::Put2;
using log_vocabulary::Put4;
using log_vocabulary::StatusFor;
using log_vocabulary::Uniform;

Result<LogGenerator::Format> LogGenerator::ParseFormat(std::string_view name) {
  if (name == "json") {
    return Format::kJson;
  }
  if (name == "apache") {
    return Format::kApache;
  }
  if (name == "plain") {
    return Format::kPlain;
  }
  return Err(InvalidArgument("unknown log format \"" + std::string(name) +
                             "\"; expected one of: json, apache, plain"));
}

std::string_view LogGenerator::FormatName(Format format) {
  switch (format) {
    case Format::kJson:
      return "json";
    case Format::kApache:
      return "apache";
    case Format::kPlain:
      return "plain";
  }
  return "json";
}

LogGenerator::LogGenerator(Format format, uint64_t seed, Options options)
    : format_(format), options_(options), state_(seed) {}

void LogGenerator::UpdateClock(int64_t unix_nanos) {
  const int64_t second = unix_nanos / 1000000000;
  clock_millis_ = static_cast<uint32_t>((unix_nanos % 1000000000) / 1000000);
  if (second == clock_second_) {
    return;
  }
  clock_second_ = second;
  const int64_t days = second / 86400;
  const uint32_t sod = static_cast<uint32_t>(second % 86400);
  uint32_t year, month, day;
  CivilFromDays(days, &year, &month, &day);
  const uint32_t hh = sod / 3600, mm = sod / 60 % 60, ss = sod % 60;
  // "YYYY-MM-DDTHH:MM:SS"
  Put4(iso_, year);
  iso_[4] = '-';
  Put2(iso_ + 5, month);
  iso_[7] = '-';
  Put2(iso_ + 8, day);
  iso_[10] = 'T';
  Put2(iso_ + 11, hh);
  iso_[13] = ':';
  Put2(iso_ + 14, mm);
  iso_[16] = ':';
  Put2(iso_ + 17, ss);
  // "DD/Mon/YYYY:HH:MM:SS +0000"
  Put2(apache_, day);
  apache_[2] = '/';
  std::memcpy(apache_ + 3, kMonths[month - 1].data(), 3);
  apache_[6] = '/';
  Put4(apache_ + 7, year);
  apache_[11] = ':';
  Put2(apache_ + 12, hh);
  apache_[14] = ':';
  Put2(apache_ + 15, mm);
  apache_[17] = ':';
  Put2(apache_ + 18, ss);
  std::memcpy(apache_ + 20, " +0000", 6);
}

void LogGenerator::NextLine(std::string* out) {
  UpdateClock(TimestampNanos(index_));
  switch (format_) {
    case Format::kJson:
      NextJson(out);
      break;
    case Format::kApache:
      NextApache(out);
      break;
    case Format::kPlain:
      NextPlain(out);
      break;
  }
  ++index_;
}

void LogGenerator::NextJson(std::string* out) {
  uint64_t& rng = state_;
  const Level level = PickFrom(rng, kLevels);
  out->append(R"({"time":")");
  out->append(iso_, sizeof(iso_) - 1);
  out->push_back('.');
  AppendPadded(out, clock_millis_, 3);
  out->append(R"(Z","level":")");
  out->append(LevelName(level));
  out->append(R"(","service":")");
  out->append(PickFrom(rng, kServices));
  out->append(R"(","trace_id":")");
  AppendHex(out, NextRandom(rng), 16);
  out->append(R"(","user_id":)");
  AppendUint(out, 1 + Uniform(rng, 99999));
  out->append(R"(,"path":")");
  AppendApiPath(rng, out);
  out->append(R"(","status":)");
  AppendUint(out, StatusFor(rng, level));
  out->append(R"(,"latency_ms":)");
  const uint32_t micros = LatencyMicros(rng, level);
  AppendUint(out, micros / 1000);
  out->push_back('.');
  AppendPadded(out, micros % 1000, 3);
  out->append(R"(,"msg":")");
  AppendMessage(rng, level, /*json=*/true, out);
  out->append(R"("})");
}

void LogGenerator::NextApache(std::string* out) {
  uint64_t& rng = state_;
  AppendIp(rng, out);
  out->append(" - ");
  if (Uniform(rng, 8) == 0) {
    out->append(PickFrom(rng, kUserNames));
  } else {
    out->push_back('-');
  }
  out->append(" [");
  out->append(apache_, sizeof(apache_) - 1);
  out->append("] \"");
  out->append(PickFrom(rng, kMethods));
  out->push_back(' ');
  AppendWebPath(rng, out);
  out->append(Uniform(rng, 4) == 0 ? " HTTP/2.0\" " : " HTTP/1.1\" ");
  const Level level = PickFrom(rng, kLevels);
  const uint32_t status = StatusFor(rng, level);
  AppendUint(out, status);
  out->push_back(' ');
  if (status == 204 || status == 304) {
    out->push_back('-');
  } else {
    AppendUint(out, 200 + Uniform(rng, 60000));
  }
  out->append(" \"");
  if (Uniform(rng, 2) == 0) {
    out->push_back('-');
  } else {
    out->append(PickFrom(rng, kReferers));
  }
  out->append("\" \"");
  out->append(PickFrom(rng, kAgents));
  out->push_back('"');
}

void LogGenerator::NextPlain(std::string* out) {
  uint64_t& rng = state_;
  const Level level = PickFrom(rng, kLevels);
  out->append(iso_, sizeof(iso_) - 1);
  out->push_back('.');
  AppendPadded(out, clock_millis_, 3);
  out->append("Z ");
  out->append(LevelUpper(level));
  out->append(" [worker-");
  AppendUint(out, Uniform(rng, 16));
  out->append("] ");
  out->append(PickFrom(rng, kServices));
  out->append(": ");
  AppendMessage(rng, level, /*json=*/false, out);
  if (Uniform(rng, 2) == 0) {
    out->append(" after ");
    AppendUint(out, LatencyMicros(rng, level) / 1000);
    out->append(" ms");
  }
}

}  // namespace runnel
