#pragma once
// The http output's protocol (http_client::HttpProtocol): a run of events as an ndjson, json
// or msgpack body, the tag in a header when configured. The response is read the default way
// (ClassifyStatus): 2xx delivered; 408, 429, 5xx retried; other statuses dead-lettered with
// "HTTP <code>: <start of the body>". An event whose record is not valid msgpack is refused
// (dead-lettered) and not sent.
// Thread-compatible: the engine calls it from its curl thread only.

#include <span>

#include "plugins/http_client/http_output.h"
#include "plugins/outputs/http/http_config.h"
#include "runnel/json_writer.h"

namespace runnel::plugins::http_output {

class HttpFormat final : public http_client::HttpProtocol {
 public:
  explicit HttpFormat(const HttpConfig& config);
  Status Encode(std::span<const http_client::Event> events, Encoded* out) override;

 private:
  const Format format_;
  const std::string tag_header_;
  JsonWriter json_;
};

}  // namespace runnel::plugins::http_output
