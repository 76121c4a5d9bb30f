#include "es_protocol.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <utility>

#include "runnel/json_writer.h"
#include "runnel/msgpack.h"

namespace runnel::plugins::elasticsearch {
namespace {

using http_client::Event;
using http_client::Outcome;
using http_client::Response;

// Percent-encodes a URL query value (RFC 3986 unreserved characters stay).
std::string QueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

bool IsKey(const MsgObject& key, std::string_view name) {
  return !name.empty() && (key.type == MsgType::kStr || key.type == MsgType::kBin) &&
         key.data == name;
}

}  // namespace

EsProtocol::EsProtocol(EsConfig config, IndexPattern index, std::string base_url)
    : config_(std::move(config)),
      index_(std::move(index)),
      time_writer_("", config_.time_precision == TimePrecision::kMillis
                           ? JsonTimeFormat::kRfc3339Millis
                           : JsonTimeFormat::kRfc3339) {
  while (!base_url.empty() && base_url.back() == '/') {
    base_url.pop_back();
  }
  bulk_url_ =
      base_url + "/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";
  if (!config_.pipeline.empty()) {
    bulk_url_ += "&pipeline=" + QueryEscape(config_.pipeline);
  }
  action_ = config_.op_type == OpType::kCreate ? "create" : "index";
}

std::string EsProtocol::AppendEvent(const Event& event, std::string* body) {
  // The document first (into doc_), picking up the fields the action line needs on the way.
  doc_.clear();
  MsgpackReader r(event.record);
  Result<MsgObject> head = r.Next();
  if (!head.has_value() || head->type != MsgType::kMap) {
    return "the record is not a msgpack map";
  }
  std::string_view index_value;
  std::string routing;
  bool has_routing = false;
  bool has_time_key = false;
  doc_.push_back('{');
  const size_t fields_start = doc_.size();
  for (uint32_t i = 0; i < head->count; ++i) {
    Result<MsgObject> key = r.Next();
    if (!key.has_value()) {
      return "the record is not valid msgpack: " + key.error().message();
    }
    if (key->type != MsgType::kStr && key->type != MsgType::kBin) {
      return "the record has a key that is not a string";
    }
    const size_t value_pos = r.position();
    if (i > 0) {
      doc_.push_back(',');
    }
    JsonWriter::AppendString(key->data, &doc_);
    doc_.push_back(':');
    if (Status s = JsonWriter::AppendObject(r, &doc_); !s.ok()) {
      return "the record is not valid msgpack: " + s.message();
    }
    has_time_key = has_time_key || IsKey(*key, config_.time_key);
    const bool is_index = IsKey(*key, config_.index_field);
    const bool is_routing = IsKey(*key, config_.routing_field);
    if (is_index || is_routing) {
      MsgpackReader value(event.record.substr(value_pos));
      Result<MsgObject> v = value.Next();
      if (!v.has_value()) {
        return "the record is not valid msgpack: " + v.error().message();
      }
      if (is_index && v->type == MsgType::kStr && !v->data.empty()) {
        index_value = v->data;
      }
      if (is_routing) {
        if (v->type == MsgType::kStr) {
          routing.assign(v->data);
          has_routing = !routing.empty();
        } else if (v->type == MsgType::kInt) {
          routing = std::to_string(v->i64);
          has_routing = true;
        } else if (v->type == MsgType::kUint) {
          routing = std::to_string(v->u64);
          has_routing = true;
        }
      }
    }
  }
  if (!config_.time_key.empty() && !has_time_key) {
    std::string time_field;
    JsonWriter::AppendString(config_.time_key, &time_field);
    time_field.push_back(':');
    time_writer_.AppendTime(event.time, &time_field);
    if (doc_.size() > fields_start) {
      time_field.push_back(',');
    }
    doc_.insert(fields_start, time_field);
  }
  doc_.push_back('}');

  std::string_view index = index_value;
  if (index.empty()) {
    index = index_.Format(event.time);
  } else if (std::string_view problem = IndexNameProblem(index); !problem.empty()) {
    std::string name(index.substr(0, 80));
    return "index \"" + name + "\" from field " + config_.index_field +
           " is not a valid index name: it " + std::string(problem);
  }

  body->append("{\"");
  body->append(action_);
  body->append("\":{\"_index\":");
  JsonWriter::AppendString(index, body);
  if (config_.document_id == DocumentId::kBatch) {
    if (!(event.batch->id == id_)) {
      id_ = event.batch->id;
      id_hex_ = id_.ToHex();
    }
    body->append(",\"_id\":\"");
    body->append(id_hex_);
    body->push_back('-');
    AppendUint(event.position, body);
    body->push_back('"');
  }
  if (!config_.type.empty()) {
    body->append(",\"_type\":");
    JsonWriter::AppendString(config_.type, body);
  }
  if (has_routing) {
    body->append(",\"routing\":");
    JsonWriter::AppendString(routing, body);
  }
  body->append("}}\n");
  body->append(doc_);
  body->push_back('\n');
  return "";
}

Status EsProtocol::Encode(std::span<const Event> events, Encoded* out) {
  http_client::Request& request = out->request;
  request.method = "POST";
  request.url = bulk_url_;
  request.content_type = "application/x-ndjson";
  std::string& body = request.body;
  size_t estimate = 0;
  for (const Event& e : events) {
    estimate += e.record.size() * 3 / 2 + 128;
  }
  body.reserve(estimate);
  for (size_t i = 0; i < events.size(); ++i) {
    const size_t mark = body.size();
    std::string why = AppendEvent(events[i], &body);
    if (!why.empty()) {
      body.resize(mark);
      out->rejected.emplace_back(static_cast<uint32_t>(i), std::move(why));
    }
  }
  return OkStatus();
}

Outcome EsProtocol::Classify(std::span<const Event> events, const Response& response) {
  const long status = response.status;
  if (status == 0) {
    return Outcome::Retry("no response: " + response.error);
  }
  if (status >= 200 && status < 300) {
    Result<BulkResult> result = reader_.Read(response.body);
    if (!result.has_value()) {
      return Outcome::Retry("HTTP " + std::to_string(status) + ": " + result.error().message());
    }
    if (!result->errors) {
      return Outcome::Delivered();
    }
    Outcome outcome;
    outcome.kind = Outcome::Kind::kPerEvent;
    outcome.events.resize(events.size());
    bool all_delivered = true;
    for (size_t i = 0; i < events.size(); ++i) {
      Outcome::PerEvent& e = outcome.events[i];
      if (i >= result->items.size()) {
        e.kind = Outcome::Kind::kRetry;
        e.reason = result->truncated
                       ? "the _bulk response was cut short before this document's result"
                       : "the _bulk response has " + std::to_string(result->items.size()) +
                             " results for " + std::to_string(events.size()) + " documents";
        all_delivered = false;
        continue;
      }
      const BulkItem& item = result->items[i];
      const bool conflict_on_create = item.status == 409 && config_.op_type == OpType::kCreate;
      if ((item.status >= 200 && item.status < 300) || conflict_on_create) {
        continue;  // kDelivered
      }
      all_delivered = false;
      e.kind = item.status == 429 || item.status >= 500 ? Outcome::Kind::kRetry
                                                        : Outcome::Kind::kRejected;
      e.reason = item.error_type.empty() ? "status " + std::to_string(item.status)
                                         : item.error_type + ": " + item.error_reason;
    }
    if (all_delivered) {
      return Outcome::Delivered();
    }
    return outcome;
  }
  const std::string prefix = "HTTP " + std::to_string(status);
  std::string text = reader_.ErrorText(response.body);
  const std::string said = text.empty() ? "" : " (" + text + ")";
  switch (status) {
    case 401:
      return Outcome::Retry(prefix + ": the server refused the credentials" + said +
                            "; check auth.user and auth.password, auth.bearer_token or "
                            "auth.api_key. The events are kept and sent again.");
    case 403:
      return Outcome::Retry(prefix + ": the credentials may not write to this index" + said +
                            "; grant the create_doc (or index) privilege on it. The events "
                            "are kept and sent again.");
    case 404:
      return Outcome::Retry(prefix + ": no _bulk API at " + bulk_url_ + said +
                            "; check url. The events are kept and sent again.");
    case 413:
      return Outcome::Rejected(prefix +
                               ": the request is larger than the server takes "
                               "(http.max_content_length); lower batch_max_bytes" +
                               said);
    default:
      break;
  }
  if (status == 408 || status == 429 || status >= 500) {
    return Outcome::Retry(prefix + (text.empty() ? "" : ": " + text), response.retry_after);
  }
  return Outcome::Rejected(prefix + (text.empty() ? "" : ": " + text));
}

}  // namespace runnel::plugins::elasticsearch
