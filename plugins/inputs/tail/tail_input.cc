#include "tail_input.h"

#include <utility>

#include "runnel/files/atomic_file.h"
#include "runnel/logging.h"

namespace runnel::plugins::tail {
namespace {

using files::Clock;

// Most bytes read from one file per pass, so one busy file does not starve the others.
constexpr size_t kReadBudgetBytes = 8 * 1024 * 1024;

}  // namespace

TailInput::TailInput(TailConfig config, std::string tag, const PluginContext& ctx)
    : config_(std::move(config)),
      tag_(std::move(tag)),
      id_(ctx.id),
      state_dir_(ctx.StateDir()),
      checkpoint_path_(state_dir_ + "/checkpoint") {
  MetricsRegistry* registry = ctx.metrics;
  if (registry == nullptr) {
    own_metrics_ = std::make_unique<MetricsRegistry>();
    registry = own_metrics_.get();
  }
  errors_ = ctx.component_metrics.errors;
  metrics_.files_watched =
      registry->GetGauge("tail_files_watched", id_, "Files the tail input has open.");
  metrics_.unread_bytes = registry->GetGauge(
      "tail_unread_bytes", id_,
      "Bytes in the files being read beyond what has been read, as of their last size check.");
  metrics_.unacknowledged_bytes = registry->GetGauge(
      "tail_unacknowledged_bytes", id_,
      "Bytes read and emitted whose batches are not acknowledged yet: read again after a "
      "crash.");
  metrics_.lines_truncated = registry->GetCounter(
      "tail_lines_truncated_total", id_, "Lines longer than max_line_bytes, emitted truncated.");
  metrics_.rotations = registry->GetCounter(
      "tail_rotations_total", id_, "Files that left their path (renamed away or deleted).");
  metrics_.truncations = registry->GetCounter(
      "tail_truncations_total", id_, "Files found truncated (copytruncate) and read again from 0.");
  metrics_.copies = registry->GetCounter("tail_copies_total", id_,
                                         "New files recognised as copies of a file being read.");
  metrics_.checkpoint_errors =
      registry->GetCounter("tail_checkpoint_errors_total", id_, "Checkpoint writes that failed.");
  metrics_.checkpoint_damaged_records = registry->GetCounter(
      "tail_checkpoint_damaged_records_total", id_,
      "Checkpoint journal records skipped at start: damaged, or a torn last one.");
  metrics_.split_records = registry->GetCounter(
      "tail_split_records_total", id_,
      "Joined records (multiline groups, container lines joined from partial pieces) emitted "
      "at multiline.max_lines, multiline.max_bytes or max_joined_bytes; the rest started a new "
      "record.");
  const std::string rejected_help =
      "Lines skipped because they are not in the input's format (format = \"cri\", \"docker\", "
      "\"container\"), by the format they failed.";
  metrics_.rejected_cri =
      registry->GetCounter("tail_rejected_lines_total", id_, rejected_help, {{"reason", "cri"}});
  metrics_.rejected_docker =
      registry->GetCounter("tail_rejected_lines_total", id_, rejected_help, {{"reason", "docker"}});
  metrics_.metadata_misses = registry->GetCounter(
      "tail_metadata_misses_total", id_,
      "Files read with kubernetes_metadata whose name is not "
      "<pod>_<namespace>_<container>-<id>.log: read without the metadata fields.");
}

TailInput::~TailInput() { Stop(); }

Status TailInput::Start(Emitter& emitter) {
  RUNNEL_RETURN_IF_ERROR(files::MakeDirs(state_dir_).WithPrefix(id_ + ": state directory"));
  files::CheckpointLoadStats loaded;
  Result<std::unique_ptr<files::CheckpointStore>> store =
      files::CheckpointStore::Open(checkpoint_path_, id_, &resume_, &loaded);
  if (!store) {
    return store.error().WithPrefix(id_);
  }
  store_ = std::move(*store);
  metrics_.checkpoint_damaged_records->Add(loaded.damaged_records + (loaded.torn_bytes > 0));

  files::FileTrackerOptions options;
  options.include = config_.paths;
  options.exclude = config_.exclude;
  options.fingerprint_bytes = config_.fingerprint_bytes;
  options.block_bytes = config_.read_block_bytes;
  options.max_line_bytes = config_.max_line_bytes;
  options.rotate_wait = config_.rotate_wait;
  // A truncated file's identity must outlive the next rescans, which happen on wake-ups.
  options.copy_window = std::max<Clock::duration>(
      config_.rotate_wait,
      3 * std::max(config_.refresh_interval, config_.poll_interval) + config_.poll_interval);
  options.identify_wait = config_.refresh_interval;
  options.log_component = id_;
  files::FileTrackerListener* listener = this;
  tracker_ = std::make_unique<files::FileTracker>(std::move(options), listener);

  emitter_ = &emitter;
  batch_ = Batch{};
  batch_.tag = tag_;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return OkStatus();
}

void TailInput::Stop() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stop_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void TailInput::OnDrained() {
  Status s = Save(/*force=*/true);
  if (!s.ok()) {
    RUNNEL_LOG(kError, id_) << "saving the checkpoint at shutdown: " << s.message();
  }
}

Status TailInput::SaveCheckpoint() { return Save(/*force=*/true); }

bool TailInput::StopRequested() const {
  return stop_.load(std::memory_order_relaxed) || emitter_->stopping();
}

void TailInput::Run() {
  Clock::time_point now = Clock::now();
  tracker_->InitialScan(resume_, config_.read_from_tail, now);
  resume_.clear();
  Clock::time_point next_scan = now + config_.refresh_interval;
  Clock::time_point next_checkpoint = now + config_.checkpoint_interval;
  while (!StopRequested()) {
    now = Clock::now();
    if (!config_.exit_on_eof && now >= next_scan) {
      tracker_->Rescan(now);
      next_scan = now + config_.refresh_interval;
    }
    tracker_->Check(now);
    bool progressed = false;
    for (const auto& file : tracker_->files()) {
      if (StopRequested()) {
        break;
      }
      progressed |= ReadFile(*file, Clock::now());
    }
    UpdateMetrics();
    if (config_.exit_on_eof && !progressed && !StopRequested()) {
      FinishAtEof();
      return;
    }
    if (now >= next_checkpoint || store_->snapshot_due()) {
      (void)Save(/*force=*/false);
      next_checkpoint = now + config_.checkpoint_interval;
    }
    if (!progressed) {
      std::unique_lock<std::mutex> lock(wake_mu_);
      wake_cv_.wait_for(lock, config_.poll_interval, [this] { return stop_.load(); });
    }
  }
  // Groups still being joined are emitted; when the pipeline is stopping already, Emit cancels
  // them and they are not committed (read again after a restart).
  for (const auto& file : tracker_->files()) {
    FinishGeneration(*file);
  }
}

void TailInput::FinishAtEof() {
  for (const auto& file : tracker_->files()) {
    files::Line line;
    if (file->generation == 0) {
      continue;
    }
    batch_generation_ = file->generation;
    uint64_t start = file->reader.line_offset();
    if (file->reader.TakePartial(&line)) {
      AddLine(*file, line, start, Clock::now());
    }
    Flush(SafeOffset(*file, file->reader.line_offset()));
    FinishGeneration(*file);
  }
  RUNNEL_LOG(kInfo, id_) << "exit_on_eof: every file read to its end";
  emitter_->Finished();
}

bool TailInput::ReadFile(files::TrackedFile& file, Clock::time_point now) {
  if (file.paused || !file.identified) {
    return false;
  }
  batch_generation_ = file.generation;
  bool progressed = false;
  size_t read = 0;
  now_time_ = EventTime::Now();
  while (!StopRequested()) {
    files::Line line;
    uint64_t start = file.reader.line_offset();
    while (file.reader.Next(&line)) {
      AddLine(file, line, start, now);
      start = line.end_offset;
    }
    if (read >= kReadBudgetBytes) {
      break;
    }
    Result<size_t> n = file.Fill(now);
    if (!n) {
      if (errors_ != nullptr) {
        errors_->Add();
      }
      RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
          << file.current_path << ": " << n.error().message();
      break;
    }
    if (*n == 0) {
      break;
    }
    read += *n;
    progressed = true;
    now_time_ = EventTime::Now();
  }
  if (StopRequested()) {
    Flush(SafeOffset(file, file.reader.line_offset()));
    return progressed;
  }
  files::Line line;
  uint64_t start = file.reader.line_offset();
  if (file.reader.HasPartial() && file.at_eof &&
      now - file.last_data >= config_.partial_line_timeout && file.reader.TakePartial(&line)) {
    AddLine(file, line, start, now);
  }
  Assembly* assembly = AssemblyFor(file);
  if (assembly != nullptr && assembly->assembler != nullptr) {
    emitting_ = assembly;
    assembly->assembler->Tick(now, *this);
    batch_end_ = SafeOffset(file, file.reader.line_offset());
  }
  if (tracker_->ReadyToRelease(file, now)) {
    start = file.reader.line_offset();
    if (file.reader.TakePartial(&line)) {
      AddLine(file, line, start, now);
    }
    // The file is let go: what it still holds in groups goes now.
    if (assembly != nullptr && assembly->assembler != nullptr) {
      emitting_ = assembly;
      assembly->assembler->Finish(*this);
      batch_end_ = file.reader.line_offset();
    }
    file.release = true;
  }
  Flush(SafeOffset(file, file.reader.line_offset()));
  if (file.at_eof) {
    file.reader.ReleaseBuffer();  // a file at its end keeps only its partial line, if any
  }
  return progressed;
}

void TailInput::AddLine(const files::TrackedFile& file, const files::Line& line, uint64_t start,
                        Clock::time_point now) {
  if (line.truncated) {
    metrics_.lines_truncated->Add();
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
        << file.current_path << ": a line longer than max_line_bytes (" << config_.max_line_bytes
        << ") was truncated";
  }
  Assembly* assembly = AssemblyFor(file);
  if (assembly == nullptr) {
    AppendEntry(file.path, line.text, now_time_, {});
    batch_end_ = line.end_offset;
    return;
  }
  emitting_ = assembly;
  if (assembly->assembler == nullptr) {
    OnRecord(AssembledRecord{line.text, now_time_, {}});
  } else {
    assembly->assembler->Add(line.text, start, line.end_offset, now_time_, now, *this);
  }
  batch_end_ = SafeOffset(file, line.end_offset);
}

void TailInput::Flush(uint64_t consumed) {
  if (batch_.count == 0) {
    if (consumed == 0) {
      return;
    }
    // Bytes consumed without an event (the belated newline of a partial line taken earlier):
    // an empty range, acknowledged at once, so the checkpoint moves past them in order.
    std::unique_lock<std::mutex> lock(mu_);
    auto it = generations_.find(batch_generation_);
    if (it != generations_.end() && consumed > it->second.watermark.emitted()) {
      if (it->second.watermark.Ack(it->second.watermark.Add(consumed), true)) {
        dirty_ = true;
        MarkForJournal(it->first, it->second);
        WriteJournal(lock);
      }
    }
    return;
  }
  uint64_t cookie;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = generations_.find(batch_generation_);
    cookie = next_cookie_++;
    if (it != generations_.end()) {
      uint64_t seq = it->second.watermark.Add(
          std::max({batch_end_, consumed, it->second.watermark.emitted()}));
      pending_[cookie] = PendingBatch{batch_generation_, seq};
    }
  }
  batch_.id = BatchId::Random();
  batch_.ack = AckHandle::Create(this, cookie);
  Batch out = std::move(batch_);
  batch_ = Batch{};
  batch_.tag = tag_;
  (void)emitter_->Emit(std::move(out));  // Cancelled when stopping: its ack says so
}

