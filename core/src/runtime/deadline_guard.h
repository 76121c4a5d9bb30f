#pragma once
// DeadlineGuard: runs `on_deadline` once on a thread of its own if `deadline` passes before the
// guard is destroyed, so that work bounded by a deadline (a drain, a reload) can release what
// still waits on something that will not come. The destructor returns once that thread has
// finished (after `on_deadline`, if it ran). Not copyable; use from one thread.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace runnel::runtime {

class DeadlineGuard {
 public:
  DeadlineGuard(std::chrono::steady_clock::time_point deadline, std::function<void()> on_deadline)
      : thread_([this, deadline, fn = std::move(on_deadline)] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_until(lock, deadline, [&] { return done_; })) {
            lock.unlock();
            fn();
          }
        }) {}
  ~DeadlineGuard() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  DeadlineGuard(const DeadlineGuard&) = delete;
  DeadlineGuard& operator=(const DeadlineGuard&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace runnel::runtime
