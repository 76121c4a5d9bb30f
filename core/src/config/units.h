#pragma once
// Durations and sizes as users write them in a config.
//   duration: "250ms", "5s", "1m", "2h", "1d"   (a whole number and a unit)
//   size:     "512B", "64KiB", "2MiB", "1GiB", "10MB", "4096"   (KB/MB/GB/TB are powers of 1000,
//             KiB/MiB/GiB/TiB powers of 1024; units are case-insensitive; a bare number is bytes)
// An integer in TOML (not a string) is milliseconds or bytes; the caller handles that case.
// Pure functions; thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runnel/schema.h"

namespace runnel::config {

// nullopt when `text` is not a duration of the form above or overflows.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);
// nullopt when `text` is not a size of the form above or overflows 64 bits.
std::optional<uint64_t> ParseSize(std::string_view text);

// The shortest exact spelling: 30000ms -> "30s", 90000ms -> "90s", 3600000ms -> "1h".
std::string FormatDuration(std::chrono::milliseconds d);
// The largest exact binary unit: 268435456 -> "256MiB", 1000 -> "1000B".
std::string FormatSize(uint64_t bytes);

// The bounds of a kInt, kDuration or kSize field as text: "between 1 and 64", "at least 10ms",
// "at most 1GiB", or "" when it has none. INT64_MIN and INT64_MAX count as no bound.
std::string DescribeBounds(const FieldSpec& spec);

// What the hints say about accepted forms.
inline constexpr std::string_view kDurationForms =
    "write a whole number and a unit (ms, s, m, h, d), e.g. \"250ms\", \"5s\", \"1m\", \"2h\", "
    "or an integer of milliseconds";
inline constexpr std::string_view kSizeForms =
    "write a number and a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. \"512KiB\", "
    "\"64MiB\", \"1GiB\", \"10MB\", or an integer of bytes";

}  // namespace runnel::config
