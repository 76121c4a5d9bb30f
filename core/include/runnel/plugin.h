#pragma once
// The plugin API: what an input, a filter and an output implement, and what core gives them.
//
// Lifecycle, driven by the runtime:
//   factory(config, context) -> instance   (config already validated against the schema)
//   outputs: Start() ... Write()* ... Stop()
//   inputs:  Start(emitter) ... Stop() ... OnDrained()
// Filters are synchronous and never block on I/O.
// A reload (SIGHUP) may replace an instance by one with new settings and the same id, hence the
// same state directory: the new output's Start comes after the old one's Stop returned, and the
// new input's Start after the old one's OnDrained returned (by then every batch it emitted has
// been acknowledged, or will not be).

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "runnel/batch.h"
#include "runnel/config_node.h"
#include "runnel/metrics.h"
#include "runnel/record.h"
#include "runnel/status.h"

namespace runnel {

// Where an output puts events its store refused for good while the rest of their batch went
// through (per-event results, such as Elasticsearch's _bulk items). The same dead-letter
// directory, metrics (dead_letters_total, dead_letters_failed_total) and log as the whole
// batches core rejects; `runnel-agent dead-letter reinject` sends them again. The output then
// completes the batch's acknowledgement as delivered: every event of it is either in the store
// or here.
class DeadLetters {
 public:
  virtual ~DeadLetters() = default;
  // Stores the entries of `batch` at `positions` (0-based, ascending, each < batch.count) as one
  // dead letter with `reason`, durably. An error (no directory configured, full, a write
  // error) is counted in dead_letters_failed_total, logged and returned: those events are lost.
  // Thread-safe.
  virtual Status Put(const Batch& batch, std::span<const uint32_t> positions,
                     std::string_view reason) = 0;
};

// What every plugin instance is given at creation.
struct PluginContext {
  std::string id;        // "inputs.app"
  std::string data_dir;  // the process's data directory; a plugin keeps its state under
                         // data_dir/<id>/ (see StateDir)
  std::string hostname;
  MetricsRegistry* metrics = nullptr;
  ComponentMetrics component_metrics;
  // Outputs created by a pipeline: their dead letters (outlives the output). Null elsewhere.
  DeadLetters* dead_letters = nullptr;

  // data_dir/<id>, e.g. /var/lib/runnel/inputs.app. Not created.
  std::string StateDir() const;
};

// How an input hands batches to the pipeline. Thread-safe: an input may emit from several threads.
class Emitter {
 public:
  virtual ~Emitter() = default;
  // Runs the filter chain on the calling thread and queues the result for every output it is
  // routed to. Blocks while a downstream queue is full (backpressure). Returns Cancelled when the
  // pipeline is stopping; the batch's acknowledgement then completes as kCancelled.
  virtual Status Emit(Batch batch) = 0;
  // The input will emit nothing more (e.g. tail with exit_on_eof reached the end of its files).
  // When every input is finished and everything is acknowledged, the process exits.
  virtual void Finished() = 0;
  // True once the pipeline is stopping; a producing loop checks it between batches.
  virtual bool stopping() const = 0;
};

class Input {
 public:
  virtual ~Input() = default;
  // Starts the input's own thread(s) and returns. An error here fails the start-up.
  virtual Status Start(Emitter& emitter) = 0;
  // Stops producing: returns when no thread of the input will call the emitter again.
  // Acknowledgements may still arrive afterwards.
  virtual void Stop() = 0;
  // Called after Stop() once the outputs have drained (or the drain deadline passed):
  // persist what was acknowledged (checkpoints). No acknowledgement arrives after this.
  virtual void OnDrained() {}
};

class Filter {
 public:
  virtual ~Filter() = default;
  // Edits, adds or removes events in place. Never blocks. Per-record problems are counted and
  // rate-limit logged by the filter itself; they never fail the batch.
  virtual void Process(EventBatch& events) = 0;
};

struct WriteResult {
  enum class Kind { kDelivered, kRetry, kRejected };
  Kind kind = Kind::kDelivered;
  std::chrono::milliseconds retry_after{0};  // kRetry: 0 lets core choose the backoff
  std::string reason;                        // kRetry, kRejected: for logs and dead letters

  static WriteResult Delivered() { return {}; }
  static WriteResult Retry(std::string reason, std::chrono::milliseconds after = {}) {
    return {Kind::kRetry, after, std::move(reason)};
  }
  static WriteResult Rejected(std::string reason) {
    return {Kind::kRejected, std::chrono::milliseconds{0}, std::move(reason)};
  }
};

class Output {
 public:
  virtual ~Output() = default;
  // Opens what the output needs (files, connections). An error fails the start-up.
  virtual Status Start() { return OkStatus(); }
  // Writes one batch. Delivered means the output has taken responsibility for it under its
  // durability policy; core then completes the batch's acknowledgement. Core owns retries,
  // backoff and (later) buffering and dead letters. Called from one worker thread.
  virtual WriteResult Write(const Batch& batch) = 0;
  // Closes files and connections. Called from the worker thread after the last Write.
  virtual void Stop() {}

  // True when the output takes batches whose data is zstd-compressed (Batch::zstd), e.g. to
  // send them as they are. A disk buffer then hands over its entries without decompressing.
  virtual bool takes_zstd() const { return false; }

  // ---- Outputs that complete later (a remote end acknowledges) ----
  // Such an output returns true here and implements Submit, Flush and Cancel; Write is then never
  // called. It keeps many batches in flight, owns its retries (e.g. re-sending to another
  // replica), completes each batch's acknowledgement itself and counts events_out / bytes_out
  // in PluginContext::component_metrics when it does.
  virtual bool completes_later() const { return false; }
  // Takes a batch and its acknowledgement part. Complete `ack` with kDelivered once the remote
  // end has acknowledged the batch, or kRejected; a handle destroyed uncompleted (at Stop) is
  // kCancelled. Blocks while the output's own bound on what is in flight is reached. Cancelled
  // after Cancel(): the handle is then left to cancel. Called from the worker thread.
  virtual Status Submit(std::shared_ptr<const Batch> batch, AckHandle ack);
  // Waits until every submitted batch is acknowledged, `deadline` passes or Cancel() is called;
  // returns how many are still in flight. Called from the worker thread before Stop().
  virtual uint64_t Flush(std::chrono::steady_clock::time_point deadline);
  // Makes a blocked Submit or Flush return at once, and every later one. Any thread.
  virtual void Cancel() {}
};

}  // namespace runnel
