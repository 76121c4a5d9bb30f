#pragma once
// logfmt: `key=value key2="quoted value" flag`, pairs separated by whitespace.
//
//   key      a run of bytes other than whitespace, '=' and '"'
//   value    after '=': either a run of bytes other than whitespace (may be empty: `key=`), or a
//            double-quoted string with the escapes \" \\ \/ \n \r \t (another escaped byte is
//            kept with its backslash)
//   flag     a key with no '=' is the boolean true
// Values are strings; no type is guessed. Fields come out in line order (duplicates kept; the
// caller decides which wins). Unescaped values go in the arena; others view `text`.
// Errors: an empty or blank line, a pair with no key (`=v`), a quote inside a key or a bare
// value, an unterminated quoted value, a quoted value not followed by whitespace.

#include <string_view>
#include <vector>

#include "runnel/arena.h"
#include "runnel/record.h"

namespace runnel::plugins::parse {

// Appends the pairs of `text` to *fields. Returns nullptr, or a static message.
const char* ParseLogfmt(std::string_view text, Arena& arena, std::vector<Field>* fields);

}  // namespace runnel::plugins::parse
