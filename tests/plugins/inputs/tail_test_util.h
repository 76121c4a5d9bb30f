#pragma once
// Shared fixture of the tail input's runtime tests: a temp dir whose "logs" folder the input
// watches with short intervals, and the input's start and stop as the runtime does them.

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/tail_input.h"
#include "runnel/files/checkpoint_store.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::plugins::tail {

// A TailInput named `name` (tag `name`, id "inputs.<name>") over `<temp>/logs/*.log`, with a
// 5 ms poll, 20 ms refresh and checkpoint intervals, 100 ms rotate_wait and partial-line
// timeout, and 32 fingerprint bytes. Tests change config_ (and ctx_) before StartInput().
// Not thread-safe: used from the test's thread only.
class TailFixture : public ::testing::Test {
 protected:
  explicit TailFixture(std::string name) : name_(std::move(name)) {}

  void SetUp() override {
    logs_ = dir_.Path("logs");
    ASSERT_EQ(mkdir(logs_.c_str(), 0755), 0);
    config_.paths = {logs_ + "/*.log"};
    config_.poll_interval = std::chrono::milliseconds(5);
    config_.refresh_interval = std::chrono::milliseconds(20);
    config_.rotate_wait = std::chrono::milliseconds(100);
    config_.partial_line_timeout = std::chrono::milliseconds(100);
    config_.checkpoint_interval = std::chrono::milliseconds(20);
    config_.fingerprint_bytes = 32;
    ctx_.id = "inputs." + name_;
    ctx_.data_dir = dir_.Path("data");
  }
  void TearDown() override {
    // Held acknowledgements complete before the input goes, also when a test failed midway.
    if (input_ != nullptr) {
      input_->Stop();
    }
    emitter_.AckAllHeld(AckOutcome::kCancelled);
    StopInput();
  }

  // Builds the input from config_ and ctx_ and starts it on emitter_; a failure fails the test.
  void StartInput() {
    input_ = std::make_unique<TailInput>(config_, name_, ctx_);
    Status s = input_->Start(emitter_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // Stop + OnDrained, as the runtime does at shutdown; nothing when no input runs.
  void StopInput() {
    if (input_ != nullptr) {
      input_->Stop();
      input_->OnDrained();
      input_.reset();
    }
  }
  // The path of `name` in the watched folder.
  std::string Log(const std::string& name) const { return logs_ + "/" + name; }
  // Writes `text` to Log(name), starts the input and waits until `events` events are captured
  // and the checkpoint is at the end of `text`. When one of these fails, the test fails fatally,
  // returning from here only: call it within ASSERT_NO_FATAL_FAILURE.
  void StartOnFile(const std::string& name, const std::string& text, size_t events) {
    ASSERT_TRUE(runnel::testing::WriteFile(Log(name), text));
    StartInput();
    ASSERT_TRUE(emitter_.WaitForEvents(events));
    ASSERT_TRUE(WaitForOffset(text.size()));
  }

  // The offset of the checkpoint's only entry, as a restart would load it; ~0 when it cannot be
  // loaded or does not hold exactly one entry.
  uint64_t OnlyOffset() {
    Result<std::vector<files::CheckpointEntry>> c =
        files::LoadCheckpoint(ctx_.StateDir() + "/checkpoint");
    return c && c->size() == 1 ? (*c)[0].offset : ~uint64_t{0};
  }
  // Polls until OnlyOffset() is `offset`; false at the deadline.
  bool WaitForOffset(uint64_t offset) {
    return runnel::testing::PollUntil([&] { return OnlyOffset() == offset; });
  }

  const std::string name_;
  runnel::testing::TempDir dir_;
  std::string logs_;
  TailConfig config_;
  MetricsRegistry registry_;  // for ctx_.metrics or ctx_.component_metrics, when a test sets them
  PluginContext ctx_;
  runnel::testing::CaptureEmitter emitter_;
  std::unique_ptr<TailInput> input_;
};

}  // namespace runnel::plugins::tail
