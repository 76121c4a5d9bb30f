#include "loki_protocol.h"

#include "loki_response.h"

namespace runnel::plugins::loki {

using http_client::Event;
using http_client::Outcome;
using http_client::Response;

LokiProtocol::LokiProtocol(LokiProtocolOptions options)
    : options_(std::move(options)),
      line_(options_.line_format, options_.line_field, &options_.labels) {}

std::vector<PushStream> LokiProtocol::Group(
    std::span<const Event> events, std::vector<std::pair<uint32_t, std::string>>* rejected) const {
  StreamGrouper grouper;
  for (uint32_t i = 0; i < events.size(); ++i) {
    Result<LabelSet> labels = options_.labels.Extract(events[i].record);
    if (!labels.has_value()) {
      if (rejected != nullptr) {
        rejected->emplace_back(i, "unreadable record: " + labels.error().message());
      }
      continue;
    }
    if (labels->empty()) {
      if (rejected != nullptr) {
        rejected->emplace_back(i, "the event has none of the configured labels (Loki needs one)");
      }
      continue;
    }
    std::string line;
    Status s = line_.Render(events[i].record, &line);
    if (!s.ok()) {
      if (rejected != nullptr) {
        rejected->emplace_back(i, s.message());
      }
      continue;
    }
    grouper.Add(std::move(*labels), events[i].time, std::move(line), i);
  }
  return grouper.Finish();
}

Status LokiProtocol::Encode(std::span<const Event> events, Encoded* out) {
  std::vector<PushStream> streams = Group(events, &out->rejected);
  http_client::Request& r = out->request;
  r.method = "POST";
  r.url = options_.push_url;
  if (!options_.tenant_id.empty()) {
    r.headers.emplace_back("X-Scope-OrgID", options_.tenant_id);
  }
  if (streams.empty()) {
    return OkStatus();
  }
  if (options_.format == PushFormat::kJson) {
    r.content_type = "application/json";
    r.body = EncodeJsonPush(streams);
    r.compress = true;
  } else {
    r.content_type = "application/x-protobuf";
    r.body = SnappyCompress(EncodeProtobufPush(streams));
    r.compress = false;
  }
  return OkStatus();
}

Outcome LokiProtocol::Classify(std::span<const Event> events, const Response& response) {
  if (response.status != 400) {
    return ClassifyPushResponse({}, events.size(), response);
  }
  const std::vector<PushStream> streams = Group(events, nullptr);
  return ClassifyPushResponse(streams, events.size(), response);
}

}  // namespace runnel::plugins::loki
