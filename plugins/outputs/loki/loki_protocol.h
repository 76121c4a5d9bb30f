#pragma once
// LokiProtocol: how runnel's HTTP output engine talks to Loki's push API.
// Encode turns a run of events into one push request: labels and line per event (LabelRules,
// LineRenderer), streams by label set with entries sorted by time, a JSON body or a snappy
// compressed protobuf one, and the tenant header. An event whose record cannot be read, that
// has none of the configured labels (Loki needs at least one) or has no line is rejected.
// Classify reads the response as ClassifyPushResponse does, for the same events.
// Called only on the engine's thread; not thread-safe.

#include <span>
#include <string>
#include <vector>

#include "loki_labels.h"
#include "loki_line.h"
#include "loki_push.h"
#include "plugins/http_client/http_output.h"

namespace runnel::plugins::loki {

enum class PushFormat { kProtobuf, kJson };

struct LokiProtocolOptions {
  PushFormat format = PushFormat::kProtobuf;
  std::string push_url;   // where requests go (…/loki/api/v1/push)
  std::string tenant_id;  // non-empty: the X-Scope-OrgID header
  LabelRules labels;
  LineFormat line_format = LineFormat::kJson;
  std::string line_field;  // kField
};

class LokiProtocol final : public http_client::HttpProtocol {
 public:
  explicit LokiProtocol(LokiProtocolOptions options);

  Status Encode(std::span<const http_client::Event> events, Encoded* out) override;
  http_client::Outcome Classify(std::span<const http_client::Event> events,
                                const http_client::Response& response) override;

 private:
  // The streams of `events`; those that cannot be sent go to *rejected (when not null).
  std::vector<PushStream> Group(std::span<const http_client::Event> events,
                                std::vector<std::pair<uint32_t, std::string>>* rejected) const;

  LokiProtocolOptions options_;
  LineRenderer line_;
};

}  // namespace runnel::plugins::loki
