#include "plugins/filters/parse/logfmt_parser.h"

#include <cstring>

namespace runnel::plugins::parse {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Unescapes the quoted value `raw` (without its quotes) into the arena.
std::string_view Unescape(std::string_view raw, Arena& arena) {
  char* out = arena.Allocate(raw.size());
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      const char e = raw[++i];
      switch (e) {
        case '"':
          c = '"';
          break;
        case '\\':
          c = '\\';
          break;
        case '/':
          c = '/';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        default:
          out[n++] = '\\';
          c = e;
      }
    }
    out[n++] = c;
  }
  return {out, n};
}

}  // namespace

const char* ParseLogfmt(std::string_view text, Arena& arena, std::vector<Field>* fields) {
  const size_t end = text.size();
  size_t i = 0;
  size_t pairs = 0;
  while (true) {
    while (i < end && IsSpace(text[i])) {
      ++i;
    }
    if (i == end) {
      break;
    }
    const size_t key_start = i;
    while (i < end && !IsSpace(text[i]) && text[i] != '=' && text[i] != '"') {
      ++i;
    }
    if (i < end && text[i] == '"') {
      return "quote in a key";
    }
    if (i == key_start) {
      return "'=' without a key";
    }
    const std::string_view key = text.substr(key_start, i - key_start);
    ++pairs;
    if (i == end || text[i] != '=') {
      fields->push_back(Field{key, Value::Bool(true)});
      continue;
    }
    ++i;  // '='
    if (i < end && text[i] == '"') {
      const size_t value_start = ++i;
      bool escaped = false;
      while (i < end && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < end) {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (i == end) {
        return "unterminated quoted value";
      }
      const std::string_view raw = text.substr(value_start, i - value_start);
      ++i;  // closing quote
      if (i < end && !IsSpace(text[i])) {
        return "no space after a quoted value";
      }
      fields->push_back(Field{key, Value::String(escaped ? Unescape(raw, arena) : raw)});
      continue;
    }
    const size_t value_start = i;
    while (i < end && !IsSpace(text[i])) {
      if (text[i] == '"') {
        return "quote in an unquoted value";
      }
      ++i;
    }
    fields->push_back(Field{key, Value::String(text.substr(value_start, i - value_start))});
  }
  if (pairs == 0) {
    return "no pairs";
  }
  return nullptr;
}

}  // namespace runnel::plugins::parse
