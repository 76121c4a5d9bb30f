#include "clickhouse_protocol.h"

#include "clickhouse_errors.h"

namespace runnel::plugins::clickhouse {
namespace {

using http_client::Event;
using http_client::Outcome;
using http_client::Response;

constexpr std::chrono::milliseconds kResendRest{1};

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

std::string BuildInsertUrl(const ClickHouseConfig& config, const RowEncoder& encoder) {
  std::string sql =
      "INSERT INTO " + QuoteIdentifier(config.database) + "." + QuoteIdentifier(config.table);
  std::string columns = encoder.ColumnList();
  if (!columns.empty()) {
    sql += " " + columns;
  }
  sql += " FORMAT JSONEachRow";
  std::string url = QueryUrl(config.http.url, sql);
  if (config.columns.empty()) {
    url += "&input_format_skip_unknown_fields=1";
  }
  for (const auto& [name, value] : config.settings) {
    url += "&" + name + "=" + UrlEncode(value);
  }
  return url;
}

}  // namespace

ClickHouseProtocol::ClickHouseProtocol(const ClickHouseConfig& config, const ServerInfo& info)
    : encoder_(config, info.columns),
      insert_url_(BuildInsertUrl(config, encoder_)),
      send_token_(config.dedupe_token && info.has_dedupe_token) {}

std::string ClickHouseProtocol::DedupeToken(std::span<const Event> events) {
  uint64_t a = 0x6a09e667f3bcc908ull;
  uint64_t b = 0xbb67ae8584caa73bull;
  for (const Event& e : events) {
    a = Mix(a ^ e.batch->id.hi) + e.position;
    a = Mix(a ^ e.batch->id.lo);
    b = Mix(b + e.batch->id.lo) ^ e.position;
    b = Mix(b + e.batch->id.hi);
  }
  a = Mix(a ^ events.size());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

Status ClickHouseProtocol::Encode(std::span<const Event> events, Encoded* out) {
  out->request.method = "POST";
  out->request.content_type = "application/x-ndjson";
  out->request.url = insert_url_;
  if (send_token_) {
    out->request.url += "&insert_deduplication_token=" + DedupeToken(events);
  }
  std::string& body = out->request.body;
  body.clear();
  for (uint32_t i = 0; i < events.size(); ++i) {
    if (Status s = encoder_.Append(events[i].time, events[i].record, &body); !s.ok()) {
      out->rejected.emplace_back(i, "record cannot be read: " + s.message());
    }
  }
  return OkStatus();
}

Outcome ClickHouseProtocol::Classify(std::span<const Event> events, const Response& response) {
  if (response.status >= 200 && response.status < 300) {
    return Outcome::Delivered();
  }
  if (response.status == 0) {
    return Outcome::Retry("ClickHouse cannot be reached: " + response.error);
  }
  std::optional<ServerError> error = ParseServerError(response.body);
  if (!error.has_value()) {
    return http_client::ClassifyStatus(response);
  }
  std::string reason = DescribeError(*error);
  switch (ClassifyErrorCode(error->code)) {
    case ErrorClass::kTransient:
      return Outcome::Retry(std::move(reason), response.retry_after);
    case ErrorClass::kRefused:
      return Outcome::Retry(std::move(reason) + " (retried until the server takes inserts)",
                            response.retry_after);
    case ErrorClass::kRowData: {
      if (events.size() <= 1 || error->row < 1 ||
          error->row > static_cast<int64_t>(events.size())) {
        return Outcome::Rejected(std::move(reason));
      }
      Outcome outcome;
      outcome.kind = Outcome::Kind::kPerEvent;
      outcome.events.resize(events.size());
      for (auto& e : outcome.events) {
        e.kind = Outcome::Kind::kRetry;
        e.reason = "sent again without a row ClickHouse rejected";
      }
      outcome.events[static_cast<size_t>(error->row - 1)] = {Outcome::Kind::kRejected,
                                                             std::move(reason)};
      // Nothing is wrong with the others: send them again at once, not after a backoff.
      outcome.retry_after = kResendRest;
      return outcome;
    }
    case ErrorClass::kOther:
      break;
  }
  Outcome fallback = http_client::ClassifyStatus(response);
  if (fallback.kind != Outcome::Kind::kDelivered) {
    fallback.reason = std::move(reason);
  }
  return fallback;
}

}  // namespace runnel::plugins::clickhouse
