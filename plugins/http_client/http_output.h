#pragma once
// The engine of the outputs that deliver over HTTP (http, elasticsearch, loki, clickhouse):
// batching by bytes, events and time, libcurl's multi interface so one output keeps several
// requests in flight, compression, TLS, authentication, and retries with backoff. A store plugin
// supplies only its protocol (HttpProtocol): how a run of events becomes a request, and how the
// store's response reads — whole-request or per-event (Elasticsearch's _bulk items).
//
// How a batch travels:
//   Submit(batch) ─▶ events appended to the open request ─(batch_max_events | batch_max_bytes
//   | batch_timeout)─▶ HttpProtocol::Encode ─▶ compress ─▶ curl multi ─▶ HttpProtocol::Classify
//     delivered  ─▶ the events are done
//     retry      ─▶ the same events (the same request, re-encoded) after a backoff, until
//                   retry_limit attempts (0: forever), then rejected
//     rejected   ─▶ the events go to the output's dead letters (PluginContext::dead_letters)
//                   with the store's reason
// A batch's acknowledgement completes once each of its events is delivered or dead-lettered;
// several small batches share a request, a large one is split over several. Events of one
// batch keep their order; requests go out in order, and with max_in_flight = 1 they are also
// delivered in order (what Loki needs per stream).
//
// Thread-safety: HttpOutput is driven by core as any output (Submit/Flush from the worker
// thread, Cancel from any). It runs one thread of its own for curl; the protocol's Encode and
// Classify are called only on that thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/batch.h"
#include "runnel/config_node.h"
#include "runnel/forward/compression.h"
#include "runnel/plugin.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::http_client {

