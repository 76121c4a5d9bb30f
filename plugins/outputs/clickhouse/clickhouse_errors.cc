#include "clickhouse_errors.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace runnel::plugins::clickhouse {
namespace {

// Codes of ClickHouse's ErrorCodes, by class.
constexpr std::array kRowDataCodes = {
    6,    // CANNOT_PARSE_TEXT
    25,   // CANNOT_PARSE_ESCAPE_SEQUENCE
    26,   // CANNOT_PARSE_QUOTED_STRING
    27,   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    32,   // ATTEMPT_TO_READ_AFTER_EOF
    33,   // CANNOT_READ_ALL_DATA
    38,   // CANNOT_PARSE_DATE
    41,   // CANNOT_PARSE_DATETIME
    53,   // TYPE_MISMATCH
    69,   // ARGUMENT_OUT_OF_BOUND
    70,   // CANNOT_CONVERT_TYPE
    72,   // CANNOT_PARSE_NUMBER
    117,  // INCORRECT_DATA
    131,  // TOO_LARGE_STRING_SIZE
    349,  // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
};
constexpr std::array kTransientCodes = {
    3,    // UNEXPECTED_END_OF_FILE: the body was cut on its way
    159,  // TIMEOUT_EXCEEDED
    173,  // CANNOT_ALLOCATE_MEMORY
    201,  // QUOTA_EXPIRED
    202,  // TOO_MANY_SIMULTANEOUS_QUERIES
    203,  // NO_FREE_CONNECTION
    209,  // SOCKET_TIMEOUT
    210,  // NETWORK_ERROR
    225,  // NO_ZOOKEEPER
    236,  // ABORTED
    241,  // MEMORY_LIMIT_EXCEEDED
    242,  // TABLE_IS_READ_ONLY (a replica without ZooKeeper)
    252,  // TOO_MANY_PARTS
    285,  // TOO_FEW_LIVE_REPLICAS
    286,  // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
    319,  // UNKNOWN_STATUS_OF_INSERT
    394,  // QUERY_WAS_CANCELLED
    425,  // SYSTEM_ERROR
    439,  // CANNOT_SCHEDULE_TASK
    999,  // KEEPER_EXCEPTION
};
constexpr std::array kRefusedCodes = {
    16,   // NO_SUCH_COLUMN_IN_TABLE
    60,   // UNKNOWN_TABLE
    81,   // UNKNOWN_DATABASE
    164,  // READONLY
    192,  // UNKNOWN_USER
    193,  // WRONG_PASSWORD
    194,  // REQUIRED_PASSWORD
    195,  // IP_ADDRESS_NOT_ALLOWED
    497,  // ACCESS_DENIED
    516,  // AUTHENTICATION_FAILED
};

template <size_t N>
bool Contains(const std::array<int, N>& codes, int code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

int64_t ReadNumber(std::string_view s, size_t* pos) {
  int64_t n = 0;
  size_t i = *pos;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && n < 1'000'000'000'000) {
    n = n * 10 + (s[i] - '0');
    ++i;
  }
  *pos = i;
  return n;
}

}  // namespace

std::optional<ServerError> ParseServerError(std::string_view body) {
  constexpr std::string_view kCode = "Code: ";
  if (!body.starts_with(kCode)) {
    return std::nullopt;
  }
  size_t pos = kCode.size();
  const size_t digits_start = pos;
  ServerError error;
  error.code = static_cast<int>(ReadNumber(body, &pos));
  if (pos == digits_start) {
    return std::nullopt;
  }
  // 18.16: "Code: 27, e.displayText() = DB::Exception: <text>, e.what() = DB::Exception";
  // later: "Code: 27. DB::Exception: <text>. (NAME) (version ...)".
  std::string_view rest = body.substr(pos);
  constexpr std::string_view kException = "DB::Exception: ";
  if (size_t e = rest.find(kException); e != std::string_view::npos) {
    rest = rest.substr(e + kException.size());
  } else {
    while (!rest.empty() && (rest.front() == ',' || rest.front() == '.' || rest.front() == ' ')) {
      rest.remove_prefix(1);
    }
  }
  if (size_t w = rest.find(", e.what() = "); w != std::string_view::npos) {
    rest = rest.substr(0, w);
  }
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ' || rest.back() == '\r')) {
    rest.remove_suffix(1);
  }
  error.message = std::string(rest);
  std::replace(error.message.begin(), error.message.end(), '\n', ' ');
  constexpr std::string_view kAtRow = "(at row ";
  if (size_t r = rest.find(kAtRow); r != std::string_view::npos) {
    size_t p = r + kAtRow.size();
    error.row = ReadNumber(rest, &p);
  }
  return error;
}

ErrorClass ClassifyErrorCode(int code) {
  if (Contains(kRowDataCodes, code)) {
    return ErrorClass::kRowData;
  }
  if (Contains(kTransientCodes, code)) {
    return ErrorClass::kTransient;
  }
  if (Contains(kRefusedCodes, code)) {
    return ErrorClass::kRefused;
  }
  return ErrorClass::kOther;
}

std::string DescribeError(const ServerError& error) {
  return "ClickHouse error " + std::to_string(error.code) + ": " + error.message;
}

}  // namespace runnel::plugins::clickhouse
