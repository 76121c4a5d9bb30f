#include "tests/testing/fake_es_filter.h"

#include <simdjson.h>

#include <string>
#include <utility>
#include <vector>

#include "runnel/json_writer.h"

namespace runnel::testing::fake_es {
namespace {

namespace dom = simdjson::dom;

// A JSON string literal of `s` (RFC 8259 escapes, as runnel writes them).
std::string Quote(std::string_view s) {
  std::string out;
  JsonWriter::AppendString(s, &out);
  return out;
}

// filter_path: `patterns` are split at '.'; `states` the positions reached in each.
void Filter(dom::element e, const std::vector<std::vector<std::string>>& patterns,
            const std::vector<std::pair<size_t, size_t>>& states, std::string* out) {
  if (e.type() == dom::element_type::ARRAY) {
    std::string items;
    for (dom::element child : dom::array(e)) {
      std::string part;
      Filter(child, patterns, states, &part);
      if (!part.empty()) {
        if (!items.empty()) items.push_back(',');
        items += part;
      }
    }
    if (!items.empty()) {
      *out = "[" + items + "]";
    }
    return;
  }
  if (e.type() != dom::element_type::OBJECT) {
    return;  // a leaf the paths go beyond
  }
  std::string members;
  for (dom::key_value_pair kv : dom::object(e)) {
    std::vector<std::pair<size_t, size_t>> next;
    bool whole = false;
    for (auto [p, pos] : states) {
      const std::string& part = patterns[p][pos];
      if (part == "*" || part == kv.key) {
        if (pos + 1 == patterns[p].size()) {
          whole = true;
        } else {
          next.emplace_back(p, pos + 1);
        }
      }
    }
    std::string value;
    if (whole) {
      value = simdjson::minify(kv.value);
    } else if (!next.empty()) {
      Filter(kv.value, patterns, next, &value);
    }
    if (!value.empty()) {
      if (!members.empty()) members.push_back(',');
      members += Quote(kv.key) + ":" + value;
    }
  }
  if (!members.empty()) {
    *out = "{" + members + "}";
  }
}

bool Glob(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) {
    return name.empty();
  }
  if (pattern.front() == '*') {
    for (size_t i = 0; i <= name.size(); ++i) {
      if (Glob(pattern.substr(1), name.substr(i))) return true;
    }
    return false;
  }
  return !name.empty() && pattern.front() == name.front() &&
         Glob(pattern.substr(1), name.substr(1));
}

}  // namespace

bool IndexMatches(std::string_view pattern, std::string_view name) {
  if (pattern.empty() || pattern == "_all") {
    return true;
  }
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t comma = pattern.find(',', start);
    if (comma == std::string_view::npos) comma = pattern.size();
    if (Glob(pattern.substr(start, comma - start), name)) return true;
    start = comma + 1;
  }
  return false;
}

std::string FilterPath(std::string_view json, std::string_view filter_path) {
  std::vector<std::vector<std::string>> patterns;
  size_t start = 0;
  while (start <= filter_path.size()) {
    size_t comma = filter_path.find(',', start);
    if (comma == std::string_view::npos) comma = filter_path.size();
    std::vector<std::string> parts;
    std::string_view path = filter_path.substr(start, comma - start);
    size_t p = 0;
    while (p <= path.size() && !path.empty()) {
      size_t dot = path.find('.', p);
      if (dot == std::string_view::npos) dot = path.size();
      parts.emplace_back(path.substr(p, dot - p));
      p = dot + 1;
    }
    if (!parts.empty()) patterns.push_back(std::move(parts));
    start = comma + 1;
  }
  dom::parser parser;
  dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    return std::string(json);
  }
  std::vector<std::pair<size_t, size_t>> states;
  for (size_t i = 0; i < patterns.size(); ++i) states.emplace_back(i, 0);
  std::string out;
  Filter(doc, patterns, states, &out);
  return out.empty() ? "{}" : out;
}

}  // namespace runnel::testing::fake_es