void TailInput::UpdateMetrics() {
  const files::FileTrackerStats& s = tracker_->stats();
  metrics_.files_watched->Set(static_cast<int64_t>(tracker_->files().size()));
  metrics_.unread_bytes->Set(static_cast<int64_t>(tracker_->unread_bytes()));
  uint64_t unacknowledged = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [gen, g] : generations_) {
      unacknowledged += g.watermark.emitted() - g.watermark.committed();
    }
  }
  metrics_.unacknowledged_bytes->Set(static_cast<int64_t>(unacknowledged));
  metrics_.rotations->Add(s.rotations - reported_.rotations);
  metrics_.truncations->Add(s.truncations - reported_.truncations);
  metrics_.copies->Add(s.copies - reported_.copies);
  reported_ = s;
}

void TailInput::OnAck(uint64_t cookie, AckOutcome outcome) {
  std::unique_lock<std::mutex> lock(mu_);
  auto p = pending_.find(cookie);
  if (p == pending_.end()) {
    return;
  }
  PendingBatch batch = p->second;
  pending_.erase(p);
  auto it = generations_.find(batch.generation);
  if (it == generations_.end()) {
    return;
  }
  Generation& g = it->second;
  if (g.watermark.Ack(batch.seq, outcome != AckOutcome::kCancelled)) {
    dirty_ = true;
    MarkForJournal(it->first, g);
  }
  if (Forgettable(g)) {
    generations_.erase(it);
  }
  WriteJournal(lock);
}

