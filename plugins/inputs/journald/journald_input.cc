#include "journald_input.h"

#include <simdjson.h>

#include <utility>

#include "runnel/logging.h"

namespace runnel::plugins::journald {
namespace {

constexpr uint64_t kSnapshotJournalBytes = 1 << 20;

bool ValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

// Cuts `value` to at most `max` bytes; a valid UTF-8 value is cut at a character boundary so it
// stays a string.
std::string_view Cut(std::string_view value, size_t max, bool utf8) {
  if (value.size() <= max) {
    return value;
  }
  size_t n = max;
  if (utf8) {
    while (n > 0 && (static_cast<unsigned char>(value[n]) & 0xC0) == 0x80) {
      --n;
    }
  }
  return value.substr(0, n);
}

}  // namespace

JournaldInput::JournaldInput(JournaldConfig config, std::string tag, const PluginContext& ctx)
    : config_(std::move(config)), tag_(std::move(tag)), id_(ctx.id), state_dir_(ctx.StateDir()) {
  MetricsRegistry* registry = ctx.metrics;
  if (registry != nullptr) {
    metrics_.entries = registry->GetCounter("journald_entries_total", id_,
                                            "Journal entries the journald input has read.");
    metrics_.truncated =
        registry->GetCounter("journald_fields_truncated_total", id_,
                             "Journal field values cut to max_field_bytes by the journald input.");
    metrics_.read_errors =
        registry->GetCounter("journald_read_errors_total", id_,
                             "Journal entries or reads that failed (damaged entries are skipped).");
    metrics_.cursor_errors = registry->GetCounter("journald_cursor_errors_total", id_,
                                                  "Cursor checkpoint writes that failed.");
  } else {
    metrics_.entries = &own_counters_[0];
    metrics_.truncated = &own_counters_[1];
    metrics_.read_errors = &own_counters_[2];
    metrics_.cursor_errors = &own_counters_[3];
  }
  metrics_.events_in = ctx.component_metrics.events_in;
  metrics_.bytes_in = ctx.component_metrics.bytes_in;
  metrics_.errors = ctx.component_metrics.errors;
}

JournaldInput::~JournaldInput() { Stop(); }

Status JournaldInput::Start(Emitter& emitter) {
  CursorLoad load;
  Result<CursorStore> store = CursorStore::Open(state_dir_, &load);
  if (!store) {
    return Status(store.error().code(), id_ + ": cursor: " + store.error().message());
  }
  if (load.snapshot_damaged) {
    RUNNEL_LOG(kWarn, id_) << "cursor snapshot " << state_dir_
                           << "/cursor is damaged; moved to cursor.corrupt";
  }
  if (load.damaged_records > 0) {
    RUNNEL_LOG(kWarn, id_) << "cursor journal: skipped " << load.damaged_records
                           << " damaged record(s)";
  }
  JournalSource source{
      .files = config_.files, .directory = config_.directory, .matches = config_.matches};
  for (const std::string& unit : config_.units) {
    source.matches.push_back("_SYSTEMD_UNIT=" + unit);
  }
  Result<std::unique_ptr<JournalReader>> reader = JournalReader::Open(source);
  if (!reader) {
    return Status(reader.error().code(), id_ + ": " + reader.error().message());
  }
  Status positioned;
  if (!load.cursor.empty()) {
    bool found = false;
    positioned = (*reader)->SeekAfterCursor(load.cursor, &found);
    if (positioned.ok() && !found) {
      RUNNEL_LOG(kWarn, id_) << "the saved cursor's entry is no longer in the journal "
                                "(rotated or vacuumed); resuming at the next entry kept";
    }
  } else {
    positioned = config_.read_from_tail ? (*reader)->SeekTail() : (*reader)->SeekHead();
  }
  if (!positioned.ok()) {
    return Status(positioned.code(), id_ + ": " + positioned.message());
  }
  reader_ = std::move(*reader);
  {
    std::lock_guard lock(mu_);
    store_.emplace(std::move(*store));
    last_snapshot_ = std::chrono::steady_clock::now();
  }
  stop_ = false;
  thread_ = std::thread([this, &emitter] { Run(emitter); });
  return OkStatus();
}

void JournaldInput::Stop() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

void JournaldInput::OnDrained() { MaybeSnapshot(/*force=*/true); }

std::string JournaldInput::committed_cursor() const {
  std::lock_guard lock(mu_);
  return store_ ? store_->cursor() : std::string();
}

void JournaldInput::Run(Emitter& emitter) {
  Batch batch;
  std::string last_cursor;
  while (!stop_ && !emitter.stopping()) {
    Result<bool> more = reader_->Next();
    if (!more) {
      CountReadError();
      RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(60)) << more.error().message();
      Flush(emitter, &batch, &last_cursor);
      (void)reader_->Wait(config_.poll_interval);
      continue;
    }
    if (*more) {
      if (!AppendEntry(&batch)) {
        continue;
      }
      Result<std::string> cursor = reader_->Cursor();
      if (cursor) {
        last_cursor = std::move(*cursor);
      }
      if (batch.count >= config_.batch_max_events || batch.data.size() >= config_.batch_max_bytes) {
        Flush(emitter, &batch, &last_cursor);
      }
      continue;
    }
    Flush(emitter, &batch, &last_cursor);
    if (config_.exit_on_eof) {
      RUNNEL_LOG(kInfo, id_) << "exit_on_eof: the journal is read to its end";
      emitter.Finished();
      break;
    }
    MaybeSnapshot(/*force=*/false);
    Status waited = reader_->Wait(config_.poll_interval);
    if (!waited.ok()) {
      RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(60)) << waited.message();
    }
  }
  // A batch being built when stopping is not emitted: its entries are read again next time.
}

