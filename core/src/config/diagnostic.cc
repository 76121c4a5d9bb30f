#include "config/diagnostic.h"

namespace runnel::config {

std::string Diagnostic::ToString() const {
  std::string out = location.ToString();
  out += ": ";
  if (severity == Severity::kWarning) {
    out += "warning: ";
  }
  if (!component.empty()) {
    out += component;
    out += ": ";
  }
  out += message;
  if (!hint.empty()) {
    out += "\n  hint: ";
    out += hint;
  }
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += d.ToString();
    out += '\n';
  }
  return out;
}

void DiagnosticSink::Error(SourceLocation location, std::string component, std::string message,
                           std::string hint) {
  errors_.push_back(Diagnostic{Severity::kError, std::move(location), std::move(component),
                               std::move(message), std::move(hint)});
}

void DiagnosticSink::Warning(SourceLocation location, std::string component, std::string message,
                             std::string hint) {
  warnings_.push_back(Diagnostic{Severity::kWarning, std::move(location), std::move(component),
                                 std::move(message), std::move(hint)});
}

}  // namespace runnel::config
