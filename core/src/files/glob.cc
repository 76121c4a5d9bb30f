#include "runnel/files/glob.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <utility>

namespace runnel::files {

PathMatcher::PathMatcher(std::vector<std::string> include, std::vector<std::string> exclude)
    : include_(std::move(include)), exclude_(std::move(exclude)) {}

namespace {

int OnGlobError(const char* /*path*/, int /*err*/) { return 0; }  // keep going; reported below

}  // namespace

std::vector<std::string> PathMatcher::Expand(std::vector<std::string>* errors) const {
  std::vector<std::string> paths;
  for (const std::string& pattern : include_) {
    glob_t g{};
    int rc = glob(pattern.c_str(), GLOB_NOSORT | GLOB_BRACE | GLOB_TILDE, OnGlobError, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = g.gl_pathv[i];
        if (!Excluded(path)) {
          paths.push_back(std::move(path));
        }
      }
    } else if (rc != GLOB_NOMATCH && errors != nullptr) {
      errors->push_back("glob '" + pattern +
                        "': " + (rc == GLOB_NOSPACE ? "out of memory" : "read error"));
    }
    globfree(&g);
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

bool PathMatcher::Excluded(const std::string& path) const {
  for (const std::string& pattern : exclude_) {
    if (pattern.find('/') != std::string::npos) {
      if (fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) {
        return true;
      }
    } else {
      size_t slash = path.rfind('/');
      const char* name = path.c_str() + (slash == std::string::npos ? 0 : slash + 1);
      if (fnmatch(pattern.c_str(), name, 0) == 0) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace runnel::files
