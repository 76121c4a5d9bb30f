#pragma once
// Internal to runnel_formats: reads one JSON object member by member, for the JSON-shaped
// formats (docker, istio, linkerd). Strings are unescaped (into the arena only when they hold an
// escape; \uXXXX becomes UTF-8, a lone surrogate U+FFFD); other bytes pass as they are.
// Integers that fit int64 become Int, other numbers Double, true/false Bool, null Null; nested
// objects and arrays are encoded as msgpack into the arena (Raw), at most kMaxNesting deep.
// Not thread-safe: one reader per scan.

#include <string>
#include <string_view>

#include "runnel/arena.h"
#include "runnel/record.h"

namespace runnel::formats::internal {

class JsonObjectReader {
 public:
  static constexpr int kMaxNesting = 32;

  JsonObjectReader(std::string_view text, Arena& arena);

  // Expects '{' (after whitespace). nullptr or a static message.
  const char* Begin();
  // The next member: true with *key and *value set; false at the closing '}' (then error()
  // is nullptr and only whitespace may follow) or on an error (error() says which).
  bool Next(std::string_view* key, Value* value);
  const char* error() const { return error_; }

 private:
  void SkipWhitespace();
  bool String(std::string_view* out);
  bool Number(Value* out);
  bool Literal(Value* out);
  // A nested object or array as msgpack appended to *out.
  bool Nested(std::string* out, int depth);
  bool Scalar(Value* value, std::string* nested_out, int depth);
  bool Fail(const char* message) {
    error_ = message;
    return false;
  }

  std::string_view text_;
  Arena& arena_;
  size_t pos_ = 0;
  bool first_ = true;
  bool done_ = false;
  const char* error_ = nullptr;
  std::string& unescaped_;  // per thread, so that a warm reader allocates nothing
};

}  // namespace runnel::formats::internal