bool TailInput::Checkpointed(const Generation& g) {
  return g.live || (g.released && g.watermark.committed() < g.watermark.emitted());
}

bool TailInput::Forgettable(const Generation& g) {
  return !g.live && g.watermark.outstanding() == 0 && !Checkpointed(g);
}

files::CheckpointEntry TailInput::EntryOf(const Generation& g) {
  return files::CheckpointEntry{g.id, g.fingerprint, g.watermark.committed(), g.path};
}

void TailInput::MarkForJournal(uint64_t gen, Generation& g) {
  if (!g.journal_marked) {
    g.journal_marked = true;
    journal_marked_.push_back(gen);
  }
}

void TailInput::WriteJournal(std::unique_lock<std::mutex>& lock) {
  if (journal_writing_) {
    return;
  }
  journal_writing_ = true;
  while (!journal_marked_.empty()) {
    journal_out_.clear();
    for (uint64_t gen : journal_marked_) {
      auto it = generations_.find(gen);
      if (it != generations_.end()) {
        it->second.journal_marked = false;
        // A generation no longer checkpointed (truncated) must not come back from the journal.
        if (Checkpointed(it->second)) {
          store_->EncodeRecord(EntryOf(it->second), &journal_out_);
        }
      }
    }
    journal_marked_.clear();
    if (journal_out_.empty()) {
      break;
    }
    lock.unlock();
    Status s = store_->Write(journal_out_);
    if (!s.ok()) {
      metrics_.checkpoint_errors->Add();
      RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(60))
          << "checkpoint journal: " << s.message() << " (the next snapshot saves the offsets)";
    }
    lock.lock();
  }
  journal_writing_ = false;
}

