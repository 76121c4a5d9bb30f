#pragma once
// Plugins for runtime tests, registered in a test's own PluginRegistry:
//   input  "script":  emits the batches a test hands it; records each batch's acknowledgement.
//   filter "tag":     sets field `key` to `value` on every event; drops events whose "log" is
//                     "drop me".
//   output "capture": keeps every delivered event as a JSON line (with an optional `prefix`
//                     setting, prepended to each); can be told to ask for retries, to reject, or
//                     to hold writes until released; with `fail = true` every write asks for a
//                     retry.
//   output "remote":  completes later (like a forward output waiting for acks): keeps what it is
//                     handed, at most 2 batches in flight, until the test acknowledges them.
//   output "remote_zstd": a "remote" that takes zstd batches from a disk buffer (takes_zstd).
// Each instance reports to the shared TestPlugins object. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runnel/registry.h"

namespace runnel::testing {

class ScriptInput;

class TestPlugins {
 public:
  // Registers the plugins into `registry`; `this` must outlive the instances.
  void Register(PluginRegistry& registry);

  // script input: emit a batch of `lines` ({"log": line}) from input `name`; returns Emit's status.
  Status Emit(const std::string& input, const std::vector<std::string>& lines);
  // script input: emit `batch` as it is (its id and acknowledgement are set here).
  Status EmitBatch(const std::string& input, Batch batch);
  // Marks `input` as finished (Emitter::Finished).
  void Finish(const std::string& input);
  // Instances created, started and stopped of the component named `name` (an input or output;
  // filters count only their instances, one per routing tree), across reloads.
  int Created(const std::string& name);
  int Started(const std::string& name);
  int Stopped(const std::string& name);
  // Acks received by `input` so far (all its instances): emission order, one outcome per batch.
  std::vector<AckOutcome> Acks(const std::string& input);
  // Waits up to `timeout` until `input` has `n` acks.
  bool WaitForAcks(const std::string& input, size_t n, std::chrono::milliseconds timeout);

  // capture output: the JSON lines delivered to output `name` (id "outputs.<name>").
  std::vector<std::string> Delivered(const std::string& output);
  bool WaitForDelivered(const std::string& output, size_t n, std::chrono::milliseconds timeout);
  // The next `n` writes to `output` return Retry.
  void FailNext(const std::string& output, int n);
  // The next `n` writes to `output` return Rejected("told to reject").
  void RejectNext(const std::string& output, int n);
  // While held, writes to `output` wait (the output looks dead); Release lets them go on.
  void Hold(const std::string& output);
  void Release(const std::string& output);
  // How many Write calls `output` has seen.
  int WriteCalls(const std::string& output);
  bool WaitForWriteCalls(const std::string& output, int n, std::chrono::milliseconds timeout);

  // remote output: batches handed over and not acknowledged yet.
  size_t InFlight(const std::string& output);
  bool WaitForInFlight(const std::string& output, size_t n, std::chrono::milliseconds timeout);
  // The batches in flight, oldest first.
  std::vector<std::shared_ptr<const Batch>> InFlightBatches(const std::string& output);
  // Completes the oldest `n` batches in flight with `outcome`.
  void AckRemote(const std::string& output, size_t n, AckOutcome outcome);

 private:
  friend class ScriptInput;
  friend class CaptureOutput;
  friend class RemoteOutput;
  struct InputState {
    Emitter* emitter = nullptr;
    ScriptInput* script = nullptr;
    std::vector<AckOutcome> acks;
    uint64_t next_cookie = 0;
  };
  struct Lifecycle {
    int created = 0, started = 0, stopped = 0;
  };
  std::map<std::string, Lifecycle> lifecycle_;
  struct OutputState {
    std::vector<std::string> lines;
    int fail_next = 0;
    int reject_next = 0;
    bool held = false;
    int write_calls = 0;
    std::deque<std::pair<std::shared_ptr<const Batch>, AckHandle>> in_flight;  // remote
    bool cancelled = false;                                                    // remote
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, InputState> inputs_;
  std::map<std::string, OutputState> outputs_;
};

}  // namespace runnel::testing
