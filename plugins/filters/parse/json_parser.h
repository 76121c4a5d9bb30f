#pragma once
// JsonParser: turns a JSON object into top-level fields, with simdjson (DOM, error codes only).
//
// Members become fields in document order (duplicates are kept; the caller decides which wins).
// Strings and keys are unescaped and copied into the arena; integers that fit int64 become
// Value::Int, larger ones up to 2^64-1 Value::Uint; other numbers Value::Double; true/false and
// null natively. Nested objects and arrays are encoded as msgpack into the arena and stored as
// Value::Raw. Anything else is an error: invalid JSON or UTF-8, a document that is not an
// object, integers outside [-2^63, 2^64) (simdjson rejects them), nesting deeper than
// kMaxNesting levels.
//
// Reuses its buffers: once warm it allocates nothing per document but arena bytes. Buffers grown
// for a document above kRetainBytes are freed after it, so one huge line does not pin memory.
// Not thread-safe: one per thread.

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/arena.h"
#include "runnel/record.h"

namespace runnel::plugins::parse {

class JsonParser {
 public:
  // Deeper documents are rejected, so what is stored stays within what msgpack readers accept.
  static constexpr int kMaxNesting = 32;
  static constexpr size_t kRetainBytes = 1 << 20;

  // Appends the members of the object `text` to *fields. Returns nullptr on success, or a
  // static message saying why `text` is not accepted (then *fields may hold a partial result).
  const char* Parse(std::string_view text, Arena& arena, std::vector<Field>* fields);

  // Bytes held by the reusable buffers (for tests).
  size_t retained_bytes() const {
    return padded_capacity_ + parser_.capacity() + msgpack_.capacity();
  }

 private:
  const char* ParseDocument(std::string_view text, Arena& arena, std::vector<Field>* fields);

  // Appends `element` as msgpack to msgpack_; false when nested too deep.
  bool Encode(simdjson::dom::element element, int depth);

  simdjson::dom::parser parser_;
  std::unique_ptr<char[]> padded_;
  size_t padded_capacity_ = 0;
  std::string msgpack_;
};

}  // namespace runnel::plugins::parse
