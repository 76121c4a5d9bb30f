#include "tests/testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

extern char** environ;

namespace runnel::testing {

std::string ExitStatus::ToString() const {
  return exited ? "exit " + std::to_string(code) : "signal " + std::to_string(signal);
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      reaped_(std::exchange(other.reaped_, true)),
      status_(other.status_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    reaped_ = std::exchange(other.reaped_, true);
    status_ = other.status_;
  }
  return *this;
}

Process::~Process() { Kill(); }

Result<Process> Process::Spawn(const Options& options) {
  if (options.argv.empty()) {
    return Err(InvalidArgument("no program given"));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string& out = options.stdout_path.empty() ? "/dev/null" : options.stdout_path;
  const std::string& err = options.stderr_path.empty() ? "/dev/null" : options.stderr_path;
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  // The child starts with no signal blocked, whatever the test's threads block.
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv;
  for (const std::string& a : options.argv) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Err(ErrnoStatus("spawn " + options.argv[0], rc));
  }
  Process p;
  p.pid_ = pid;
  p.reaped_ = false;
  return p;
}

bool Process::running() {
  if (reaped_) {
    return false;
  }
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_.exited = WIFEXITED(st);
    status_.code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
    status_.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    return false;
  }
  return r == 0;
}

Status Process::Signal(int sig) {
  if (!running()) {
    return FailedPrecondition("the process is not running");
  }
  if (kill(pid_, sig) != 0) {
    return ErrnoStatus("kill", errno);
  }
  return OkStatus();
}

Result<ExitStatus> Process::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Err(DeadlineExceeded("the process did not exit in time"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (pid_ < 0) {
    return Err(FailedPrecondition("no process"));
  }
  return status_;
}

void Process::Kill() {
  if (pid_ > 0 && running()) {
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
    reaped_ = true;
    status_.exited = false;
    status_.signal = SIGKILL;
  }
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace runnel::testing
