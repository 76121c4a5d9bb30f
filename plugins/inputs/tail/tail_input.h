#pragma once
// The tail input: reads lines appended to files matched by globs, follows rotation, and
// checkpoints offsets that are acknowledged end to end. The file machinery (discovery, identity,
// rotation, line splitting, watermarks, checkpoint files) is core's runnel/files; this class
// turns lines into batches, tracks their acknowledgements and saves checkpoints.
//
// At start-up the checkpoint's files are found by the globs or, when rotated away while the
// agent was down, by dev+inode in the directory of their checkpointed path (FileTracker::
// InitialScan); the unread rest of a rotated file is read, then it is let go.
//
// Checkpoint (files::CheckpointStore): an acknowledgement that moves a file's committed offset
// appends that offset to the checkpoint journal before OnAck returns (one write(2), no fsync), so
// a crash repeats only what was not yet acknowledged. Acknowledgements arriving while another
// thread writes are coalesced into its next write (one record per file). The snapshot is
// rewritten every checkpoint_interval, when the journal has grown past 1 MiB, and at shutdown.
//
// Records of several lines (multiline, container formats): a RecordAssembler per file
// generation joins them. A record's batch range ends at the end of its last line, and a group
// still being joined holds the file's batch ranges (so its committed offset) at the group's
// start: a checkpoint never lands inside a group, and after a crash the whole group is read
// again and emitted once, whole. A group still pending is emitted when its file is let go
// (rotated away, truncated), at exit_on_eof's end, and when the input stops (then committed only
// if the pipeline still takes it).
//
// Threads: Start() runs one reader thread; acknowledgements arrive on any thread (OnAck);
// Stop() and OnDrained() are called by the runtime's thread. Public calls are thread-safe.

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kubernetes_metadata.h"
#include "record_assembler.h"
#include "runnel/batch.h"
#include "runnel/files/ack_watermark.h"
#include "runnel/files/checkpoint_store.h"
#include "runnel/files/file_tracker.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"
#include "tail_config.h"

