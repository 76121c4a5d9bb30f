#pragma once
// Shared pieces of the tail integration tests: where runnel-agent is, starting it, a JSON-lines
// output reader that follows the file as it grows, and the line format the writers use.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"

namespace runnel::testing {

// $RUNNEL_BINARY_DIR/agent/runnel-agent, or "" when RUNNEL_BINARY_DIR is not set.
inline std::string AgentBinary() { return RunnelBinaryPath("runnel-agent"); }

// Fails the test with a fatal failure when `agent` is empty or no file is there (run outside
// ctest, or the agent not built). Being a gtest assertion in a helper, it only returns from
// here: the caller checks HasFatalFailure().
inline void AssertAgentFound(const std::string& agent) {
  struct stat st;
  if (agent.empty() || stat(agent.c_str(), &st) != 0) {
    FAIL() << "runnel-agent not found at \"" << agent
           << "\" (run through ctest, which sets RUNNEL_BINARY_DIR)";
  }
}

// Starts `agent -c config`, its stdout discarded and its stderr written to `stderr_path`. When
// it cannot be spawned, the test fails (not fatally) and the Process is empty.
inline Process SpawnAgent(const std::string& agent, const std::string& config,
                          const std::string& stderr_path) {
  Result<Process> p = Process::Spawn({{agent, "-c", config}, "", stderr_path, ""});
  EXPECT_TRUE(p.has_value()) << p.error().ToString();
  return p ? std::move(*p) : Process();
}

// "w<writer> <seq, 7 digits> <payload>\n"
inline std::string WriterLine(int writer, int seq) {
  char buf[128];
  snprintf(buf, sizeof(buf), "w%d %07d the quick brown fox jumps over the lazy dog %d\n", writer,
           seq, seq % 97);
  return buf;
}

// Parses "w<writer> <seq> ..." back; false when the line is not one of ours.
inline bool ParseWriterLine(std::string_view line, int* writer, int* seq) {
  return sscanf(std::string(line.substr(0, 32)).c_str(), "w%d %d", writer, seq) == 2;
}

// The string value of "key" in one JSON object line (our output's simple shape), unescaped.
inline bool JsonField(std::string_view json, std::string_view key, std::string* value) {
  std::string pattern(1, '"');
  pattern.append(key);
  pattern.append("\":\"");
  size_t pos = json.find(pattern);
  if (pos == std::string_view::npos) {
    return false;
  }
  value->clear();
  for (size_t i = pos + pattern.size(); i < json.size(); ++i) {
    char c = json[i];
    if (c == '"') {
      return true;
    }
    if (c == '\\' && i + 1 < json.size()) {
      char e = json[++i];
      value->push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);  // \" \\ \/ as themselves
    } else {
      value->push_back(c);
    }
  }
  return false;
}

struct OutputRecord {
  std::string log;
  std::string path;
};

// Reads a JSON-lines file as it grows. Poll() only counts and keeps the complete lines added
// since the last call (cheap, so a poll loop keeps up with the agent); records() parses them.
// Follow() hands the new lines to a callback instead of keeping them, for outputs too large to
// hold. The file must only grow: a file cut back (a torn tail removed) must be read afresh.
class OutputFollower {
 public:
  explicit OutputFollower(std::string path) : path_(std::move(path)) {}
  size_t Poll() {
    Follow([this](std::string_view line) { lines_.emplace_back(line); });
    return lines_.size();
  }
  // Calls `on_line` with each complete line (without its newline) added since the last call;
  // returns how many.
  size_t Follow(const std::function<void(std::string_view)>& on_line) {
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return 0;
    }
    char buf[1 << 16];
    while (true) {
      ssize_t n = pread(fd, buf, sizeof(buf), static_cast<off_t>(offset_));
      if (n <= 0) {
        break;
      }
      offset_ += static_cast<size_t>(n);
      pending_.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    size_t start = 0;
    size_t count = 0;
    while (true) {
      size_t nl = pending_.find('\n', start);
      if (nl == std::string::npos) {
        break;
      }
      on_line(std::string_view(pending_).substr(start, nl - start));
      ++count;
      start = nl + 1;
    }
    pending_.erase(0, start);
    return count;
  }
  size_t size() const { return lines_.size(); }
  const std::vector<std::string>& lines() const { return lines_; }
  std::vector<OutputRecord> records() const {
    std::vector<OutputRecord> out;
    out.reserve(lines_.size());
    for (const std::string& line : lines_) {
      OutputRecord r;
      JsonField(line, "log", &r.log);
      JsonField(line, "path", &r.path);
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  std::string path_;
  size_t offset_ = 0;
  std::string pending_;
  std::vector<std::string> lines_;
};

}  // namespace runnel::testing