void JournaldInput::CountReadError() {
  metrics_.read_errors->Add();
  if (metrics_.errors != nullptr) {
    metrics_.errors->Add();
  }
}

Status JournaldInput::CollectFields() {
  field_bytes_.clear();
  fields_.clear();
  return reader_->ForEachField([this](std::string_view name, std::string_view value) {
    const uint32_t name_begin = static_cast<uint32_t>(field_bytes_.size());
    size_t skip = 0;
    if (config_.strip_underscores) {
      while (skip < name.size() - 1 && name[skip] == '_') {
        ++skip;
      }
    }
    for (char c : name.substr(skip)) {
      field_bytes_.push_back(config_.lowercase && c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32)
                                                                       : c);
    }
    const uint32_t value_begin = static_cast<uint32_t>(field_bytes_.size());
    field_bytes_.append(value);
    fields_.push_back({name_begin, static_cast<uint32_t>(name.size() - skip), value_begin,
                       static_cast<uint32_t>(value.size())});
  });
}

bool JournaldInput::AppendEntry(Batch* batch) {
  Result<uint64_t> usec = reader_->RealtimeMicros();
  Status read = usec.has_value() ? CollectFields() : usec.error();
  metrics_.entries->Add();
  if (!read.ok()) {
    CountReadError();
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
        << "skipping a journal entry that cannot be read: " << read.message();
    return false;
  }
  auto name_of = [this](const FieldRef& f) {
    return std::string_view(field_bytes_).substr(f.name_begin, f.name_size);
  };
  auto value_of = [this](const FieldRef& f) {
    return std::string_view(field_bytes_).substr(f.value_begin, f.value_size);
  };
  // Distinct names, in first-occurrence order; a repeated one becomes an array.
  field_done_.assign(fields_.size(), 0);
  uint32_t distinct = 0;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (field_done_[i] != 0) {
      continue;
    }
    ++distinct;
    for (size_t k = i + 1; k < fields_.size(); ++k) {
      if (field_done_[k] == 0 && name_of(fields_[k]) == name_of(fields_[i])) {
        field_done_[k] = 2;  // a repeat of i
      }
    }
  }
  const size_t before = batch->data.size();
  BatchBuilder builder(batch);
  const uint64_t micros = *usec;
  builder.BeginEntry(EventTime{static_cast<uint32_t>(micros / 1'000'000),
                               static_cast<uint32_t>(micros % 1'000'000) * 1000},
                     distinct);
  MsgpackWriter& w = builder.writer();
  auto write_value = [&](std::string_view value) {
    const bool utf8 = ValidUtf8(value);
    if (value.size() > config_.max_field_bytes) {
      value = Cut(value, config_.max_field_bytes, utf8);
      metrics_.truncated->Add();
    }
    if (utf8) {
      w.Str(value);
    } else {
      w.Bin(value);
    }
  };
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (field_done_[i] == 2) {
      continue;
    }
    const std::string_view name = name_of(fields_[i]);
    uint32_t repeats = 0;
    for (size_t k = i + 1; k < fields_.size(); ++k) {
      repeats += field_done_[k] == 2 && name_of(fields_[k]) == name ? 1 : 0;
    }
    w.Str(name);
    if (repeats == 0) {
      write_value(value_of(fields_[i]));
      continue;
    }
    w.ArrayHeader(repeats + 1);
    write_value(value_of(fields_[i]));
    for (size_t k = i + 1; k < fields_.size(); ++k) {
      if (field_done_[k] == 2 && name_of(fields_[k]) == name) {
        write_value(value_of(fields_[k]));
      }
    }
  }
  if (metrics_.events_in != nullptr) {
    metrics_.events_in->Add();
    metrics_.bytes_in->Add(batch->data.size() - before);
  }
  return true;
}

void JournaldInput::Flush(Emitter& emitter, Batch* batch, std::string* last_cursor) {
  if (batch->count == 0) {
    return;
  }
  uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    seq = next_seq_++;
    pending_.push_back(Pending{.seq = seq, .cursor = std::move(*last_cursor), .done = false});
  }
  last_cursor->clear();
  batch->tag = tag_;
  batch->id = BatchId::Random();
  batch->ack = AckHandle::Create(this, seq);
  Batch out = std::move(*batch);
  *batch = Batch{};
  (void)emitter.Emit(std::move(out));  // Cancelled: the acknowledgement says so
}

void JournaldInput::OnAck(uint64_t cookie, AckOutcome outcome) {
  std::lock_guard lock(mu_);
  if (outcome == AckOutcome::kCancelled) {
    return;  // its entry stays pending: nothing after it is committed
  }
  for (Pending& p : pending_) {
    if (p.seq == cookie) {
      p.done = true;
      break;
    }
  }
  // The cursor of the last batch of the acknowledged prefix; "" when the prefix did not grow.
  std::string cursor;
  while (!pending_.empty() && pending_.front().done) {
    if (!pending_.front().cursor.empty()) {
      cursor = std::move(pending_.front().cursor);
    }
    pending_.pop_front();
  }
  if (cursor.empty() || !store_) {
    return;
  }
  Status s = store_->Append(cursor);
  if (!s.ok()) {
    metrics_.cursor_errors->Add();
    RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(60)) << "cursor: " << s.message();
  }
}

void JournaldInput::MaybeSnapshot(bool force) {
  std::lock_guard lock(mu_);
  if (!store_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_snapshot_ < config_.checkpoint_interval &&
      store_->journal_bytes() < kSnapshotJournalBytes) {
    return;
  }
  last_snapshot_ = now;
  Status s = store_->Snapshot();
  if (!s.ok()) {
    metrics_.cursor_errors->Add();
    RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(60)) << "cursor snapshot: " << s.message();
  }
}

}  // namespace runnel::plugins::journald
