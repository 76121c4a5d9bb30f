#include "plugins/filters/parse/parse_filter.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "plugins/filters/parse/json_parser.h"
#include "plugins/filters/parse/logfmt_parser.h"
#include "runnel/logging.h"
#include "runnel/msgpack.h"

namespace runnel::plugins::parse {

// Per-thread buffers, shared by every parse filter on the thread: Process is not re-entered.
struct Scratch {
  JsonParser json;
  std::vector<Field> fields;
  std::vector<re2::StringPiece> groups;
  std::vector<uint8_t> keep;
  std::string encoded;
};

namespace {

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

constexpr const char* kNotString = "the field is not a string";
constexpr const char* kNoMatch = "the regex does not match";
constexpr const char* kBadTime = "the time does not match time_format";

std::string_view FormatName(const ParseConfig& config) {
  switch (config.format) {
    case Format::kJson:
      return "json";
    case Format::kRegex:
      return "regex";
    case Format::kLogfmt:
      return "logfmt";
    case Format::kNamed:
      return config.named->name;
  }
  return "?";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != b[i]) {
      return false;
    }
  }
  return true;
}

// Converts the whole of `text`; false leaves *out alone.
bool Convert(std::string_view text, ValueType type, Value* out) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  switch (type) {
    case ValueType::kInt: {
      int64_t i = 0;
      auto [p, ec] = std::from_chars(begin, end, i);
      if (ec == std::errc() && p == end && !text.empty()) {
        *out = Value::Int(i);
        return true;
      }
      uint64_t u = 0;
      auto [pu, ecu] = std::from_chars(begin, end, u);
      if (ecu == std::errc() && pu == end && !text.empty()) {
        *out = Value::Uint(u);
        return true;
      }
      return false;
    }
    case ValueType::kFloat: {
      double d = 0;
      auto [p, ec] = std::from_chars(begin, end, d);
      if (ec == std::errc() && p == end && !text.empty() && std::isfinite(d)) {
        *out = Value::Double(d);
        return true;
      }
      return false;
    }
    case ValueType::kBool:
      if (EqualsIgnoreCase(text, "true")) {
        *out = Value::Bool(true);
        return true;
      }
      if (EqualsIgnoreCase(text, "false")) {
        *out = Value::Bool(false);
        return true;
      }
      return false;
  }
  return false;
}

}  // namespace

ParseFilter::ParseFilter(ParseConfig config, PluginContext& context)
    : config_(std::move(config)),
      component_(context.id),
      parse_errors_(context.metrics != nullptr
                        ? context.metrics->GetCounter("parse_errors_total", context.id,
                                                      "Records the parse filter could not parse.")
                        : &own_parse_errors_),
      errors_(context.component_metrics.errors) {}

const char* ParseFilter::ParseText(std::string_view text, Arena& arena, Scratch& scratch,
                                   EventTime* time) const {
  switch (config_.format) {
    case Format::kNamed:
      return config_.named->scan(text, config_.scan_options, arena, &scratch.fields, time);
    case Format::kJson:
      return scratch.json.Parse(text, arena, &scratch.fields);
    case Format::kLogfmt:
      return ParseLogfmt(text, arena, &scratch.fields);
    case Format::kRegex: {
      const int n = config_.regex_groups + 1;
      scratch.groups.resize(n);
      if (!config_.regex->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                                RE2::UNANCHORED, scratch.groups.data(), n)) {
        return kNoMatch;
      }
      for (const RegexGroup& group : config_.groups) {
        const re2::StringPiece& piece = scratch.groups[group.index];
        if (piece.data() == nullptr) {
          continue;  // the group took no part in the match
        }
        scratch.fields.push_back(
            Field{group.name, Value::String(std::string_view(piece.data(), piece.size()))});
      }
      return nullptr;
    }
  }
  return nullptr;
}

void ParseFilter::ApplyTypes(Scratch& scratch) const {
  for (Field& f : scratch.fields) {
    if (f.value.kind != Value::Kind::kString) {
      continue;
    }
    for (const TypeRule& rule : config_.types) {
      if (rule.key == f.key) {
        Convert(f.value.bytes, rule.type, &f.value);
        break;
      }
    }
  }
}