void TailInput::OnGenerationStart(const files::TrackedFile& file, uint64_t start) {
  std::unique_lock<std::mutex> lock(mu_);
  auto [it, _] = generations_.insert_or_assign(
      file.generation,
      Generation{file.id, file.fingerprint, file.path, files::AckWatermark(start), true});
  dirty_ = true;
  MarkForJournal(it->first, it->second);
  WriteJournal(lock);
}

void TailInput::OnFingerprintChanged(const files::TrackedFile& file) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = generations_.find(file.generation);
  if (it != generations_.end()) {
    it->second.fingerprint = file.fingerprint;
    dirty_ = true;
    MarkForJournal(it->first, it->second);
    WriteJournal(lock);
  }
}

void TailInput::OnGenerationEnd(const files::TrackedFile& file) {
  // A truncated file's groups are emitted (their lines were read) before the generation ends.
  FinishGeneration(file);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = generations_.find(file.generation);
  if (it == generations_.end()) {
    return;
  }
  it->second.live = false;
  it->second.released = file.release;
  if (Forgettable(it->second)) {
    generations_.erase(it);
  }
  dirty_ = true;
}

Status TailInput::Save(bool force) {
  std::lock_guard<std::mutex> save_lock(save_mu_);
  if (store_ == nullptr) {
    return OkStatus();  // not started
  }
  std::vector<files::CheckpointEntry> entries;
  uint64_t journal_seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dirty_ && !force) {
      return OkStatus();
    }
    journal_seq = store_->BeginSnapshot();
    for (const auto& [gen, g] : generations_) {
      if (Checkpointed(g)) {
        entries.push_back(EntryOf(g));
      }
    }
    dirty_ = false;
  }
  Status s = store_->WriteSnapshot(journal_seq, entries);
  if (!s.ok()) {
    metrics_.checkpoint_errors->Add();
    RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(60)) << "checkpoint: " << s.message();
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
  }
  return s;
}

}  // namespace runnel::plugins::tail
