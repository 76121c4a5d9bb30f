#include "plugins/filters/grep/grep_filter.h"

#include <utility>

namespace runnel::plugins::grep {
namespace {

bool Matches(const Event& event, const GrepRule& rule) {
  const Value* value = event.Find(rule.field);
  if (value == nullptr ||
      (value->kind != Value::Kind::kString && value->kind != Value::Kind::kBinary)) {
    return false;
  }
  return RE2::PartialMatch(re2::StringPiece(value->bytes.data(), value->bytes.size()), *rule.regex);
}

}  // namespace

bool GrepFilter::Keep(const Event& event) const {
  for (const GrepRule& rule : config_.include) {
    if (!Matches(event, rule)) {
      return false;
    }
  }
  for (const GrepRule& rule : config_.exclude) {
    if (Matches(event, rule)) {
      return false;
    }
  }
  return true;
}

void GrepFilter::Process(EventBatch& events) {
  events.RetainIf([this](const Event& event) { return Keep(event); });
}

}  // namespace runnel::plugins::grep
