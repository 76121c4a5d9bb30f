#pragma once
// IndexPattern: an Elasticsearch index name, fixed ("logs") or with the event's date in it
// ("logs-%Y.%m.%d"), in UTC. The conversions are a subset of strftime's:
//   %Y year (4 digits)   %y year (2 digits)   %m month 01-12   %d day 01-31
//   %H hour 00-23        %j day of the year 001-366           %%  a '%'
// Anything else after '%' is refused when the pattern is compiled. The name is computed once
// per hour (Format caches the last one), so formatting costs a comparison per event.
//
// Thread-compatible: one IndexPattern per thread (Format updates its cache).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/msgpack.h"
#include "runnel/status.h"

namespace runnel::plugins::elasticsearch {

// Whether `name` is an index name Elasticsearch and OpenSearch accept: 1 to 255 bytes,
// lowercase, none of \ / * ? " < > | space , # :, not starting with - _ +, not "." or "..".
// Returns "" when it is, else why not ("must be lowercase").
std::string_view IndexNameProblem(std::string_view name);

class IndexPattern {
 public:
  // InvalidArgument naming what is wrong: an unknown conversion ("%Q is not one of %Y %y %m %d
  // %H %j %%"), a trailing '%', or literal text that can never make a valid index name
  // (uppercase letters, forbidden characters, a leading '-', '_' or '+').
  static Result<IndexPattern> Compile(std::string_view pattern);

  // True when the pattern has no conversion: Format gives the same name for every event.
  bool fixed() const { return fixed_; }
  const std::string& text() const { return text_; }

  // The index name for an event at `time` (UTC). The view is valid until the next call.
  std::string_view Format(EventTime time);

 private:
  struct Piece {
    char conversion = 0;  // 0: `literal`
    std::string literal;
  };
  std::string text_;
  std::vector<Piece> pieces_;
  bool fixed_ = true;
  int64_t cached_hour_ = -1;  // hours since the epoch of `cached_`, -1: none
  std::string cached_;
};

}  // namespace runnel::plugins::elasticsearch
