#pragma once
// Thin wrappers over toml++ for the config loader: no exceptions escape, positions become
// SourceLocations, tables are walked in file order (toml++ keeps keys sorted by name).
// Private to core/src/config.

#include <toml++/toml.h>

#include <string>
#include <utility>
#include <vector>

#include "config/diagnostic.h"
#include "config/env.h"
#include "runnel/config_node.h"

namespace runnel::config {

SourceLocation ToLocation(const toml::source_region& region);
inline SourceLocation LocationOf(const toml::node& node) { return ToLocation(node.source()); }
inline SourceLocation LocationOf(const toml::key& key) { return ToLocation(key.source()); }

// How error messages name a TOML value's type, with its article: "a string", "an integer",
// "an array", "a table", "a boolean", "a float", "a date" ...
std::string TomlTypeName(const toml::node& node);

// The entries of `table` ordered by where their keys appear in the file.
using TableEntry = std::pair<const toml::key*, toml::node*>;
using ConstTableEntry = std::pair<const toml::key*, const toml::node*>;
std::vector<TableEntry> EntriesInFileOrder(toml::table& table);
std::vector<ConstTableEntry> EntriesInFileOrder(const toml::table& table);

// Parses the file at `path` (also the name positions are reported with). On failure reports a
// syntax or I/O error to `sink` and returns false. Never throws.
bool ParseTomlFile(const std::string& path, toml::table* out, DiagnosticSink& sink);
// Parses `text`; returns false (without reporting) when it is not valid TOML. Never throws.
bool ParseTomlText(const std::string& text, toml::table* out);

// Expands ${VAR} in every string value under `node` (itself included), in place. Each failure
// is reported at the string's position with `component`; the string is then left as it was.
void ExpandStrings(toml::node& node, const Environment& env, const std::string& component,
                   DiagnosticSink& sink);

}  // namespace runnel::config
