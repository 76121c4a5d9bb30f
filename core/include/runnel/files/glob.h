#pragma once
// PathMatcher: which files a set of include globs and exclude globs selects.
//
// Include patterns are expanded with glob(3) (`*`, `?`, `[...]`, `{a,b}`; no `**`). An exclude
// pattern containing '/' is matched against the whole path, one without '/' against the file
// name (fnmatch(3), FNM_PATHNAME). Immutable after construction: thread-safe.

#include <string>
#include <vector>

namespace runnel::files {

class PathMatcher {
 public:
  PathMatcher(std::vector<std::string> include, std::vector<std::string> exclude);

  // Expands the include patterns now. Returns the matching paths that no exclude pattern
  // matches, sorted and without duplicates (files, directories and others alike: the caller
  // stats them). Patterns that cannot be read (EACCES ...) are described in `errors`, if given.
  std::vector<std::string> Expand(std::vector<std::string>* errors = nullptr) const;

  // True when an exclude pattern matches `path`.
  bool Excluded(const std::string& path) const;

  const std::vector<std::string>& include() const { return include_; }
  const std::vector<std::string>& exclude() const { return exclude_; }

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

}  // namespace runnel::files
