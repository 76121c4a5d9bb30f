#pragma once
// Recorders for tests of outputs that complete later: the outcome of every acknowledgement (an
// AckReceiver), and the dead letters an output writes (a DeadLetters sink). Thread-safe: the
// output completes and dead-letters from its own threads.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/ack.h"
#include "runnel/batch.h"
#include "runnel/plugin.h"

namespace runnel::testing {

class AckRecorder : public AckReceiver {
 public:
  void OnAck(uint64_t cookie, AckOutcome outcome) override {
    std::lock_guard<std::mutex> lock(mu_);
    outcomes_.emplace_back(cookie, outcome);
    cv_.notify_all();
  }
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return outcomes_.size() >= n; });
  }
  // In the order they completed.
  std::vector<std::pair<uint64_t, AckOutcome>> outcomes() {
    std::lock_guard<std::mutex> lock(mu_);
    return outcomes_;
  }
  std::map<uint64_t, AckOutcome> by_cookie() {
    std::lock_guard<std::mutex> lock(mu_);
    return {outcomes_.begin(), outcomes_.end()};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<uint64_t, AckOutcome>> outcomes_;
};

struct DeadLetter {
  std::string tag;
  std::vector<uint32_t> positions;
  std::string reason;
  friend bool operator==(const DeadLetter&, const DeadLetter&) = default;
  friend void PrintTo(const DeadLetter& l, std::ostream* os) {
    *os << l.tag << " [";
    for (uint32_t p : l.positions) {
      *os << p << " ";
    }
    *os << "] " << l.reason;
  }
};

class DeadLetterRecorder : public DeadLetters {
 public:
  Status Put(const Batch& batch, std::span<const uint32_t> positions,
             std::string_view reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    letters_.push_back({batch.tag, {positions.begin(), positions.end()}, std::string(reason)});
    return OkStatus();
  }
  std::vector<DeadLetter> letters() {
    std::lock_guard<std::mutex> lock(mu_);
    return letters_;
  }

 private:
  std::mutex mu_;
  std::vector<DeadLetter> letters_;
};

}  // namespace runnel::testing
