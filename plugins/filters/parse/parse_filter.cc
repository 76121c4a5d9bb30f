#include "plugins/filters/parse/parse_filter.h"

#include <chrono>
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

}  // namespace

ParseFilter::ParseFilter(ParseConfig config, PluginContext& context)
    : config_(std::move(config)),
      component_(context.id),
      parse_errors_(context.metrics != nullptr
                        ? context.metrics->GetCounter("parse_errors_total", context.id,
                                                      "Records the parse filter could not parse.")
                        : &own_parse_errors_),
      errors_(context.component_metrics.errors),
      dropped_(context.component_metrics.dropped) {}

const char* ParseFilter::ParseText(std::string_view text, Arena& arena, Scratch& scratch) const {
  switch (config_.format) {
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
    if (source->kind != Value::Kind::kString && source->kind != Value::Kind::kBinary) {
      error = kNotString;
    } else {
      error = ParseText(source->bytes, arena, scratch);
    }
    EventTime time = event.time;
    if (error == nullptr && !config_.time_key.empty()) {
      error = ApplyTime(scratch, &time);
    }
    if (error != nullptr) {
      ++failed;
      if (drop) {
        scratch.keep[i] = 0;
      }
      RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
          << "cannot parse field '" << config_.field << "': " << error;
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
    if (dropped_ != nullptr) {
      dropped_->Add(failed);
    }
    // RetainIf visits the events in order, once each.
    size_t index = 0;
    events.RetainIf([&](const Event&) { return scratch.keep[index++] != 0; });
  }
}

}  // namespace runnel::plugins::parse
