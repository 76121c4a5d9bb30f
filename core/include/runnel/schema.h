#pragma once
// Schema: what a plugin declares about its configuration. The same declaration validates a
// config (unknown keys, wrong types, missing required keys, bad choices), fills in defaults, and
// is the plugin's reference documentation (`--describe`).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runnel {

enum class FieldType {
  kBool,
  kInt,
  kFloat,
  kString,
  kStringList,  // ["a", "b"]; a single string is not accepted
  kStringMap,   // { key = "value", ... }
  kDuration,    // "250ms", "5s", "1m", "2h" or an integer of milliseconds
  kSize,        // "64KiB", "2MiB", "1GiB", "10MB" or an integer of bytes
  kEnum,        // a string, one of `choices`
};

// "string", "array of strings", "duration (e.g. \"5s\")" ... as error messages name them.
std::string FieldTypeName(FieldType type);

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::optional<std::string> default_value;  // as the user would write it in TOML, e.g. "\"head\""
  std::string description;
  std::vector<std::string> choices;  // kEnum
  std::optional<int64_t> min;        // kInt, kDuration (ms), kSize (bytes)
  std::optional<int64_t> max;
};

class Schema {
 public:
  // Builders: each returns *this so a plugin declares its schema in one expression.
  Schema& Required(std::string name, FieldType type, std::string description);
  Schema& Optional(std::string name, FieldType type, std::string default_value,
                   std::string description);
  // An optional field with no default: absent unless the user sets it.
  Schema& OptionalNoDefault(std::string name, FieldType type, std::string description);
  Schema& Enum(std::string name, std::vector<std::string> choices, std::string default_value,
               std::string description);
  // An enum with no default: absent unless the user sets it (the default depends on context).
  Schema& EnumNoDefault(std::string name, std::vector<std::string> choices,
                        std::string description);
  // Bounds for the field declared last.
  Schema& Range(int64_t min, int64_t max);

  const std::vector<FieldSpec>& fields() const { return fields_; }
  const FieldSpec* Find(const std::string& name) const;

 private:
  std::vector<FieldSpec> fields_;
};

}  // namespace runnel
