#pragma once
// Checks a component's (or the global) TOML table against a Schema and converts the values.
// Private to core/src/config.
//
// Messages, each reported at the value's position (the key's for unknown keys, the table's for
// missing keys), prefixed by the component label given:
//   unknown key 'pahts'                                   hint: did you mean 'paths'?
//   key 'paths' must be an array of strings, got a string hint: e.g. paths = ["a", "b"]
//   missing required key 'paths'                          hint: add e.g. paths = ["a", "b"]; ...
//   key 'format' has invalid value "xml"                  hint: allowed values: "json", ...
//   key 'flush' has invalid duration "5 sec"              hint: kDurationForms
//   key 'max_size' has invalid size "10 megs"             hint: kSizeForms
//   key 'workers' is out of range: 100                    hint: it must be between 1 and 64

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "runnel/config_node.h"
#include "runnel/schema.h"

namespace runnel::config {

// The value of `node` for `spec`, or nullopt after reporting why it is not acceptable.
std::optional<ConfigValue> ConvertField(const FieldSpec& spec, const toml::node& node,
                                        const std::string& component, DiagnosticSink& sink);

// The value `spec.default_value` stands for (TOML text), or nullopt when it has none or it is
// not valid for the field (a plugin bug, reported at `where`).
std::optional<ConfigValue> DefaultValue(const FieldSpec& spec, const SourceLocation& where,
                                        const std::string& component, DiagnosticSink& sink);

// Validates every key of `table` but those in `skip` (handled by the caller, yet offered as
// suggestions) against `schema`: unknown keys, types, choices, ranges, missing required keys.
// A required key that an unknown key was taken for ("did you mean 'paths'?") is not reported
// missing as well. `plugin` names the plugin for the missing-key hint. Sets each accepted value,
// and each default for a key not given, on `node`.
void ValidateFields(const toml::table& table, const Schema& schema,
                    const std::vector<std::string>& skip, const SourceLocation& table_location,
                    const std::string& component, const std::string& plugin, ConfigNode& node,
                    DiagnosticSink& sink);

// The example a hint shows for `spec`: "paths = [\"a\", \"b\"]", or its default when it has one.
std::string ExampleFor(const FieldSpec& spec);

}  // namespace runnel::config
