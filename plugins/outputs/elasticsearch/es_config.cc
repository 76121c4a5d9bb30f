#include "es_config.h"

#include "index_pattern.h"

namespace runnel::plugins::elasticsearch {

Schema EsSchema() {
  Schema s;
  http_client::HttpFieldDefaults defaults;
  defaults.url = "http://127.0.0.1:9200";
  defaults.compressions = {forward::Compression::kNone, forward::Compression::kGzip};
  defaults.batch_max_events = 5'000;
  http_client::AddHttpFields(s, defaults);
  s.Optional("index", FieldType::kString, "\"runnel\"",
             "The index (or data stream) of each document: a fixed name, or a pattern with the "
             "event's UTC date: %Y (year), %y (2-digit year), %m (month), %d (day), %H (hour), "
             "%j (day of the year), %% (a '%'), e.g. \"logs-%Y.%m.%d\".")
      .OptionalNoDefault("index_field", FieldType::kString,
                         "A record field holding the index name; an event without it (or with "
                         "a value that is not a non-empty string) goes to `index`. A name "
                         "Elasticsearch refuses (uppercase, \\ / * ? \" < > | , # : or space) "
                         "dead-letters the event.")
      .Enum("op_type", {"create", "index"}, "\"create\"",
            "The bulk action. \"create\" (what data streams need) never overwrites: a document "
            "sent again after a lost response gets 409, which counts as delivered. \"index\" "
            "overwrites a document with the same _id.")
      .Enum("document_id", {"batch", "auto"}, "\"batch\"",
            "\"batch\": each document's _id is its batch's id (32 hex digits), '-' and its "
            "position in the batch, the same on every retry, so a retry never makes a second "
            "copy. \"auto\": the server picks ids; a request retried after a lost response is "
            "then indexed twice.")
      .OptionalNoDefault("pipeline", FieldType::kString,
                         "The ingest pipeline every document goes through (the pipeline "
                         "parameter of _bulk).")
      .OptionalNoDefault("routing_field", FieldType::kString,
                         "A record field (string or integer) whose value is the document's "
                         "routing key; absent: the server routes by _id.")
      .OptionalNoDefault("type", FieldType::kString,
                         "The _type of every document, only for Elasticsearch 6.x (\"_doc\"); "
                         "Elasticsearch 7 and later and OpenSearch need none.")
      .Optional("time_key", FieldType::kString, "\"@timestamp\"",
                "The field the event time is written to, first in the document (RFC 3339, "
                "UTC). A record that has this field keeps its own. \"\" leaves the time out.")
      .Enum("time_precision", {"ms", "ns"}, "\"ms\"",
            "Digits of the time's fraction: milliseconds (the date type) or nanoseconds "
            "(the date_nanos type).")
      .OptionalNoDefault("auth.api_key", FieldType::kString,
                         "An API key, as Elasticsearch returns it in `encoded` (base64 of "
                         "id:key), sent as \"Authorization: ApiKey <key>\". Not together with "
                         "auth.user or auth.bearer_token.");
  return s;
}

Result<EsSettings> ParseEsConfig(const ConfigNode& node) {
  EsSettings out;
  RUNNEL_ASSIGN_OR_RETURN(out.http, http_client::ParseHttpOptions(node));
  if (out.http.url.find('?') != std::string::npos) {
    return Err(node.Error("url",
                          "must not have a query string; give the cluster's base URL "
                          "(the output adds /_bulk)"));
  }
  EsConfig& c = out.es;
  c.index = node.GetString("index");
  if (Result<IndexPattern> p = IndexPattern::Compile(c.index); !p.has_value()) {
    return Err(node.Error("index", p.error().message()));
  }
  if (node.Has("index_field")) {
    c.index_field = node.GetString("index_field");
    if (c.index_field.empty()) {
      return Err(node.Error("index_field", "must not be empty; leave it out to use `index`"));
    }
  }
  c.op_type = node.GetString("op_type") == "index" ? OpType::kIndex : OpType::kCreate;
  c.document_id = node.GetString("document_id") == "auto" ? DocumentId::kAuto : DocumentId::kBatch;
  if (node.Has("pipeline")) {
    c.pipeline = node.GetString("pipeline");
    if (c.pipeline.empty()) {
      return Err(node.Error("pipeline", "must not be empty; leave it out for no pipeline"));
    }
  }
  if (node.Has("routing_field")) {
    c.routing_field = node.GetString("routing_field");
    if (c.routing_field.empty()) {
      return Err(node.Error("routing_field", "must not be empty; leave it out for no routing"));
    }
  }
  if (node.Has("type")) {
    c.type = node.GetString("type");
    if (c.type.empty()) {
      return Err(node.Error("type", "must not be empty; leave it out for no _type"));
    }
  }
  c.time_key = node.GetString("time_key");
  c.time_precision =
      node.GetString("time_precision") == "ns" ? TimePrecision::kNanos : TimePrecision::kMillis;
  if (node.Has("auth.api_key")) {
    c.api_key = node.GetString("auth.api_key");
    if (c.api_key.empty()) {
      return Err(node.Error("auth.api_key", "must not be empty"));
    }
    if (!out.http.user.empty() || !out.http.bearer_token.empty()) {
      return Err(node.Error("auth.api_key",
                            "cannot be used together with auth.user or auth.bearer_token"));
    }
    out.http.headers.emplace_back("Authorization", "ApiKey " + c.api_key);
  }
  return out;
}

}  // namespace runnel::plugins::elasticsearch
