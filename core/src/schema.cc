#include "runnel/schema.h"

#include "runnel/check.h"

namespace runnel {

std::string FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kBool:
      return "boolean";
    case FieldType::kInt:
      return "integer";
    case FieldType::kFloat:
      return "number";
    case FieldType::kString:
      return "string";
    case FieldType::kStringList:
      return "array of strings";
    case FieldType::kStringMap:
      return "table of strings";
    case FieldType::kDuration:
      return "duration (e.g. \"250ms\", \"5s\", \"1m\")";
    case FieldType::kSize:
      return "size (e.g. \"64KiB\", \"16MiB\", \"1GiB\")";
    case FieldType::kEnum:
      return "string";
  }
  return "unknown";
}

Schema& Schema::Required(std::string name, FieldType type, std::string description) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.required = true;
  f.description = std::move(description);
  fields_.push_back(std::move(f));
  return *this;
}

Schema& Schema::Optional(std::string name, FieldType type, std::string default_value,
                         std::string description) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.default_value = std::move(default_value);
  f.description = std::move(description);
  fields_.push_back(std::move(f));
  return *this;
}

Schema& Schema::OptionalNoDefault(std::string name, FieldType type, std::string description) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.description = std::move(description);
  fields_.push_back(std::move(f));
  return *this;
}

Schema& Schema::EnumNoDefault(std::string name, std::vector<std::string> choices,
                              std::string description) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = FieldType::kEnum;
  f.choices = std::move(choices);
  f.description = std::move(description);
  fields_.push_back(std::move(f));
  return *this;
}

Schema& Schema::Enum(std::string name, std::vector<std::string> choices, std::string default_value,
                     std::string description) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = FieldType::kEnum;
  f.choices = std::move(choices);
  f.default_value = std::move(default_value);
  f.description = std::move(description);
  fields_.push_back(std::move(f));
  return *this;
}

Schema& Schema::Range(int64_t min, int64_t max) {
  RUNNEL_CHECK(!fields_.empty());
  fields_.back().min = min;
  fields_.back().max = max;
  return *this;
}

const FieldSpec* Schema::Find(const std::string& name) const {
  for (const FieldSpec& f : fields_) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace runnel