const char* ParseFilter::ApplyTime(Scratch& scratch, EventTime* time) const {
  std::vector<Field>& fields = scratch.fields;
  const Value* value = nullptr;
  for (const Field& f : fields) {
    if (f.key == config_.time_key) {
      value = &f.value;  // the last one wins, as it does when merging
    }
  }
  if (value == nullptr) {
    return nullptr;
  }
  EventTime parsed;
  bool ok = false;
  switch (value->kind) {
    case Value::Kind::kString:
      ok = config_.time_format->Parse(value->bytes, &parsed);
      break;
    case Value::Kind::kInt:
      ok = config_.time_format->FromInt(value->i64, &parsed);
      break;
    case Value::Kind::kUint:
      ok = value->u64 <= uint64_t{INT64_MAX} &&
           config_.time_format->FromInt(static_cast<int64_t>(value->u64), &parsed);
      break;
    case Value::Kind::kDouble:
      ok = config_.time_format->FromDouble(value->f64, &parsed);
      break;
    default:
      ok = false;
  }
  if (!ok) {
    return kBadTime;
  }
  *time = parsed;
  if (!config_.time_keep) {
    std::erase_if(fields, [&](const Field& f) { return f.key == config_.time_key; });
  }
  return nullptr;
}

void ParseFilter::Merge(Event& event, Arena& arena, Scratch& scratch) const {
  if (!config_.keep_original) {
    event.Remove(config_.field);
  }
  if (config_.target.empty()) {
    for (const Field& f : scratch.fields) {
      event.Set(f.key, f.value);
    }
    return;
  }
  // One map under `target`; among duplicate keys the last wins, as at the top level.
  const std::vector<Field>& fields = scratch.fields;
  auto superseded = [&](size_t i) {
    for (size_t j = i + 1; j < fields.size(); ++j) {
      if (fields[j].key == fields[i].key) {
        return true;
      }
    }
    return false;
  };
  uint32_t count = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    count += superseded(i) ? 0 : 1;
  }
  scratch.encoded.clear();
  MsgpackWriter w(&scratch.encoded);
  w.MapHeader(count);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!superseded(i)) {
      w.Str(fields[i].key);
      fields[i].value.Encode(w);
    }
  }
  event.Set(config_.target, Value::Raw(arena.Copy(scratch.encoded)));
}

void ParseFilter::LogError(const Value& source, const char* error) {
  uint64_t suppressed = 0;
  if (!LogEnabled(LogLevel::kWarn) || !log_limiter_.Allow(std::chrono::seconds(10), &suppressed)) {
    return;
  }
  constexpr size_t kExcerpt = 80;
  std::string excerpt;
  if (source.kind == Value::Kind::kString || source.kind == Value::Kind::kBinary) {
    excerpt.reserve(kExcerpt + 3);
    for (size_t i = 0; i < source.bytes.size() && i < kExcerpt; ++i) {
      const unsigned char c = static_cast<unsigned char>(source.bytes[i]);
      excerpt += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    if (source.bytes.size() > kExcerpt) {
      excerpt += "...";
    }
  }
  LogMessage(LogLevel::kWarn, component_, suppressed).stream()
      << "cannot parse field '" << config_.field << "' as " << FormatName(config_) << ": " << error
      << ": \"" << excerpt << "\"";
}

void ParseFilter::Process(EventBatch& events) {
  Scratch& scratch = ThreadScratch();
  Arena& arena = events.arena();
  const bool drop = config_.on_error == OnError::kDrop;
  if (drop) {
    scratch.keep.assign(events.size(), 1);
  }
  size_t failed = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    Event& event = events[i];
    const Value* source = event.Find(config_.field);
    if (source == nullptr) {
      continue;
    }
    scratch.fields.clear();
    const char* error = nullptr;
    EventTime time = event.time;
    if (source->kind != Value::Kind::kString && source->kind != Value::Kind::kBinary) {
      error = kNotString;
    } else {
      error = ParseText(source->bytes, arena, scratch, &time);
    }
    if (error == nullptr && !config_.types.empty()) {
      ApplyTypes(scratch);
    }
    if (error == nullptr && !config_.time_key.empty()) {
      error = ApplyTime(scratch, &time);
    }
    if (error != nullptr) {
      ++failed;
      if (drop) {
        scratch.keep[i] = 0;
      }
      LogError(*source, error);
      continue;
    }
    event.time = time;
    Merge(event, arena, scratch);
  }
  if (failed == 0) {
    return;
  }
  parse_errors_->Add(failed);
  if (errors_ != nullptr) {
    errors_->Add(failed);
  }
  if (drop) {
    // RetainIf visits the events in order, once each.
    size_t index = 0;
    events.RetainIf([&](const Event&) { return scratch.keep[index++] != 0; });
  }
}

}  // namespace runnel::plugins::parse
