#pragma once
// The Kubernetes metadata in the name of a container's log file: the kubelet links each
// container's log as /var/log/containers/<pod>_<namespace>_<container>-<container id>.log.
// Pod names are DNS subdomains (lower-case letters, digits, '-' and '.'), namespace and container
// names DNS labels (no '.'), none has '_'; the container id is 64 hex digits, after the last '-'.
// Labels and annotations are not in the name: they would come from the Kubernetes API.
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace runnel::plugins::tail {

struct KubernetesMetadata {
  std::string namespace_name;
  std::string pod;
  std::string container;
  std::string container_id;
  friend bool operator==(const KubernetesMetadata&, const KubernetesMetadata&) = default;
};

// The metadata in `path`'s file name (any directory), or nullopt when the name does not have
// the kubelet's shape.
std::optional<KubernetesMetadata> ParseKubernetesLogPath(std::string_view path);

}  // namespace runnel::plugins::tail
