#pragma once
// Process: a child process for integration tests, started with posix_spawn. Its stdout and
// stderr go to files (so a failing test can show them); it can be signalled and waited for
// with a deadline. The destructor kills (SIGKILL) and reaps a child still running.
// Not thread-safe.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "runnel/status.h"

namespace runnel::testing {

struct ExitStatus {
  bool exited = false;  // exited normally: `code` is valid; otherwise killed by `signal`
  int code = 0;
  int signal = 0;
  std::string ToString() const;  // "exit 0", "signal 9"
};

class Process {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0] is the program's path
    std::string stdout_path;        // empty: /dev/null
    std::string stderr_path;        // empty: /dev/null
    std::string cwd;                // empty: this process's working directory
  };

  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  // Starts the child with the environment of this process. Errors: the program cannot be run.
  static Result<Process> Spawn(const Options& options);

  pid_t pid() const { return pid_; }
  bool running();  // reaps the child when it has exited
  Status Signal(int sig);
  // Waits until the child exits; DeadlineExceeded when `timeout` passes first.
  Result<ExitStatus> Wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void Kill();

 private:
  pid_t pid_ = -1;
  bool reaped_ = true;
  ExitStatus status_;
};

// The contents of a file, or "" when it cannot be read (for test failure messages).
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace runnel::testing
