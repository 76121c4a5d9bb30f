#include "config/env.h"

#include <cctype>
#include <cstdlib>

namespace runnel::config {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

Environment Environment::Process() {
  return Environment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  });
}

Environment Environment::FromMap(std::map<std::string, std::string> vars) {
  return Environment(
      [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) {
          return std::nullopt;
        }
        return it->second;
      });
}

std::expected<std::string, ExpandError> ExpandVariables(std::string_view text,
                                                        const Environment& env) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 == text.size()) {
      out += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] != '{') {
      out += c;
      ++i;
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return std::unexpected(
          ExpandError{"unterminated '${' in \"" + std::string(text) + "\"",
                      "write ${NAME} or ${NAME:-default}; write $$ for a literal '$'"});
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    size_t n = 0;
    if (!inner.empty() && IsNameStart(inner[0])) {
      n = 1;
      while (n < inner.size() && IsNameChar(inner[n])) {
        ++n;
      }
    }
    const std::string name(inner.substr(0, n));
    const std::string_view rest = inner.substr(n);
    const bool has_default = rest.starts_with(":-");
    if (name.empty() || (!rest.empty() && !has_default)) {
      return std::unexpected(
          ExpandError{"invalid variable reference '${" + std::string(inner) + "}'",
                      "write ${NAME} or ${NAME:-default} where NAME is letters, digits and '_'; "
                      "write $$ for a literal '$'"});
    }
    std::optional<std::string> value = env.Get(name);
    if (has_default && (!value.has_value() || value->empty())) {
      value = std::string(rest.substr(2));
    }
    if (!value.has_value()) {
      return std::unexpected(ExpandError{"environment variable '" + name + "' is not set",
                                         "set it, or give a default: ${" + name + ":-value}"});
    }
    out += *value;
    i = close + 1;
  }
  return out;
}

}  // namespace runnel::config
