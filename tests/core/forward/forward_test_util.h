#pragma once
// Helpers for the forward codec tests: frames are written as hex by hand from the spec.

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

namespace runnel::forward::testing {

// "93 a3 61" -> bytes. Spaces and '|' (used to mark fields) are ignored.
inline std::string FromHex(std::string_view hex) {
  std::string out;
  int nibble = -1;
  for (char c : hex) {
    if (c == ' ' || c == '|' || c == '\n') {
      continue;
    }
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    EXPECT_TRUE(v >= 0 && v < 16) << "bad hex digit " << c;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<char>(nibble << 4 | v));
      nibble = -1;
    }
  }
  EXPECT_EQ(nibble, -1) << "odd number of hex digits";
  return out;
}

inline std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Pieces used across the tests (1700000000 = 0x6553f100, 123456789 = 0x075bcd15).
inline constexpr std::string_view kTagApp = "a3 617070";                     // "app"
inline constexpr std::string_view kTimeExt = "d7 00 6553f100 075bcd15";      // fixext8 EventTime
inline constexpr std::string_view kTimeExt8 = "c7 08 00 6553f100 075bcd15";  // ext8 EventTime
inline constexpr std::string_view kTimeInt = "ce 6553f100";                  // uint32 seconds
inline constexpr std::string_view kRecordKV = "81 a16b a176";                // {"k":"v"}
inline constexpr std::string_view kRecordKW = "81 a16b a177";                // {"k":"w"}

// A batch entry as runnel stores it: [fixext8 time, record].
inline std::string Entry(std::string_view time_hex, std::string_view record_hex) {
  return FromHex("92 " + std::string(time_hex) + " " + std::string(record_hex));
}

}  // namespace runnel::forward::testing
