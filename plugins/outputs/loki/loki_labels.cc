#include "loki_labels.h"

#include <algorithm>

#include "runnel/json_writer.h"
#include "runnel/msgpack.h"

namespace runnel::plugins::loki {
namespace {

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string* s, size_t max) {
  if (s->size() <= max) {
    return;
  }
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>((*s)[end]) & 0xC0) == 0x80) {
    --end;
  }
  s->resize(end);
}

}  // namespace

bool ValidLabelName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) {
      return false;
    }
  }
  return true;
}

Result<LabelRules> LabelRules::Build(const StringMap& labels,
                                     const std::vector<std::string>& keys) {
  LabelRules r;
  auto add = [&r](const std::string& name, Rule rule) -> Status {
    if (!ValidLabelName(name)) {
      return InvalidArgument("label name \"" + name +
                             "\" is not valid (Loki label names match [a-zA-Z_][a-zA-Z0-9_]*)");
    }
    for (const Rule& existing : r.rules_) {
      if (existing.name == name) {
        return InvalidArgument("label \"" + name + "\" is given twice");
      }
    }
    if (r.rules_.size() == kMaxLabels) {
      return InvalidArgument("more than " + std::to_string(kMaxLabels) +
                             " labels (Loki's default max_label_names_per_series); \"" + name +
                             "\" is one too many");
    }
    rule.name = name;
    r.rules_.push_back(std::move(rule));
    return OkStatus();
  };
  for (const auto& [name, value] : labels) {
    Rule rule;
    if (value.starts_with("$$")) {
      rule.constant = value.substr(1);
    } else if (value.starts_with("$")) {
      rule.field = value.substr(1);
      if (rule.field.empty()) {
        return Err(InvalidArgument("label \"" + name + "\": \"$\" names no field"));
      }
    } else {
      rule.constant = value;
      if (value.empty()) {
        return Err(InvalidArgument("label \"" + name + "\": the constant is empty"));
      }
      TruncateUtf8(&rule.constant, kMaxLabelValueBytes);
    }
    RUNNEL_RETURN_IF_ERROR(add(name, std::move(rule)));
  }
  for (const std::string& key : keys) {
    Rule rule;
    rule.field = key;
    RUNNEL_RETURN_IF_ERROR(add(key, std::move(rule)));
  }
  std::sort(r.rules_.begin(), r.rules_.end(),
            [](const Rule& a, const Rule& b) { return a.name < b.name; });
  return r;
}

bool LabelRules::UsesField(std::string_view key) const {
  return std::any_of(rules_.begin(), rules_.end(),
                     [key](const Rule& rule) { return rule.field == key; });
}

Status AppendValueText(std::string_view value, std::string* out) {
  MsgpackReader peek(value);
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, peek.Next());
  if (obj.type == MsgType::kStr || obj.type == MsgType::kBin) {
    out->append(obj.data);
    return OkStatus();
  }
  MsgpackReader reader(value);
  return JsonWriter::AppendObject(reader, out);
}

Result<LabelSet> LabelRules::Extract(std::string_view record) const {
  LabelSet set;
  set.reserve(rules_.size());
  std::vector<std::string> values(rules_.size());
  std::vector<bool> found(rules_.size(), false);
  MsgpackReader reader(record);
  RUNNEL_ASSIGN_OR_RETURN(uint32_t pairs, reader.ReadMapHeader());
  for (uint32_t p = 0; p < pairs; ++p) {
    RUNNEL_ASSIGN_OR_RETURN(MsgObject key, reader.Next());
    RUNNEL_ASSIGN_OR_RETURN(std::string_view value, reader.NextRaw());
    if (key.type != MsgType::kStr) {
      continue;
    }
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (found[i] || rules_[i].field != key.data) {
        continue;
      }
      found[i] = true;
      if (static_cast<uint8_t>(value[0]) == 0xC0) {  // nil
        continue;
      }
      RUNNEL_RETURN_IF_ERROR(AppendValueText(value, &values[i]));
    }
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    std::string v = rules_[i].field.empty() ? rules_[i].constant : std::move(values[i]);
    if (v.empty()) {
      continue;
    }
    TruncateUtf8(&v, kMaxLabelValueBytes);
    set.emplace_back(rules_[i].name, std::move(v));
  }
  return set;
}

std::string SelectorString(const LabelSet& labels) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) {
      s += ", ";
    }
    s += labels[i].first;
    s += "=\"";
    for (const char c : labels[i].second) {
      const auto u = static_cast<unsigned char>(c);
      switch (c) {
        case '\\':
          s += "\\\\";
          break;
        case '"':
          s += "\\\"";
          break;
        case '\n':
          s += "\\n";
          break;
        case '\r':
          s += "\\r";
          break;
        case '\t':
          s += "\\t";
          break;
        default:
          if (u < 0x20 || u == 0x7F) {
            s += "\\x";
            s += kHex[u >> 4];
            s += kHex[u & 0xF];
          } else {
            s += c;
          }
      }
    }
    s += '"';
  }
  s += '}';
  return s;
}

}  // namespace runnel::plugins::loki
