#pragma once
// The words LogGenerator builds its lines from. Private to log_generator.cc.

#include <array>
#include <cstdint>
#include <string_view>

namespace runnel::log_vocabulary {

using std::string_view_literals::operator""sv;

// A weighted choice from a small table; weights need not sum to anything in particular.
template <typename T>
struct Weighted {
  T value;
  uint32_t weight;
};

constexpr std::array kMonths = {"Jan"sv, "Feb"sv, "Mar"sv, "Apr"sv, "May"sv, "Jun"sv,
                                "Jul"sv, "Aug"sv, "Sep"sv, "Oct"sv, "Nov"sv, "Dec"sv};

// --- Vocabularies ---------------------------------------------------------------------------

enum class Level { kDebug, kInfo, kWarn, kError };

constexpr std::array<Weighted<Level>, 4> kLevels = {
    {{Level::kDebug, 12}, {Level::kInfo, 72}, {Level::kWarn, 11}, {Level::kError, 5}}};

constexpr std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

constexpr std::string_view LevelUpper(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO ";
    case Level::kWarn:
      return "WARN ";
    case Level::kError:
      return "ERROR";
  }
  return "INFO ";
}

constexpr std::array kServices = {"checkout"sv, "payments"sv, "auth"sv,     "catalog"sv,
                                  "search"sv,   "cart"sv,     "shipping"sv, "inventory"sv,
                                  "gateway"sv,  "users"sv,    "orders"sv,   "notifier"sv};

constexpr std::array kTables = {"orders"sv,     "users"sv,    "sessions"sv,
                                "line_items"sv, "payments"sv, "inventory"sv};

constexpr std::array kUpstreams = {"payments:8443"sv, "inventory:9000"sv, "redis-0:6379"sv,
                                   "postgres-primary:5432"sv, "search-2:9200"sv};

constexpr std::array<Weighted<std::string_view>, 5> kMethods = {
    {{"GET", 80}, {"POST", 12}, {"PUT", 3}, {"DELETE", 2}, {"HEAD", 3}}};

constexpr std::array kUserNames = {"alice"sv, "bob"sv,   "carol"sv, "dave"sv,
                                   "erin"sv,  "frank"sv, "grace"sv, "heidi"sv};

constexpr std::array kAgents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"sv,
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"sv,
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"sv,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1"sv,
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"sv,
    "curl/8.5.0"sv,
    "Go-http-client/1.1"sv,
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"sv,
};

constexpr std::array kReferers = {"https://www.example.com/"sv,
                                  "https://www.example.com/products"sv,
                                  "https://www.example.com/cart"sv, "https://www.google.com/"sv,
                                  "https://shop.example.com/search?q=shoes"sv};

}  // namespace runnel::log_vocabulary
