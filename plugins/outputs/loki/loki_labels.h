#pragma once
// The labels of a Loki stream, taken from each event: which fields and constants become labels,
// the rules they follow, and the two textual forms Loki reads (a JSON object, and the
// `{a="b", c="d"}` selector form of the protobuf push).
//
// Rules (checked when the rules are built, errors name the label):
//   - a label name matches [a-zA-Z_][a-zA-Z0-9_]* and appears once;
//   - at most kMaxLabels labels (Loki's default max_label_names_per_series);
//   - a value "$name" is the event's top-level field `name`; "$$..." is the constant "$..."
//     (one '$' removed); any other value is a constant.
// Per event: a field that is missing, null or empty omits its label; a string is taken as it
// is, a number or boolean as its text, a map or array as its JSON text; values longer than
// kMaxLabelValueBytes are cut there (at a UTF-8 boundary). The label set is sorted by name.
// Immutable after construction; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/status.h"

namespace runnel::plugins::loki {

inline constexpr size_t kMaxLabels = 15;
inline constexpr size_t kMaxLabelValueBytes = 2048;

// name -> value, sorted by name.
using LabelSet = std::vector<std::pair<std::string, std::string>>;

// Whether `name` is a valid Loki label name.
bool ValidLabelName(std::string_view name);

class LabelRules {
 public:
  struct Rule {
    std::string name;
    std::string field;     // non-empty: the value is this field's
    std::string constant;  // otherwise this
  };

  // `labels` as configured (name -> "$field" or constant), then `label_keys` (fields that
  // become labels of the same name). InvalidArgument naming the offending label.
  static Result<LabelRules> Build(const StringMap& labels, const std::vector<std::string>& keys);

  // The labels of the msgpack map `record`. DataLoss when it is not a valid map.
  Result<LabelSet> Extract(std::string_view record) const;

  // Whether top-level field `key` feeds a label (the line formats leave such fields out).
  bool UsesField(std::string_view key) const;

  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;  // sorted by name
};

// Appends the text of one msgpack value `value` (its complete encoding): a string or binary as
// its bytes, anything else as its JSON text. DataLoss when it is not valid msgpack.
Status AppendValueText(std::string_view value, std::string* out);

// `{a="b", c="d"}`: values quoted with \\, \", \n, \r, \t and \xHH for other control bytes.
std::string SelectorString(const LabelSet& labels);

}  // namespace runnel::plugins::loki
