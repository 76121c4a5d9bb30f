#pragma once
// JSON helpers of the fake Elasticsearch (fake_elasticsearch.h): Elasticsearch's filter_path
// response filtering and its index patterns. Thread-safe (no state).

#include <string>
#include <string_view>

namespace runnel::testing::fake_es {

// Keeps of the JSON `json` only what `filter_path` (comma-separated paths of keys and '*',
// arrays transparent, as Elasticsearch's filter_path) selects; "{}" when nothing.
std::string FilterPath(std::string_view json, std::string_view filter_path);

// Whether `name` matches the comma-separated '*' patterns of `pattern` ("" and "_all": all).
bool IndexMatches(std::string_view pattern, std::string_view name);

}  // namespace runnel::testing::fake_es
