#pragma once
// GrepFilter: keeps or drops whole events by regexes on top-level string fields.
// An event is kept when every include rule matches and no exclude rule does. A rule matches when
// its field exists, is a string (or binary), and RE2 finds its regex in it (partial match).
// Core counts the dropped events (events_dropped_total) from the batch size before and after.
// Thread-safe: holds only immutable state (RE2 matching is thread-safe); allocates nothing.

#include "plugins/filters/grep/grep_config.h"
#include "runnel/plugin.h"
#include "runnel/record.h"

namespace runnel::plugins::grep {

class GrepFilter final : public Filter {
 public:
  explicit GrepFilter(GrepConfig config) : config_(std::move(config)) {}

  void Process(EventBatch& events) override;

  // Whether `event` passes the rules.
  bool Keep(const Event& event) const;

 private:
  const GrepConfig config_;
};

}  // namespace runnel::plugins::grep
