#pragma once
// The parse filter's configuration: its schema, and the validated, immutable form the filter
// runs with (the regex compiled once, the time format compiled once).

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/filters/parse/time_format.h"
#include "plugins/formats/format.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::parse {

// kNamed: one of the named-format scanners of plugins/formats (syslog, cri, nginx_error, ...).
enum class Format { kJson, kRegex, kLogfmt, kNamed };
enum class OnError { kKeep, kDrop };
enum class ValueType { kInt, kFloat, kBool };

// `types`: a parsed string field converted to another type.
struct TypeRule {
  std::string key;
  ValueType type = ValueType::kInt;
};

struct RegexGroup {
  int index = 0;     // capture group number, 1-based
  std::string name;  // the field it sets
};

struct ParseConfig {
  Format format = Format::kJson;
  std::string field = "log";
  std::unique_ptr<const RE2> regex;        // kRegex only
  std::vector<RegexGroup> groups;          // kRegex: the named groups, by index
  int regex_groups = 0;                    // kRegex: number of capturing groups, named or not
  const formats::Format* named = nullptr;  // kNamed: the scanner (static)
  formats::ScanOptions scan_options;       // kNamed: utc_offset
  bool keep_original = false;
  std::string target;                     // empty: parsed fields are merged at the top level
  std::string time_key;                   // empty: the event time is left alone
  std::optional<TimeFormat> time_format;  // set when time_key is
  bool time_keep = true;
  std::vector<TypeRule> types;  // in file order
  OnError on_error = OnError::kKeep;
};

// The schema: every key, its type, default and reference text.
Schema ParseSchema();

// Builds the config from a node validated against ParseSchema(). InvalidArgument, positioned
// by ConfigNode::Error, when values do not fit together: e.g. format "regex" without `regex`,
// a regex that does not compile or has no named group, a bad time_format.
Result<ParseConfig> BuildParseConfig(const ConfigNode& node);

}  // namespace runnel::plugins::parse