namespace runnel::plugins::tail {

class TailInput final : public Input,
                        private AckReceiver,
                        private files::FileTrackerListener,
                        private RecordSink {
 public:
  // `tag`: the batches' tag (the component's name). ctx gives the id (for logs and metrics), the
  // state directory (checkpoint) and the metrics registry (may be null: metrics kept privately).
  TailInput(TailConfig config, std::string tag, const PluginContext& ctx);
  ~TailInput() override;

  // Creates the state directory, loads the checkpoint, snapshot and journal (a corrupt snapshot
  // is moved aside to "<checkpoint>.corrupt" and logged; damaged journal records are skipped,
  // logged and counted) and starts the reader thread. Errors: the state directory cannot be
  // created, or the checkpoint cannot be read or its journal opened.
  Status Start(Emitter& emitter) override;
  // Stops the reader thread; returns when it no longer emits. Idempotent.
  void Stop() override;
  // Saves the checkpoint: exactly the acknowledged offsets, for the files being read and for
  // files let go whose lines are not all acknowledged. A file let go at its end (rotated away or
  // deleted, then rotate_wait without new data) leaves the checkpoint once everything read from
  // it is acknowledged, so entries do not accumulate.
  void OnDrained() override;

  // Writes the checkpoint snapshot now (also when nothing changed). For tests and OnDrained.
  Status SaveCheckpoint();
  const std::string& checkpoint_path() const { return checkpoint_path_; }

  struct Metrics {
    Gauge* files_watched = nullptr;
    Gauge* unread_bytes = nullptr;          // file sizes beyond the read offsets
    Gauge* unacknowledged_bytes = nullptr;  // emitted, not acknowledged (watermarks)
    Counter* lines_truncated = nullptr;
    Counter* rotations = nullptr;
    Counter* truncations = nullptr;
    Counter* copies = nullptr;
    Counter* checkpoint_errors = nullptr;
    Counter* checkpoint_damaged_records = nullptr;
    Counter* split_records = nullptr;    // ended at a multiline or joining limit
    Counter* rejected_cri = nullptr;     // tail_rejected_lines_total{reason="cri"}
    Counter* rejected_docker = nullptr;  // tail_rejected_lines_total{reason="docker"}
    Counter* metadata_misses = nullptr;  // files not named as the kubelet names them
  };
  const Metrics& metrics() const { return metrics_; }

 private:
  struct Generation {
    files::FileId id;
    files::Fingerprint fingerprint;
    std::string path;
    files::AckWatermark watermark;
    bool live = true;             // being read; false once truncated or released
    bool released = false;        // let go at its end: saved until all read from it is acknowledged
    bool journal_marked = false;  // in journal_marked_
  };
  // Whether the checkpoint holds `g`: while it is read, and after its release while some of
  // what was read from it is not acknowledged (after a restart it is found again in its
  // directory and the rest is read again). A truncated generation's bytes are gone: not held.
  static bool Checkpointed(const Generation& g);
  // Whether `g` can be forgotten: ended, nothing outstanding, and not Checkpointed.
  static bool Forgettable(const Generation& g);
  static files::CheckpointEntry EntryOf(const Generation& g);
  struct PendingBatch {
    uint64_t generation;
    uint64_t seq;
  };

  void Run();
  bool StopRequested() const;
  // Reads what `file` has now (bounded per call, for fairness); true when bytes were read.
  bool ReadFile(files::TrackedFile& file, files::Clock::time_point now);
  // `start`: the offset where the line begins.
  void AddLine(const files::TrackedFile& file, const files::Line& line, uint64_t start,
               files::Clock::time_point now);
  // Appends one entry to the batch (flushing it first when full).
  void AppendEntry(const std::string& path, std::string_view text, EventTime time,
                   std::string_view stream);
  struct Assembly;
  // What the file's lines go through (created on first use), or null when each line is a record
  // with no added field.
  Assembly* AssemblyFor(const files::TrackedFile& file);
  // Where the checkpoint of `file` may be: `consumed`, or the start of a pending group.
  uint64_t SafeOffset(const files::TrackedFile& file, uint64_t consumed) const;
  // Emits the pending groups of `file`'s generation, if any, in a batch of their own, and
  // forgets its assembly.
  void FinishGeneration(const files::TrackedFile& file);
  void OnRecord(const AssembledRecord& record) override;
  // Emits the batch being built. `consumed`: the file offset up to which every line has been
  // added (or skipped), when the batch ends the lines read from a file; 0 otherwise.
  void Flush(uint64_t consumed = 0);
  void FinishAtEof();
  void UpdateMetrics();
  Status Save(bool force);
  // Under mu_: `gen`'s state goes into the next journal write.
  void MarkForJournal(uint64_t gen, Generation& g);
  // Under mu_ (held by `lock`, released while writing): appends the records of the marked
  // generations, unless another thread is writing (it takes these too: group commit).
  void WriteJournal(std::unique_lock<std::mutex>& lock);

  void OnAck(uint64_t cookie, AckOutcome outcome) override;
  void OnGenerationStart(const files::TrackedFile& file, uint64_t start) override;
  void OnFingerprintChanged(const files::TrackedFile& file) override;
  void OnGenerationEnd(const files::TrackedFile& file) override;

  const TailConfig config_;
  const std::string tag_;
  const std::string id_;
  const std::string state_dir_;
  const std::string checkpoint_path_;
  std::unique_ptr<MetricsRegistry> own_metrics_;
  Counter* errors_ = nullptr;  // component_metrics.errors; may be null
  Metrics metrics_;

  Emitter* emitter_ = nullptr;
  std::thread thread_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::atomic<bool> stop_{false};

  // Reader thread only.
  std::unique_ptr<files::FileTracker> tracker_;
  std::vector<files::CheckpointEntry> resume_;
  Batch batch_;
  uint64_t batch_generation_ = 0;
  uint64_t batch_end_ = 0;
  EventTime now_time_;
  files::FileTrackerStats reported_;
  struct Assembly {
    std::unique_ptr<RecordAssembler> assembler;  // null: a line is a record
    std::string path;                            // the path its records carry
    std::optional<KubernetesMetadata> metadata;  // with kubernetes_metadata
  };
  std::unordered_map<uint64_t, Assembly> assemblies_;  // by generation
  const Assembly* emitting_ = nullptr;                 // whose records OnRecord appends

  // The commit table: generations and their watermarks, batches awaiting acknowledgement.
  std::mutex mu_;
  std::map<uint64_t, Generation> generations_;
  std::unordered_map<uint64_t, PendingBatch> pending_;
  uint64_t next_cookie_ = 1;
  bool dirty_ = true;
  std::unique_ptr<files::CheckpointStore> store_;  // set by Start
  std::vector<uint64_t> journal_marked_;           // generations to journal
  bool journal_writing_ = false;                   // a thread is in WriteJournal's write
  std::string journal_out_;                        // its records; that thread's only

  std::mutex save_mu_;  // serialises checkpoint writes
};

}  // namespace runnel::plugins::tail
