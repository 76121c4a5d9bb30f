#include "plugins/outputs/http/http_format.h"

#include "runnel/msgpack.h"

namespace runnel::plugins::http_output {

HttpFormat::HttpFormat(const HttpConfig& config)
    : format_(config.format),
      tag_header_(config.tag_header),
      json_(config.time_key, config.time_format) {}

Status HttpFormat::Encode(std::span<const http_client::Event> events, Encoded* out) {
  std::string& body = out->request.body;
  switch (format_) {
    case Format::kNdjson:
      out->request.content_type = "application/x-ndjson";
      break;
    case Format::kJson:
      out->request.content_type = "application/json";
      body.push_back('[');
      break;
    case Format::kMsgpack:
      out->request.content_type = "application/msgpack";
      break;
  }
  bool first = true;
  for (uint32_t i = 0; i < events.size(); ++i) {
    const http_client::Event& e = events[i];
    const size_t mark = body.size();
    if (format_ == Format::kMsgpack) {
      // The entry as it travels in a batch; its record is checked as JSON would be.
      MsgpackReader check(e.record);
      if (Status s = check.Skip(); !s.ok() || !check.AtEnd()) {
        out->rejected.emplace_back(i, "the record is not valid msgpack");
        continue;
      }
      MsgpackWriter w(&body);
      w.ArrayHeader(2);
      w.Time(e.time);
      w.Raw(e.record);
      continue;
    }
    if (format_ == Format::kJson && !first) {
      body.push_back(',');
    }
    if (Status s = json_.AppendEvent(e.time, e.record, &body); !s.ok()) {
      body.resize(mark);
      out->rejected.emplace_back(i, "the record cannot be written as JSON: " + s.message());
      continue;
    }
    if (format_ == Format::kNdjson) {
      body.push_back('\n');
    }
    first = false;
  }
  if (format_ == Format::kJson) {
    body.push_back(']');
  }
  if (!tag_header_.empty()) {
    out->request.headers.emplace_back(tag_header_, events.front().batch->tag);
  }
  return OkStatus();
}

}  // namespace runnel::plugins::http_output
