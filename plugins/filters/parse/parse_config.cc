#include "plugins/filters/parse/parse_config.h"

#include <map>
#include <utility>

namespace runnel::plugins::parse {

namespace {

std::vector<std::string> FormatChoices() {
  std::vector<std::string> choices = {"json", "regex", "logfmt"};
  for (const formats::Format& format : formats::AllFormats()) {
    choices.emplace_back(format.name);
  }
  return choices;
}

std::string FormatHelp() {
  std::string help =
      "How `field` is written. json: an object whose members become fields; regex: the "
      "named groups of `regex` become fields; logfmt: key=value pairs. Named formats, whose "
      "scanners set typed fields and the event time from the line's own timestamp (README.md "
      "lists every field):";
  for (const formats::Format& format : formats::AllFormats()) {
    help.append(" ").append(format.name).append(": ").append(format.description).append(";");
  }
  help.back() = '.';
  return help;
}

}  // namespace

Schema ParseSchema() {
  Schema schema;
  schema.Enum("format", FormatChoices(), "\"json\"", FormatHelp())
      .Optional("field", FieldType::kString, "\"log\"",
                "The string field to parse. An event without it passes unchanged.")
      .OptionalNoDefault("regex", FieldType::kString,
                         "format = \"regex\": an RE2 pattern with named groups, e.g. "
                         "'^(?P<host>\\S+) (?P<rest>.*)$'. Unanchored unless you anchor it; "
                         "a group that does not take part in the match sets no field.")
      .OptionalNoDefault("utc_offset", FieldType::kString,
                         "Named formats whose timestamps carry no zone (syslog_rfc3164, "
                         "apache_error, nginx_error): the zone they were written in, "
                         "\"+HH:MM\" or \"-HH:MM\" east of UTC. Default: UTC.")
      .Optional("keep_original", FieldType::kBool, "false",
                "Keep `field` after it was parsed successfully (it is removed by default).")
      .OptionalNoDefault("target", FieldType::kString,
                         "Put the parsed fields in a map under this key instead of merging them "
                         "into the top level (where they replace fields of the same name).")
      .OptionalNoDefault("time_key", FieldType::kString,
                         "A parsed field holding the event's time. Absent from a record: the "
                         "time is left alone; present but not parseable: a parse error.")
      .OptionalNoDefault("time_format", FieldType::kString,
                         "How time_key is written: \"rfc3339\" (default; also \"iso8601\"), "
                         "\"unix\", \"unix_ms\", \"unix_us\", \"unix_ns\", or a pattern with "
                         "%Y %m %d %e %H %M %S %f %z %b %a %T %%, e.g. \"%d/%b/%Y:%H:%M:%S %z\".")
      .Optional("time_keep", FieldType::kBool, "true",
                "Keep time_key among the parsed fields after setting the event time.")
      .OptionalNoDefault("types", FieldType::kStringMap,
                         "{ field = \"int\" | \"float\" | \"bool\", ... }: convert parsed "
                         "string fields (e.g. regex groups). A value that does not convert "
                         "entirely stays a string. Applied before time_key is read.")
      .Enum("on_error", {"keep", "drop"}, "\"keep\"",
            "A record that does not parse: keep it unchanged, or drop it. Either way it is "
            "counted in parse_errors_total and logged (rate-limited).");
  return schema;
}

namespace {

Status CompileRegex(const ConfigNode& node, ParseConfig* config) {
  const std::string& pattern = node.GetString("regex");
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<const RE2>(pattern, options);
  if (!re->ok()) {
    return node.Error("regex", "does not compile: " + re->error());
  }
  const std::map<int, std::string>& names = re->CapturingGroupNames();
  if (names.empty()) {
    return node.Error("regex", "has no named group; name what to extract as (?P<name>...)");
  }
  for (const auto& [index, name] : names) {
    config->groups.push_back(RegexGroup{index, name});
  }
  config->regex_groups = re->NumberOfCapturingGroups();
  config->regex = std::move(re);
  return OkStatus();
}

// "+HH:MM" / "-HH:MM", hours 0-23, minutes 0-59.
bool ParseUtcOffset(std::string_view text, int32_t* out) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || !digit(1) || !digit(2) ||
      text[3] != ':' || !digit(4) || !digit(5)) {
    return false;
  }
  const int hours = (text[1] - '0') * 10 + (text[2] - '0');
  const int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  if (hours > 23 || minutes > 59) {
    return false;
  }
  *out = (text[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  return true;
}

}  // namespace

Result<ParseConfig> BuildParseConfig(const ConfigNode& node) {
  ParseConfig config;
  const std::string& format = node.GetString("format");
  config.format = format == "regex"    ? Format::kRegex
                  : format == "logfmt" ? Format::kLogfmt
                  : format == "json"   ? Format::kJson
                                       : Format::kNamed;
  if (config.format == Format::kNamed) {
    config.named = formats::FindFormat(format);
    if (config.named == nullptr) {
      return Err(node.Error("format", "unknown format \"" + format + "\""));
    }
  }
  if (node.Has("utc_offset")) {
    if (config.format != Format::kNamed) {
      return Err(node.Error("utc_offset",
                            "is only used with a named format (format is \"" + format + "\")"));
    }
    if (!ParseUtcOffset(node.GetString("utc_offset"), &config.scan_options.utc_offset_seconds)) {
      return Err(node.Error("utc_offset",
                            "must be \"+HH:MM\" or \"-HH:MM\" (e.g. \"+02:00\"), "
                            "got \"" +
                                node.GetString("utc_offset") + "\""));
    }
  }
  config.field = node.GetString("field");
  if (config.field.empty()) {
    return Err(node.Error("field", "must not be empty"));
  }
  if (config.format == Format::kRegex) {
    if (!node.Has("regex")) {
      return Err(node.Error("regex", "is required when format = \"regex\""));
    }
    if (Status status = CompileRegex(node, &config); !status.ok()) {
      return Err(std::move(status));
    }
  } else if (node.Has("regex")) {
    return Err(
        node.Error("regex", "is only used when format = \"regex\" (format is \"" + format + "\")"));
  }
  config.keep_original = node.GetBool("keep_original");
  if (node.Has("target")) {
    config.target = node.GetString("target");
    if (config.target.empty()) {
      return Err(node.Error("target", "must not be empty; leave it out to merge at the top"));
    }
  }
  if (node.Has("time_key")) {
    config.time_key = node.GetString("time_key");
    if (config.time_key.empty()) {
      return Err(node.Error("time_key", "must not be empty"));
    }
    const std::string spec = node.Has("time_format") ? node.GetString("time_format") : "rfc3339";
    Result<TimeFormat> time_format = TimeFormat::Compile(spec);
    if (!time_format.has_value()) {
      return Err(node.Error("time_format", time_format.error().message()));
    }
    config.time_format = std::move(*time_format);
  } else if (node.Has("time_format")) {
    return Err(node.Error("time_format", "needs time_key (the field that holds the time)"));
  }
  config.time_keep = node.GetBool("time_keep");
  config.on_error = node.GetString("on_error") == "drop" ? OnError::kDrop : OnError::kKeep;
  if (node.Has("types")) {
    for (const auto& [key, type] : node.GetStringMap("types")) {
      if (key.empty()) {
        return Err(node.Error("types", "a field name is empty"));
      }
      if (type == "int") {
        config.types.push_back(TypeRule{key, ValueType::kInt});
      } else if (type == "float") {
        config.types.push_back(TypeRule{key, ValueType::kFloat});
      } else if (type == "bool") {
        config.types.push_back(TypeRule{key, ValueType::kBool});
      } else {
        return Err(node.Error("types", "field '" + key + "': unknown type \"" + type +
                                           "\"; use \"int\", \"float\" or \"bool\""));
      }
    }
  }
  return config;
}

}  // namespace runnel::plugins::parse
