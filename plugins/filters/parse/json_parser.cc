#include "plugins/filters/parse/json_parser.h"

#include <cstring>

#include "runnel/msgpack.h"

namespace runnel::plugins::parse {
namespace {

constexpr const char* kNotObject = "JSON document is not an object";
constexpr const char* kTooDeep = "JSON nested too deeply";

}  // namespace

const char* JsonParser::Parse(std::string_view text, Arena& arena, std::vector<Field>* fields) {
  const char* error = ParseDocument(text, arena, fields);
  if (text.size() > kRetainBytes) {
    // Everything parsed was copied into the arena: the buffers can go.
    parser_ = simdjson::dom::parser();
    padded_.reset();
    padded_capacity_ = 0;
    msgpack_ = std::string();
  }
  return error;
}

const char* JsonParser::ParseDocument(std::string_view text, Arena& arena,
                                      std::vector<Field>* fields) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: copy into a padded buffer that
  // only ever grows.
  const size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
  if (needed > padded_capacity_) {
    padded_capacity_ = needed * 2;
    padded_ = std::make_unique<char[]>(padded_capacity_);
  }
  std::memcpy(padded_.get(), text.data(), text.size());
  std::memset(padded_.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);

  simdjson::dom::element doc;
  if (auto error = parser_.parse(padded_.get(), text.size(), false).get(doc); error) {
    return simdjson::error_message(error);
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object)) {
    return kNotObject;
  }
  for (simdjson::dom::key_value_pair member : object) {
    Value value;
    simdjson::dom::element e = member.value;
    switch (e.type()) {
      case simdjson::dom::element_type::NULL_VALUE:
        value = Value::Null();
        break;
      case simdjson::dom::element_type::BOOL: {
        bool b = e.get_bool().value_unsafe();
        value = Value::Bool(b);
        break;
      }
      case simdjson::dom::element_type::INT64: {
        int64_t i = e.get_int64().value_unsafe();
        value = Value::Int(i);
        break;
      }
      case simdjson::dom::element_type::UINT64: {
        uint64_t u = e.get_uint64().value_unsafe();
        value = Value::Uint(u);
        break;
      }
      case simdjson::dom::element_type::DOUBLE: {
        double d = e.get_double().value_unsafe();
        value = Value::Double(d);
        break;
      }
      case simdjson::dom::element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        value = Value::String(arena.Copy(s));
        break;
      }
      case simdjson::dom::element_type::ARRAY:
      case simdjson::dom::element_type::OBJECT:
        msgpack_.clear();
        if (!Encode(e, 1)) {
          return kTooDeep;
        }
        value = Value::Raw(arena.Copy(msgpack_));
        break;
    }
    fields->push_back(Field{arena.Copy(member.key), value});
  }
  return nullptr;
}

bool JsonParser::Encode(simdjson::dom::element element, int depth) {
  if (depth > kMaxNesting) {
    return false;
  }
  MsgpackWriter w(&msgpack_);
  switch (element.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      w.Nil();
      return true;
    case simdjson::dom::element_type::BOOL: {
      bool b = element.get_bool().value_unsafe();
      w.Bool(b);
      return true;
    }
    case simdjson::dom::element_type::INT64: {
      int64_t i = element.get_int64().value_unsafe();
      w.Int(i);
      return true;
    }
    case simdjson::dom::element_type::UINT64: {
      uint64_t u = element.get_uint64().value_unsafe();
      w.Uint(u);
      return true;
    }
    case simdjson::dom::element_type::DOUBLE: {
      double d = element.get_double().value_unsafe();
      w.Double(d);
      return true;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view s = element.get_string().value_unsafe();
      w.Str(s);
      return true;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array array = element.get_array().value_unsafe();
      w.ArrayHeader(static_cast<uint32_t>(array.size()));
      for (simdjson::dom::element child : array) {
        if (!Encode(child, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object object = element.get_object().value_unsafe();
      w.MapHeader(static_cast<uint32_t>(object.size()));
      for (simdjson::dom::key_value_pair member : object) {
        w.Str(member.key);
        if (!Encode(member.value, depth + 1)) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

}  // namespace runnel::plugins::parse
