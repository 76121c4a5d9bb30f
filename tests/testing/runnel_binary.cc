#include "tests/testing/runnel_binary.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <utility>

namespace runnel::testing {

std::string RunnelBinaryPath(std::string_view name) {
  const char* dir = std::getenv("RUNNEL_BINARY_DIR");
  if (dir == nullptr) {
    return "";
  }
  std::string_view sub = name;
  if (sub.starts_with("runnel-")) {
    sub.remove_prefix(7);
  }
  return std::string(dir) + "/" + std::string(sub) + "/" + std::string(name);
}

bool RunnelBinariesFound() {
  for (std::string_view name : kRunnelBinaries) {
    const std::string path = RunnelBinaryPath(name);
    struct stat st;
    if (path.empty() || stat(path.c_str(), &st) != 0) {
      return false;
    }
  }
  return true;
}

std::string BinaryTestName(std::string_view binary) {
  std::string name(binary);
  std::erase(name, '-');
  return name;
}

CommandResult RunToExit(std::vector<std::string> argv, const std::string& cwd, const TempDir& tmp,
                        std::chrono::seconds timeout) {
  Process::Options o;
  o.argv = std::move(argv);
  o.stdout_path = tmp.Path("run.stdout");
  o.stderr_path = tmp.Path("run.stderr");
  o.cwd = cwd;
  std::error_code ec;  // the child appends: start from empty files
  std::filesystem::remove(o.stdout_path, ec);
  std::filesystem::remove(o.stderr_path, ec);
  CommandResult r;
  r.status.signal = SIGKILL;
  Result<Process> p = Process::Spawn(o);
  if (!p.has_value()) {
    ADD_FAILURE() << p.error().ToString();
    return r;
  }
  Result<ExitStatus> st = p->Wait(timeout);
  if (st.has_value()) {
    r.status = *st;
  } else {
    ADD_FAILURE() << o.argv[0] << " did not exit within " << timeout.count() << " s";
    p->Kill();
  }
  r.out = ReadFileOrEmpty(o.stdout_path);
  r.err = ReadFileOrEmpty(o.stderr_path);
  return r;
}

}  // namespace runnel::testing