// What every HTTP output is configured with. Keys (AddHttpFields):
//   url, headers = { name = "value" }, auth.user / auth.password (basic), auth.bearer_token,
//   compression ("none" | "gzip" | "zstd", as the plugin allows), compression_level,
//   timeout, connect_timeout, batch_max_events, batch_max_bytes, batch_timeout,
//   max_in_flight (requests), retry_initial, retry_max, retry_limit (attempts; 0: forever),
//   tls.ca_file, tls.cert_file, tls.key_file, tls.verify_peer, tls.verify_hostname
//   (TLS is used when the URL is https://).
struct HttpOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string user;
  std::string password;
  std::string bearer_token;
  forward::Compression compression = forward::Compression::kNone;
  int compression_level = 0;  // 0: the library's default
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  uint32_t batch_max_events = 10'000;
  uint64_t batch_max_bytes = 4ull << 20;  // of events before encoding
  std::chrono::milliseconds batch_timeout{1'000};
  uint32_t max_in_flight = 4;
  std::chrono::milliseconds retry_initial{200};
  std::chrono::milliseconds retry_max{30'000};
  int64_t retry_limit = 0;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_verify_peer = true;
  bool tls_verify_hostname = true;
  // Not a config key: set by a plugin whose request names the tag (a header, a URL): a request
  // then holds events of one tag only (a batch of another tag seals the open request).
  bool one_tag_per_request = false;
};

// What a plugin changes of the common fields' declaration.
struct HttpFieldDefaults {
  std::string url;  // empty: `url` is required
  std::vector<forward::Compression> compressions = {
      forward::Compression::kNone, forward::Compression::kGzip, forward::Compression::kZstd};
  forward::Compression compression = forward::Compression::kNone;
  uint32_t batch_max_events = 10'000;
  uint64_t batch_max_bytes = 4ull << 20;
  uint32_t max_in_flight = 4;
};

// Declares the keys above on a plugin's schema.
void AddHttpFields(Schema& schema, const HttpFieldDefaults& defaults);
// Reads them from a validated node. Errors name the key and its position (a URL that is not
// http:// or https://, a cert_file without key_file, ...).
Result<HttpOptions> ParseHttpOptions(const ConfigNode& node);

// One event of a request, as the protocol reads it. Views stay valid during Encode and Classify.
struct Event {
  EventTime time;
  std::string_view record;  // the msgpack map
  const Batch* batch;       // its tag and id
  uint32_t position;        // its index in the batch: the same on every retry (document ids)
};

struct Request {
  std::string method = "POST";
  std::string url;                                           // empty: HttpOptions::url
  std::vector<std::pair<std::string, std::string>> headers;  // added to HttpOptions::headers
  std::string content_type = "application/json";
  std::string body;      // uncompressed; the engine compresses it as configured
  bool compress = true;  // false: the protocol compressed the body itself (Loki's snappy)
};

struct Response {
  long status = 0;    // 0: no response (error says why)
  std::string error;  // transport error (curl's text), empty when a response came
  std::string body;   // at most 1 MiB is kept
  std::chrono::milliseconds retry_after{0};  // from a Retry-After header, 0 when none
};

struct Outcome {
  enum class Kind { kDelivered, kRetry, kRejected, kPerEvent };
  Kind kind = Kind::kDelivered;
  std::string reason;                        // kRetry, kRejected
  std::chrono::milliseconds retry_after{0};  // kRetry: 0 lets the engine's backoff choose
  // kPerEvent: one per event of the request, in request order; each kDelivered, kRetry or
  // kRejected, with its reason. The events to retry are sent again together.
  struct PerEvent {
    Kind kind = Kind::kDelivered;
    std::string reason;
  };
  std::vector<PerEvent> events;

  static Outcome Delivered() { return {}; }
  static Outcome Retry(std::string reason, std::chrono::milliseconds after = {}) {
    return {Kind::kRetry, std::move(reason), after, {}};
  }
  static Outcome Rejected(std::string reason) {
    return {Kind::kRejected, std::move(reason), {}, {}};
  }
};

// The default reading of a response: 2xx delivered; 408, 429 and 5xx retried (honouring
// Retry-After); other statuses rejected with "HTTP <status>: <start of the body>"; a transport
// error retried.
Outcome ClassifyStatus(const Response& response);

// What a store plugin implements.
class HttpProtocol {
 public:
  virtual ~HttpProtocol() = default;

  struct Encoded {
    Request request;
    // Events the store could never take (an index name that cannot be built, a Loki entry
    // without a line): indices into `events` with the reason. They are dead-lettered and
    // not sent; when every event is rejected no request is made.
    std::vector<std::pair<uint32_t, std::string>> rejected;
  };
  // Builds the request for `events` (at least one). Called again for each retry, with the
  // events still to deliver. A non-OK status rejects every event with its message.
  virtual Status Encode(std::span<const Event> events, Encoded* out) = 0;

  // Reads the store's answer for the events that were sent (those Encode did not reject).
  virtual Outcome Classify(std::span<const Event> events, const Response& response) {
    (void)events;
    return ClassifyStatus(response);
  }
};

// The output. Owns the protocol; counts events_out / bytes_out (the delivered events and their
// records' bytes, when their batch completes), retries (requests sent again) and errors
// (requests that did not deliver), and its own metrics: http_requests_total{code="200"|...|
// "error"} (answered requests by status; "error": no response), http_request_duration_seconds
// (histogram), http_in_flight_requests.
// Bounds: at most max_in_flight requests in flight; Submit blocks while the batches held reach
// 2 x max_in_flight x batch_max_bytes of data, or 2 x max_in_flight requests are ready or in
// flight. A retry waits its backoff (full jitter, retry_initial doubling up to retry_max) or the
// response's Retry-After, capped at retry_max; later requests wait behind it.
// Dead letters go to PluginContext::dead_letters; without one (null), a batch with a refused
// event completes as kRejected (core then dead-letters it whole). A batch that cannot be read
// completes as kRejected. Cancel() (and Stop) abandons every request: the acknowledgements of
// batches not completed then complete as kCancelled.
class HttpOutput final : public Output {
 public:
  HttpOutput(HttpOptions options, std::unique_ptr<HttpProtocol> protocol, PluginContext& ctx);
  ~HttpOutput() override;

  Status Start() override;
  void Stop() override;
  bool completes_later() const override { return true; }
  Status Submit(std::shared_ptr<const Batch> batch, AckHandle ack) override;
  uint64_t Flush(std::chrono::steady_clock::time_point deadline) override;
  void Cancel() override;
  WriteResult Write(const Batch& batch) override;  // never called (completes_later)

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One request, synchronously, with the output's options (a plugin's start-up check: the
// server's version, that a table exists). The body is sent as it is (not compressed).
// Transport errors are in Response::error ("<url>: <curl's text>").
Response PerformBlocking(const HttpOptions& options, const Request& request);

}  // namespace runnel::http_client
