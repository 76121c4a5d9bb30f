#include "config/units.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

namespace runnel::config {
namespace {

// Splits "  64 MiB " into 64 and "MiB". False when there is no leading number or it overflows.
bool SplitNumber(std::string_view text, uint64_t* number, std::string_view* unit) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - digit) / 10) {
      return false;
    }
    n = n * 10 + digit;
    ++i;
  }
  if (i == 0) {
    return false;
  }
  std::string_view rest = text.substr(i);
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
  }
  *number = n;
  *unit = rest;
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool MultiplyChecked(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > UINT64_MAX / a) {
    return false;
  }
  *out = a * b;
  return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return std::nullopt;
  }
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 5> kUnits = {{
      {"ms", 1},
      {"s", 1000},
      {"m", 60'000},
      {"h", 3'600'000},
      {"d", 86'400'000},
  }};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      uint64_t ms = 0;
      if (!MultiplyChecked(n, factor, &ms) || ms > static_cast<uint64_t>(INT64_MAX)) {
        return std::nullopt;
      }
      return std::chrono::milliseconds(static_cast<int64_t>(ms));
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseSize(std::string_view text) {
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return std::nullopt;
  }
  static constexpr uint64_t kKi = 1024;
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 10> kUnits = {{
      {"", 1},
      {"b", 1},
      {"kb", 1000},
      {"mb", 1000ull * 1000},
      {"gb", 1000ull * 1000 * 1000},
      {"tb", 1000ull * 1000 * 1000 * 1000},
      {"kib", kKi},
      {"mib", kKi * kKi},
      {"gib", kKi * kKi * kKi},
      {"tib", kKi * kKi * kKi * kKi},
  }};
  for (const auto& [name, factor] : kUnits) {
    if (EqualsIgnoreCase(unit, name)) {
      uint64_t bytes = 0;
      if (!MultiplyChecked(n, factor, &bytes)) {
        return std::nullopt;
      }
      return bytes;
    }
  }
  return std::nullopt;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  if (ms % 3'600'000 == 0) {
    return std::to_string(ms / 3'600'000) + "h";
  }
  if (ms % 60'000 == 0) {
    return std::to_string(ms / 60'000) + "m";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

std::string FormatSize(uint64_t bytes) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 4> kUnits = {{
      {"TiB", 1ull << 40},
      {"GiB", 1ull << 30},
      {"MiB", 1ull << 20},
      {"KiB", 1ull << 10},
  }};
  if (bytes != 0) {
    for (const auto& [name, factor] : kUnits) {
      if (bytes % factor == 0) {
        return std::to_string(bytes / factor) + std::string(name);
      }
    }
  }
  return std::to_string(bytes) + "B";
}

std::string DescribeBounds(const FieldSpec& spec) {
  auto format = [&spec](int64_t v) {
    if (spec.type == FieldType::kDuration && v >= 0) {
      return FormatDuration(std::chrono::milliseconds(v));
    }
    if (spec.type == FieldType::kSize && v >= 0) {
      return FormatSize(static_cast<uint64_t>(v));
    }
    return std::to_string(v);
  };
  const bool has_min = spec.min.has_value() && *spec.min != INT64_MIN;
  const bool has_max = spec.max.has_value() && *spec.max != INT64_MAX;
  if (has_min && has_max) {
    return "between " + format(*spec.min) + " and " + format(*spec.max);
  }
  if (has_min) {
    return "at least " + format(*spec.min);
  }
  if (has_max) {
    return "at most " + format(*spec.max);
  }
  return "";
}

}  // namespace runnel::config
