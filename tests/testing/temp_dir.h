#pragma once
// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything in it when the
// object goes away. For hermetic tests.

#include <string>

namespace runnel::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace runnel::testing
