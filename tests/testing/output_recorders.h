#pragma once
// Recorders for tests of outputs that complete later: the outcome of every acknowledgement (an
// AckReceiver), and the dead letters an output writes (a DeadLetters sink).
//
// Contract:
// - AckRecorder keeps every OnAck in the order it came. AckHandle tells its receiver exactly once
//   per handle, so with one cookie per handle (as every test gives) outcomes(), by_cookie() and
//   Count() agree: outcomes().size() == by_cookie().size(). WaitFor(n) waits until n
//   acknowledgements have come, for the timeout given or the recorder's default (20 s unless
//   constructed with another), and says whether they did.
// - DeadLetterRecorder keeps one DeadLetter per Put, in order: the batch's tag, the positions as
//   given and the reason. by_event() is the same letters by event, keyed
//   "<batch id in hex>-<position>" (the document ids of the elasticsearch output), a later Put
//   of an event replacing an earlier reason. Put always succeeds.
// - Both are thread-safe (an output completes and dead-letters from its own threads) and must
//   outlive the outputs and handles that report to them. Accessors return copies.

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
  explicit AckRecorder(std::chrono::milliseconds default_timeout = std::chrono::seconds(20))
      : default_timeout_(default_timeout) {}

  void OnAck(uint64_t cookie, AckOutcome outcome) override {
    std::lock_guard<std::mutex> lock(mu_);
    outcomes_.emplace_back(cookie, outcome);
    cv_.notify_all();
  }
  bool WaitFor(size_t n) { return WaitFor(n, default_timeout_); }
  bool WaitFor(size_t n, std::chrono::milliseconds timeout) {
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
  // How many acknowledgements came with `outcome`.
  size_t Count(AckOutcome outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& [cookie, o] : outcomes_) {
      n += o == outcome;
    }
    return n;
  }

 private:
  const std::chrono::milliseconds default_timeout_;
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
    batch_ids_.push_back(batch.id.ToHex());
    return OkStatus();
  }
  std::vector<DeadLetter> letters() {
    std::lock_guard<std::mutex> lock(mu_);
    return letters_;
  }
  // Reason by "<batch id in hex>-<position>".
  std::map<std::string, std::string> by_event() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < letters_.size(); ++i) {
      for (uint32_t p : letters_[i].positions) {
        out[batch_ids_[i] + "-" + std::to_string(p)] = letters_[i].reason;
      }
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<DeadLetter> letters_;
  std::vector<std::string> batch_ids_;  // of letters_[i]
};

}  // namespace runnel::testing
