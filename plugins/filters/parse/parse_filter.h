#pragma once
// ParseFilter: parses one string field of each event (JSON, regex, logfmt or one of the named
// formats of plugins/formats) into fields.
//
// Per event:
//   - `field` missing: the event passes unchanged and is not counted.
//   - `field` not a string (or binary): a parse error.
//   - parsed: a named format sets the event time from the line's timestamp (when it has one);
//     string fields named in `types` are converted (int, float, bool; a value that does
//     not convert entirely stays a string). If time_key is set and among the parsed fields, its
//     value sets the event time (strings with time_format; numbers with the unix* formats only) and
//     is dropped from the parsed fields unless time_keep. An unparseable time makes the whole
//     record a parse error. Then `field` is removed unless keep_original, and the parsed fields are
//     merged at the top level (replacing fields of the same name; among duplicate parsed keys the
//     last wins), or stored as one map under `target`.
//   - a parse error: the event stays exactly as it was (on_error = "keep") or is dropped
//     (on_error = "drop"; core counts drops in events_dropped_total); either way it is counted
//     in parse_errors_total and the component's errors counter, and logged (with the start of
//     the value) at most once per 10 s per filter.
//
// Values point into the batch, the EventBatch's arena, or this filter's config (the keys of
// regex groups and `target`): the filter must outlive the encoding of the batches it processed.
//
// Thread-safe: Process may run on several threads at once; its scratch buffers (simdjson parser,
// padded copy, field list) are per thread and reused, so once warm a record costs no heap
// allocation, only arena bytes for unescaped strings and nested values.

#include <cstdint>
#include <string>

#include "plugins/filters/parse/parse_config.h"
#include "runnel/logging.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"
#include "runnel/record.h"

namespace runnel::plugins::parse {

struct Scratch;

class ParseFilter final : public Filter {
 public:
  ParseFilter(ParseConfig config, PluginContext& context);

  void Process(EventBatch& events) override;

  // What parse_errors_total counts: records that did not parse.
  uint64_t parse_errors() const { return parse_errors_->value(); }

 private:
  // Parses `text` into scratch.fields; a named format may set *time. nullptr or a static message.
  const char* ParseText(std::string_view text, Arena& arena, Scratch& scratch,
                        EventTime* time) const;
  // Converts the string fields named in `types`.
  void ApplyTypes(Scratch& scratch) const;
  // Applies time_key from scratch.fields to *time. nullptr or a static message.
  const char* ApplyTime(Scratch& scratch, EventTime* time) const;
  // Logs a parse error, at most once per 10 s per filter.
  void LogError(const Value& source, const char* error);
  // Moves the parsed fields into `event`.
  void Merge(Event& event, Arena& arena, Scratch& scratch) const;

  const ParseConfig config_;
  const std::string component_;
  Counter own_parse_errors_;  // used when the context has no metrics registry
  Counter* parse_errors_;
  Counter* errors_;  // may be null
  LogRateLimiter log_limiter_;
};

}  // namespace runnel::plugins::parse
