#include "config/describe.h"

#include <algorithm>

#include "config/loader.h"
#include "config/suggest.h"
#include "config/units.h"

namespace runnel::config {
namespace {

// Short type names for the table; FieldTypeName's longer forms are for error messages.
std::string ShortTypeName(FieldType type) {
  switch (type) {
    case FieldType::kDuration:
      return "duration";
    case FieldType::kSize:
      return "size";
    case FieldType::kEnum:
      return "enum";
    default:
      return FieldTypeName(type);
  }
}

std::string Bound(FieldType type, int64_t v) {
  if (type == FieldType::kDuration) {
    return FormatDuration(std::chrono::milliseconds(v));
  }
  if (type == FieldType::kSize && v >= 0) {
    return FormatSize(static_cast<uint64_t>(v));
  }
  return std::to_string(v);
}

std::string FullDescription(const FieldSpec& spec) {
  std::string text = spec.description;
  auto append = [&text](const std::string& more) {
    if (!text.empty()) {
      if (text.back() != '.') {
        text += '.';
      }
      text += ' ';
    }
    text += more;
  };
  if (spec.type == FieldType::kEnum && !spec.choices.empty()) {
    append("One of " + Join(spec.choices, "\"") + ".");
  }
  if (spec.min.has_value() && spec.max.has_value()) {
    append("From " + Bound(spec.type, *spec.min) + " to " + Bound(spec.type, *spec.max) + ".");
  } else if (spec.min.has_value()) {
    append("At least " + Bound(spec.type, *spec.min) + ".");
  } else if (spec.max.has_value()) {
    append("At most " + Bound(spec.type, *spec.max) + ".");
  }
  return text;
}

using Row = std::vector<std::string>;

// Rows as columns padded to the widest cell; the last column is not padded.
std::string Table(const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const Row& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  for (const Row& row : rows) {
    std::string line = "  ";
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - row[i].size() + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  }
  return out;
}

std::string FieldTable(const std::vector<FieldSpec>& fields, const std::vector<Row>& leading) {
  std::vector<Row> rows = {{"KEY", "TYPE", "DEFAULT", "DESCRIPTION"}};
  rows.insert(rows.end(), leading.begin(), leading.end());
  for (const FieldSpec& spec : fields) {
    std::string def = spec.required ? "(required)" : spec.default_value.value_or("(none)");
    rows.push_back({spec.name, ShortTypeName(spec.type), def, FullDescription(spec)});
  }
  return Table(rows);
}

}  // namespace

std::string DescribePlugin(const PluginInfo& info) {
  std::string out = info.name + " (" + std::string(PluginKindName(info.kind)) + " plugin, " +
                    std::string(StabilityName(info.stability)) + ")\n";
  if (!info.description.empty()) {
    out += info.description + "\n";
  }
  out += "\n";
  std::vector<Row> leading = {
      {"type", "string", "(required)", "Must be \"" + info.name + "\"."}};
  if (info.kind != PluginKind::kInput) {
    leading.push_back({"inputs", "array of strings", "(required)",
                       "Names or globs of the inputs and filters that feed this one."});
  }
  out += FieldTable(info.schema.fields(), leading);
  return out;
}

std::string ListPlugins(const PluginRegistry& registry) {
  std::string out;
  for (PluginKind kind : {PluginKind::kInput, PluginKind::kFilter, PluginKind::kOutput}) {
    std::string section(PluginKindSection(kind));
    std::transform(section.begin(), section.end(), section.begin(),
                   [](char c) { return static_cast<char>(c - 'a' + 'A'); });
    out += section + "\n";
    std::vector<Row> rows;
    for (const PluginInfo* info : registry.All()) {
      if (info->kind == kind) {
        rows.push_back({info->name, std::string(StabilityName(info->stability)),
                        info->description});
      }
    }
    out += rows.empty() ? "  (none)\n" : Table(rows);
  }
  return out;
}

std::string DescribeGlobals() {
  return "Top-level keys\n\n" + FieldTable(GlobalSchema().fields(), {});
}

}  // namespace runnel::config
