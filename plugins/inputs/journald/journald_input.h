#pragma once
// The journald input: reads the systemd journal (libsystemd's sd_journal: the local machine's
// journal, a directory or files), optionally filtered by matches and units, and emits one event
// per entry: its time is __REALTIME_TIMESTAMP, its record the entry's fields.
//
// Record: every field of the entry, named as in the journal (MESSAGE, PRIORITY, _PID, ...;
// `lowercase` and `strip_underscores` rename them). A value that is valid UTF-8 is a string,
// any other a binary; a field repeated in one entry is an array of its values in journal order.
// Values over max_field_bytes are cut (counted in journald_fields_truncated_total).
//
// Position: the cursor of the last entry of each batch. When a batch is acknowledged and every
// batch before it is too, its cursor is appended to the cursor journal (CursorStore) before
// OnAck returns, so a restart resumes right after the last acknowledged entry: nothing
// acknowledged is read again and nothing unacknowledged is skipped. A batch completed as
// kCancelled holds the position where it is.
//
// Threads: Start() runs one reader thread that reads and emits (Emit blocking is the
// backpressure; the journal simply waits). Acknowledgements arrive on any thread (OnAck).
// Public calls are thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cursor_store.h"
#include "journal_reader.h"
#include "journald_config.h"
#include "runnel/batch.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"

namespace runnel::plugins::journald {

class JournaldInput final : public Input, private AckReceiver {
 public:
  // `tag`: the batches' tag (the component's name). ctx gives the id (logs, metrics), the state
  // directory (the cursor) and the metrics registry (may be null).
  JournaldInput(JournaldConfig config, std::string tag, const PluginContext& ctx);
  ~JournaldInput() override;

  // Loads the saved cursor, opens the journal, positions the reader and starts its thread.
  // Errors: the state directory or cursor files cannot be made or read; the journal cannot be
  // opened ("inputs.j: cannot open the journal directory /x: No such file or directory"); a
  // match is refused by libsystemd.
  Status Start(Emitter& emitter) override;
  // Stops the reader thread; returns when it no longer emits. Idempotent.
  void Stop() override;
  // Writes the cursor snapshot.
  void OnDrained() override;

  // The cursor acknowledged last (as saved), "" before any. For tests.
  std::string committed_cursor() const;

 private:
  struct Pending {
    uint64_t seq = 0;
    std::string cursor;  // of the batch's last entry
    bool done = false;
  };
  struct Metrics {
    Counter* entries = nullptr;
    Counter* truncated = nullptr;
    Counter* read_errors = nullptr;
    Counter* cursor_errors = nullptr;
    Counter* events_in = nullptr;
    Counter* bytes_in = nullptr;
    Counter* errors = nullptr;
  };

  void Run(Emitter& emitter);
  // Appends the reader's current entry to *batch; returns false (counted, logged) for an entry
  // that cannot be read.
  bool AppendEntry(Batch* batch);
  // Copies the current entry's fields (renamed per the config) into field_bytes_ / fields_.
  Status CollectFields();
  void CountReadError();
  // Hands the batch to the pipeline with an acknowledgement for `last_cursor`.
  void Flush(Emitter& emitter, Batch* batch, std::string* last_cursor);
  void OnAck(uint64_t cookie, AckOutcome outcome) override;
  // Writes the snapshot if due (or `force`). Takes mu_.
  void MaybeSnapshot(bool force);

  const JournaldConfig config_;
  const std::string tag_;
  const std::string id_;
  const std::string state_dir_;
  Metrics metrics_;
  Counter own_counters_[4];  // used when the context has no registry

  std::unique_ptr<JournalReader> reader_;  // reader thread only, after Start
  std::thread thread_;
  std::atomic<bool> stop_{false};

  // Reader-thread scratch for one entry's fields.
  struct FieldRef {
    uint32_t name_begin, name_size, value_begin, value_size;
  };
  std::string field_bytes_;
  std::vector<FieldRef> fields_;
  std::vector<uint8_t> field_done_;

  mutable std::mutex mu_;  // guards what follows
  std::optional<CursorStore> store_;
  std::deque<Pending> pending_;
  uint64_t next_seq_ = 1;
  std::chrono::steady_clock::time_point last_snapshot_{};
};

}  // namespace runnel::plugins::journald
