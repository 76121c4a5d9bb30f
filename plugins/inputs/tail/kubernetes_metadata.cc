#include "kubernetes_metadata.h"

namespace runnel::plugins::tail {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// A DNS label (RFC 1123, as Kubernetes checks names): 1..63 of [a-z0-9-], starting and ending
// with a letter or digit. With `dots`, a DNS subdomain: such labels joined by '.', up to 253.
bool IsDnsName(std::string_view s, bool dots) {
  if (s.empty() || s.size() > (dots ? 253u : 63u)) {
    return false;
  }
  size_t label = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && dots) {
      if (label == 0 || s[i - 1] == '-') {
        return false;
      }
      label = 0;
      continue;
    }
    if (!IsLowerAlnum(c) && c != '-') {
      return false;
    }
    if (c == '-' && label == 0) {
      return false;
    }
    if (++label > 63) {
      return false;
    }
  }
  return s.back() != '-' && s.back() != '.';
}

}  // namespace

std::optional<KubernetesMetadata> ParseKubernetesLogPath(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  constexpr std::string_view kSuffix = ".log";
  if (!name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  name.remove_suffix(kSuffix.size());
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || name.size() - dash - 1 != 64) {
    return std::nullopt;
  }
  std::string_view id = name.substr(dash + 1);
  for (char c : id) {
    if (!IsHex(c)) {
      return std::nullopt;
    }
  }
  std::string_view rest = name.substr(0, dash);
  size_t first = rest.find('_');
  size_t second = first == std::string_view::npos ? first : rest.find('_', first + 1);
  if (second == std::string_view::npos || rest.find('_', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view pod = rest.substr(0, first);
  std::string_view ns = rest.substr(first + 1, second - first - 1);
  std::string_view container = rest.substr(second + 1);
  if (!IsDnsName(pod, true) || !IsDnsName(ns, false) || !IsDnsName(container, false)) {
    return std::nullopt;
  }
  return KubernetesMetadata{std::string(ns), std::string(pod), std::string(container),
                            std::string(id)};
}

}  // namespace runnel::plugins::tail
