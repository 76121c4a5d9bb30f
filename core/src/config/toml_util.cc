#include "config/toml_util.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace runnel::config {

SourceLocation ToLocation(const toml::source_region& region) {
  SourceLocation loc;
  if (region.path) {
    loc.file = *region.path;
  }
  loc.line = static_cast<int>(region.begin.line);
  loc.column = static_cast<int>(region.begin.column);
  return loc;
}

std::string TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

namespace {

template <typename Entry, typename Table>
std::vector<Entry> SortedEntries(Table& table) {
  std::vector<Entry> entries;
  entries.reserve(table.size());
  for (auto& [key, node] : table) {
    entries.emplace_back(&key, &node);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
  });
  return entries;
}

}  // namespace

std::vector<TableEntry> EntriesInFileOrder(toml::table& table) {
  return SortedEntries<TableEntry>(table);
}

std::vector<ConstTableEntry> EntriesInFileOrder(const toml::table& table) {
  return SortedEntries<ConstTableEntry>(table);
}

namespace {

// The text of line `line` (1-based) of `text`, trimmed; "" when out of range.
std::string LineOf(const std::string& text, size_t line) {
  std::istringstream in(text);
  std::string current;
  for (size_t i = 1; std::getline(in, current); ++i) {
    if (i == line) {
      const size_t first = current.find_first_not_of(" \t");
      const size_t last = current.find_last_not_of(" \t\r");
      return first == std::string::npos ? "" : current.substr(first, last - first + 1);
    }
  }
  return "";
}

}  // namespace

bool ParseTomlFile(const std::string& path, toml::table* out, DiagnosticSink& sink) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    sink.Error(SourceLocation{path, 0, 0}, "", "cannot read config file: it is a directory");
    return false;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    sink.Error(SourceLocation{path, 0, 0}, "",
               std::string("cannot read config file: ") +
                   (err != 0 ? std::strerror(err) : "cannot open it"));
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    sink.Error(SourceLocation{path, 0, 0}, "", "cannot read config file: I/O error");
    return false;
  }
  const std::string text = buffer.str();
  try {
    *out = toml::parse(std::string_view(text), std::string_view(path));
  } catch (const toml::parse_error& e) {
    SourceLocation loc = ToLocation(e.source());
    loc.file = path;
    std::string hint;
    const std::string line = LineOf(text, e.source().begin.line);
    if (!line.empty()) {
      hint = "the line reads: " + line;
    }
    sink.Error(std::move(loc), "", "invalid TOML: " + std::string(e.description()),
               std::move(hint));
    return false;
  } catch (const std::exception& e) {
    sink.Error(SourceLocation{path, 0, 0}, "",
               std::string("cannot parse config file: ") + e.what());
    return false;
  }
  return true;
}

bool ParseTomlText(const std::string& text, toml::table* out) {
  try {
    *out = toml::parse(text);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

void ExpandStrings(toml::node& node, const Environment& env, const std::string& component,
                   DiagnosticSink& sink) {
  if (auto* str = node.as_string()) {
    auto expanded = ExpandVariables(str->get(), env);
    if (expanded.has_value()) {
      str->get() = std::move(*expanded);
    } else {
      sink.Error(LocationOf(node), component, std::move(expanded.error().message),
                 std::move(expanded.error().hint));
    }
  } else if (auto* array = node.as_array()) {
    for (toml::node& element : *array) {
      ExpandStrings(element, env, component, sink);
    }
  } else if (auto* table = node.as_table()) {
    for (auto& entry : EntriesInFileOrder(*table)) {
      ExpandStrings(*entry.second, env, component, sink);
    }
  }
}

}  // namespace runnel::config
