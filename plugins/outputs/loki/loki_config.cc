#include "loki_config.h"

namespace runnel::plugins::loki {

Schema LokiSchema() {
  Schema s;
  http_client::HttpFieldDefaults defaults;
  defaults.url = "http://127.0.0.1:3100";
  defaults.compressions = {forward::Compression::kNone, forward::Compression::kGzip};
  defaults.batch_max_bytes = 1ull << 20;
  defaults.max_in_flight = 1;
  http_client::AddHttpFields(s, defaults);
  s.Enum("format", {"protobuf", "json"}, "\"protobuf\"",
         "Push body: \"protobuf\" (logproto.PushRequest in one snappy block, "
         "Content-Type application/x-protobuf, what Promtail sends) or \"json\" "
         "({\"streams\":[{\"stream\":{labels},\"values\":[[\"<unix ns>\",\"<line>\"]]}]}, which "
         "`compression = \"gzip\"` may compress). The URL is Loki's base URL; "
         "/loki/api/v1/push is appended unless it is there.")
      .OptionalNoDefault(
          "labels", FieldType::kStringMap,
          "The stream labels: { name = \"value\" }. A value \"$field\" is the event's top-level "
          "field (the label is left out when the field is missing, null or empty); \"$$x\" is "
          "the text \"$x\"; anything else is a constant. Names match [a-zA-Z_][a-zA-Z0-9_]*; "
          "with label_keys at most 15 labels (Loki's default max_label_names_per_series); "
          "values are cut at 2048 bytes. Without labels and label_keys: { job = \"runnel\" }.")
      .OptionalNoDefault("label_keys", FieldType::kStringList,
                         "Top-level fields that become labels of the same name, as "
                         "`name = \"$name\"` in labels would.")
      .EnumNoDefault("line_format", {"json", "key_value"},
                     "The entry's line when line_field is not set: \"json\" (the default: the "
                     "record without its label fields, as one JSON object) or \"key_value\" "
                     "(key=value pairs, values with spaces, '=' or quotes in double quotes).")
      .OptionalNoDefault("line_field", FieldType::kString,
                         "The entry's line is this top-level field's value (a string as it "
                         "is, anything else as JSON). An event without it is dead-lettered. "
                         "Excludes line_format.")
      .OptionalNoDefault("tenant_id", FieldType::kString,
                         "Sent as the X-Scope-OrgID header (Loki's multi-tenant mode).");
  return s;
}

std::string PushUrl(std::string url) {
  if (url.ends_with(kPushPath)) {
    return url;
  }
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url + kPushPath;
}

Result<LokiConfig> ParseLokiConfig(const ConfigNode& node) {
  LokiConfig c;
  RUNNEL_ASSIGN_OR_RETURN(c.http, http_client::ParseHttpOptions(node));
  LokiProtocolOptions& p = c.protocol;
  p.format = node.GetString("format") == "json" ? PushFormat::kJson : PushFormat::kProtobuf;
  if (p.format == PushFormat::kProtobuf && c.http.compression != forward::Compression::kNone) {
    return Err(node.Error("compression",
                          "applies to format = \"json\"; protobuf bodies are snappy-compressed"));
  }
  p.push_url = PushUrl(c.http.url);
  c.http.url = p.push_url;
  if (node.Has("tenant_id")) {
    p.tenant_id = node.GetString("tenant_id");
    if (p.tenant_id.empty()) {
      return Err(node.Error("tenant_id", "must not be empty"));
    }
  }
  StringMap labels;
  std::vector<std::string> keys;
  if (node.Has("labels")) {
    labels = node.GetStringMap("labels");
  }
  if (node.Has("label_keys")) {
    keys = node.GetStringList("label_keys");
  }
  if (labels.empty() && keys.empty()) {
    if (node.Has("labels") || node.Has("label_keys")) {
      return Err(node.Error(node.Has("labels") ? "labels" : "label_keys",
                            "is empty; Loki needs at least one label"));
    }
    labels = {{"job", "runnel"}};
  }
  {
    Result<LabelRules> only_labels = LabelRules::Build(labels, {});
    if (!only_labels.has_value()) {
      return Err(node.Error("labels", only_labels.error().message()));
    }
    Result<LabelRules> all = LabelRules::Build(labels, keys);
    if (!all.has_value()) {
      return Err(node.Error("label_keys", all.error().message()));
    }
    p.labels = std::move(*all);
  }
  if (node.Has("line_field")) {
    if (node.Has("line_format")) {
      return Err(node.Error("line_field", "excludes line_format; set one of them"));
    }
    p.line_format = LineFormat::kField;
    p.line_field = node.GetString("line_field");
    if (p.line_field.empty()) {
      return Err(node.Error("line_field", "must not be empty"));
    }
  } else if (node.Has("line_format") && node.GetString("line_format") == "key_value") {
    p.line_format = LineFormat::kKeyValue;
  }
  return c;
}

}  // namespace runnel::plugins::loki
