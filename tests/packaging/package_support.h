#pragma once
// Helpers for the packaging tests (tests/packaging/): where the .deb and the generated systemd
// units of this build are, whether a program is installed, and a file's type, owner and mode as
// one comparable string.

#include <string>
#include <string_view>

namespace runnel::testing {

// The .deb that ctest's deb_package fixture builds with cpack ($RUNNEL_DEB); "" when it is not
// set (the test was not run through ctest, or the build is a sanitizer build, which is not
// packaged).
std::string DebPath();

// $RUNNEL_BINARY_DIR/packaging/systemd/<unit>: a unit as CMake generated it from
// packaging/systemd/runnel.service.in, the same bytes the package installs.
std::string GeneratedUnitPath(std::string_view unit);

// The full path of `program` found in $PATH, or "" when it is not there.
std::string FindProgram(std::string_view program);

// "file root:root 0644", "dir runnel:runnel 0750", "link root:root 0777" (lstat: a symbolic link
// is not followed), or "missing" when `path` does not exist. Owners without a name are numbers.
std::string DescribePath(const std::string& path);

// Whether the user or group exists in the system's databases (getpwnam / getgrnam).
bool UserExists(const char* name);
bool GroupExists(const char* name);

}  // namespace runnel::testing
