#pragma once
// Diagnostic: one problem found in a config, positioned, with a hint. Printed as
//   conf/x.toml:7:1: inputs.app (tail): unknown key 'pahts'
//     hint: did you mean 'paths'?
// The component part is left out for problems outside any component (global keys, syntax);
// the hint line is left out when there is no hint; warnings say "warning: " after the position.

#include <string>
#include <vector>

#include "runnel/config_node.h"

namespace runnel::config {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;  // file only (line 0) when it concerns a whole file
  std::string component;    // "inputs.app (tail)", "inputs.app", or ""
  std::string message;
  std::string hint;

  // The one or two lines above, without a trailing newline.
  std::string ToString() const;
};

// Every diagnostic's ToString() followed by a newline; "" for none.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

// Collects diagnostics while a config is loaded.
class DiagnosticSink {
 public:
  void Error(SourceLocation location, std::string component, std::string message,
             std::string hint = "");
  void Warning(SourceLocation location, std::string component, std::string message,
               std::string hint = "");

  size_t error_count() const { return errors_.size(); }
  // Errors and warnings, each in the order reported.
  std::vector<Diagnostic>& errors() { return errors_; }
  std::vector<Diagnostic>& warnings() { return warnings_; }

 private:
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

}  // namespace runnel::config
