#pragma once
// Environment variables in config strings.
//   ${NAME}            the value of NAME; an error when NAME is unset
//   ${NAME:-default}   the value of NAME, or `default` when NAME is unset or empty
//   $$                 a literal '$'
// Any other '$' is kept as it is. NAME is [A-Za-z_][A-Za-z0-9_]*; the default runs to the first
// '}' and is not itself expanded. Expansion applies to TOML string values only (also inside
// arrays and inline tables), never to keys, numbers or booleans.

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace runnel::config {

// Where variables come from. Copyable; thread-safe when its lookup is.
class Environment {
 public:
  using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

  explicit Environment(Lookup lookup) : lookup_(std::move(lookup)) {}

  // Reads the process environment (getenv) at lookup time.
  static Environment Process();
  // A fixed set of variables, for tests.
  static Environment FromMap(std::map<std::string, std::string> vars);

  // nullopt when `name` is unset.
  std::optional<std::string> Get(const std::string& name) const { return lookup_(name); }

 private:
  Lookup lookup_;
};

// Why an expansion failed.
struct ExpandError {
  std::string message;  // e.g. "environment variable 'LOG_DIR' is not set"
  std::string hint;     // e.g. "set it, or give a default: ${LOG_DIR:-value}"
};

// The expanded text, or the first problem found in `text`.
std::expected<std::string, ExpandError> ExpandVariables(std::string_view text,
                                                        const Environment& env);

}  // namespace runnel::config
