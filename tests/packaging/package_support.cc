#include "tests/packaging/package_support.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace runnel::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string UserName(uid_t uid) {
  const passwd* pw = getpwuid(uid);
  return pw != nullptr ? pw->pw_name : std::to_string(uid);
}

std::string GroupName(gid_t gid) {
  const group* gr = getgrgid(gid);
  return gr != nullptr ? gr->gr_name : std::to_string(gid);
}

}  // namespace

std::string DebPath() { return Env("RUNNEL_DEB"); }

std::string GeneratedUnitPath(std::string_view unit) {
  return Env("RUNNEL_BINARY_DIR") + "/packaging/systemd/" + std::string(unit);
}

std::string FindProgram(std::string_view program) {
  const std::string path = Env("PATH");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    const std::string candidate = path.substr(start, end - start) + "/" + std::string(program);
    if (end > start && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return "";
}

std::string DescribePath(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    return "missing";
  }
  const char* type = S_ISREG(st.st_mode)   ? "file"
                     : S_ISDIR(st.st_mode) ? "dir"
                     : S_ISLNK(st.st_mode) ? "link"
                                           : "other";
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return std::string(type) + " " + UserName(st.st_uid) + ":" + GroupName(st.st_gid) + " " + mode;
}

bool UserExists(const char* name) { return getpwnam(name) != nullptr; }
bool GroupExists(const char* name) { return getgrnam(name) != nullptr; }

}  // namespace runnel::testing
