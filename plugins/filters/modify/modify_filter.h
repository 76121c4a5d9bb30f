#pragma once
// ModifyFilter: renames, copies, removes, adds and sets top-level fields of every event, in that
// fixed order (see ModifyConfig). Values set or added are strings.
// Keys and values it writes point into this filter's config: the filter must outlive the
// encoding of the batches it processed.
// Thread-safe: holds only immutable state; allocates nothing (beyond an event's field capacity).

#include "plugins/filters/modify/modify_config.h"
#include "runnel/plugin.h"
#include "runnel/record.h"

namespace runnel::plugins::modify {

class ModifyFilter final : public Filter {
 public:
  explicit ModifyFilter(ModifyConfig config) : config_(std::move(config)) {}

  void Process(EventBatch& events) override;
  void Apply(Event& event) const;

 private:
  const ModifyConfig config_;
};

}  // namespace runnel::plugins::modify
