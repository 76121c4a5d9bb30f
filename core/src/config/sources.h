#pragma once
// The files a config is made of, read and parsed:
//   1. the main file;
//   2. the files its `include = [...]` names, each path relative to the including file's
//      directory, globs allowed (matches sorted by name), recursively, depth first;
//   3. conf.d/*.toml next to the main file, sorted by name, each followed by what it includes.
// Each file is read once, however often it is named. A literal include path that does not exist
// is an error; a glob that matches nothing is not. Private to core/src/config.

#include <toml++/toml.h>

#include <memory>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/env.h"

namespace runnel::config {

struct SourceFile {
  std::string path;   // as positions name it: the main path as given, others joined to it
  toml::table table;  // `include` already expanded and checked
};

// Reads every file. Problems (I/O, syntax, a bad `include`) go to `sink`; a file that cannot be
// read or parsed is left out of the result, but counted in `*failed` when given.
std::vector<std::unique_ptr<SourceFile>> ReadSources(const std::string& main_path,
                                                     const Environment& env, DiagnosticSink& sink,
                                                     int* failed = nullptr);

}  // namespace runnel::config
