#pragma once
// Reading ClickHouse's error answers. ClickHouse (18.16 as later releases) answers a failed
// query with an HTTP error status and a body that starts "Code: NNN" followed by the
// exception's text; a row-level parse error ends with "(at row N)", N counted from 1 within
// the insert. Which codes mean what for an insert:
//   kRowData   - the data of one row does not fit the table (parse errors, type mismatches):
//                that row can never be inserted, the rest of the request can.
//   kTransient - the server is busy or short of something (memory, parts, connections,
//                time): the same insert may succeed later.
//   kRefused   - the server refuses every insert whatever the rows (no such table or column,
//                authentication, read-only): retried, since an operator's fix makes them
//                succeed and the buffer holds the data meanwhile.
//   kOther     - anything else: the HTTP status decides (5xx retried, 4xx rejected).
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace runnel::plugins::clickhouse {

struct ServerError {
  int code = 0;
  std::string message;  // the exception's text, without the "Code: NNN" prefix and trailer
  int64_t row = 0;      // from "(at row N)", 0 when absent
};

enum class ErrorClass { kRowData, kTransient, kRefused, kOther };

// The error in a response body; nullopt when the body does not start with "Code: <digits>".
std::optional<ServerError> ParseServerError(std::string_view body);

ErrorClass ClassifyErrorCode(int code);

// "ClickHouse error 27: Cannot parse input: ... (at row 2)"
std::string DescribeError(const ServerError& error);

}  // namespace runnel::plugins::clickhouse
