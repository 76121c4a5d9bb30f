#pragma once
// Helpers for the filter tests: a ConfigNode as the config loader would hand it to a factory
// (schema defaults filled in), events built directly, and records rendered as JSON for exact
// comparisons.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/json_writer.h"
#include "runnel/msgpack.h"
#include "runnel/record.h"
#include "runnel/schema.h"

namespace runnel::filters_testing {

using ConfigVariant = decltype(ConfigValue::value);

// Where the tests pretend a node and its keys were written.
inline const SourceLocation kNodeLocation{"test.toml", 3, 1};
inline const SourceLocation kKeyLocation{"test.toml", 7, 9};

// Every key of `values` must be declared by `schema` (a typo would otherwise test nothing).
inline ConfigNode MakeNode(const std::string& type, const Schema& schema,
                           std::vector<std::pair<std::string, ConfigVariant>> values) {
  ConfigNode node("filters", "f", type, kNodeLocation);
  for (const FieldSpec& spec : schema.fields()) {
    if (!spec.default_value.has_value()) {
      continue;
    }
    const std::string& d = *spec.default_value;
    switch (spec.type) {
      case FieldType::kBool:
        node.Set(spec.name, ConfigValue{d == "true", {}});
        break;
      case FieldType::kString:
      case FieldType::kEnum:
        EXPECT_TRUE(d.size() >= 2 && d.front() == '"' && d.back() == '"') << spec.name;
        node.Set(spec.name, ConfigValue{d.substr(1, d.size() - 2), {}});
        break;
      case FieldType::kInt:
        node.Set(spec.name, ConfigValue{int64_t{std::stoll(d)}, {}});
        break;
      default:
        ADD_FAILURE() << "no default parser for " << spec.name;
    }
  }
  for (auto& [key, value] : values) {
    EXPECT_NE(schema.Find(key), nullptr) << "key not in schema: " << key;
    node.Set(key, ConfigValue{std::move(value), kKeyLocation});
  }
  return node;
}

inline ConfigVariant Str(std::string s) { return ConfigVariant{std::move(s)}; }
inline ConfigVariant Map(StringMap m) { return ConfigVariant{std::move(m)}; }
inline ConfigVariant List(std::vector<std::string> l) { return ConfigVariant{std::move(l)}; }

inline Event& AddEvent(EventBatch& batch, std::initializer_list<Field> fields,
                       EventTime time = EventTime{1000, 0}) {
  Event& e = batch.Add(time);
  for (const Field& f : fields) {
    e.fields().push_back(f);
  }
  return e;
}

// The record as JSON, fields in order, e.g. {"a":1,"b":"x"}.
inline std::string RecordJson(const Event& event) {
  std::string msgpack;
  MsgpackWriter w(&msgpack);
  w.MapHeader(static_cast<uint32_t>(event.fields().size()));
  for (const Field& f : event.fields()) {
    w.Str(f.key);
    f.value.Encode(w);
  }
  std::string json;
  JsonWriter writer("", JsonTimeFormat::kUnixSeconds);
  Status s = writer.AppendEvent(event.time, msgpack, &json);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return json;
}

// One value (a Raw value is rendered as the JSON of its msgpack).
inline std::string ValueJson(const Value& value) {
  std::string msgpack;
  MsgpackWriter w(&msgpack);
  value.Encode(w);
  MsgpackReader r(msgpack);
  std::string json;
  Status s = JsonWriter::AppendObject(r, &json);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return json;
}

}  // namespace runnel::filters_testing
