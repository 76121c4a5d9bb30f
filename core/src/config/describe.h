#pragma once
// Human-readable plugin documentation, generated from the registry and the plugins' schemas:
// what `runnel-agent --describe NAME` and `runnel-agent --list-plugins` print.
// Pure functions; thread-safe when the registry is not being changed.

#include <string>

#include "runnel/registry.h"

namespace runnel::config {

// A plugin's name, kind, stability and description, then one aligned row per key:
//   tail (input plugin, stable)
//   Reads lines from files.
//
//   KEY        TYPE              DEFAULT     DESCRIPTION
//   type       string            (required)  Must be "tail".
//   paths      array of strings  (required)  Files to read; globs allowed.
//   read_from  enum              "head"      Where to start. One of "head", "tail".
// Enum choices and ranges are appended to the description. Filters and outputs list `inputs`.
// Ends with a newline.
std::string DescribePlugin(const PluginInfo& info);

// Every registered plugin, grouped by kind, one aligned line each: name, stability, description.
// Ends with a newline.
std::string ListPlugins(const PluginRegistry& registry);

// The top-level keys of a config file, in the same table form as DescribePlugin.
std::string DescribeGlobals();

}  // namespace runnel::config
