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
  if (std::string bounds = DescribeBounds(spec); !bounds.empty()) {
    bounds[0] = static_cast<char>(bounds[0] - 'a' + 'A');
    append(bounds + ".");
  }
  return text;
}

using Row = std::vector<std::string>;

// Output lines are kept within this many columns where words allow.
constexpr size_t kLineWidth = 100;

// `text` broken at spaces into lines of at most `width` columns (a longer word gets its own line).
std::vector<std::string> Wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) {
      continue;
    }
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty() || lines.empty()) {
    lines.push_back(std::move(line));
  }
  return lines;
}

// The widest cell of each column over `rows`.
std::vector<size_t> ColumnWidths(const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const Row& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  return widths;
}

// Rows indented by two, columns padded to `widths`; the last column is wrapped, continuation lines
// aligned under it.
std::string Table(const std::vector<Row>& rows, const std::vector<size_t>& widths) {
  std::string out;
  for (const Row& row : rows) {
    std::string line = "  ";
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      line += row[i];
      line.append(widths[i] - row[i].size() + 2, ' ');
    }
    const size_t indent = line.size();
    const size_t width = indent + 30 > kLineWidth ? 30 : kLineWidth - indent;
    const std::vector<std::string> wrapped = Wrap(row.empty() ? "" : row.back(), width);
    for (size_t i = 0; i < wrapped.size(); ++i) {
      std::string text = (i == 0 ? line : std::string(indent, ' ')) + wrapped[i];
      while (!text.empty() && text.back() == ' ') {
        text.pop_back();
      }
      out += text + "\n";
    }
  }
  return out;
}

std::string Table(const std::vector<Row>& rows) { return Table(rows, ColumnWidths(rows)); }

std::string Paragraph(const std::string& text) {
  std::string out;
  for (const std::string& line : Wrap(text, kLineWidth)) {
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
    out += Paragraph(info.description);
  }
  out += "\n";
  std::vector<Row> leading = {{"type", "string", "(required)", "Must be \"" + info.name + "\"."}};
  if (info.kind != PluginKind::kInput) {
    leading.push_back({"inputs", "array of strings", "(required)",
                       "Names or globs of the inputs and filters that feed this one."});
  }
  out += FieldTable(info.schema.fields(), leading);
  return out;
}

std::string ListPlugins(const PluginRegistry& registry) {
  // One set of column widths for every kind, so that the three lists line up.
  std::vector<Row> all;
  for (const PluginInfo* info : registry.All()) {
    all.push_back({info->name, std::string(StabilityName(info->stability)), info->description});
  }
  const std::vector<size_t> widths = ColumnWidths(all);
  std::string out;
  for (PluginKind kind : {PluginKind::kInput, PluginKind::kFilter, PluginKind::kOutput}) {
    std::string section(PluginKindSection(kind));
    std::transform(section.begin(), section.end(), section.begin(),
                   [](char c) { return static_cast<char>(c - 'a' + 'A'); });
    out += section + "\n";
    std::vector<Row> rows;
    for (const PluginInfo* info : registry.All()) {
      if (info->kind == kind) {
        rows.push_back(
            {info->name, std::string(StabilityName(info->stability)), info->description});
      }
    }
    out += rows.empty() ? "  (none)\n" : Table(rows, widths);
  }
  return out;
}

std::string DescribeGlobals() {
  return "Top-level keys\n\n" + FieldTable(GlobalSchema().fields(), {});
}

}  // namespace runnel::config
