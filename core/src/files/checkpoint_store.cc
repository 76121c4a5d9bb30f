#include "runnel/files/checkpoint_store.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "runnel/files/atomic_file.h"
#include "runnel/logging.h"

namespace runnel::files {
namespace {

std::string JournalPath(const std::string& path, int i) {
  return path + ".journal." + std::to_string(i);
}

// What a load found, before anything is decided about a corrupt snapshot.
struct Loaded {
  std::vector<CheckpointEntry> entries;
  Status snapshot_error;      // DataLoss when the snapshot is corrupt (no entries then)
  uint64_t snapshot_seq = 0;  // the snapshot's journal sequence number
  uint64_t next_seq = 0;      // above the snapshot's and every record's sequence number
};

// Reads the snapshot and both journals. Fails only when a file cannot be read (not missing).
Result<Loaded> LoadState(const std::string& path, CheckpointLoadStats* stats) {
  Loaded out;
  uint64_t& snapshot_seq = out.snapshot_seq;
  Result<std::string> text = ReadWholeFile(path);
  if (text) {
    Result<CheckpointSnapshot> snapshot = DecodeCheckpoint(*text);
    if (snapshot) {
      out.entries = std::move(snapshot->entries);
      snapshot_seq = snapshot->journal_seq;
    } else {
      out.snapshot_error = snapshot.error().WithPrefix(path);
    }
  } else if (text.error().code() != StatusCode::kNotFound) {
    return Err(text.error());
  }
  out.next_seq = snapshot_seq;

  struct Record {
    uint64_t seq;
    CheckpointEntry entry;
  };
  std::vector<Record> records;
  for (int i = 0; i < 2; ++i) {
    Result<std::string> journal = ReadWholeFile(JournalPath(path, i));
    if (!journal) {
      if (journal.error().code() == StatusCode::kNotFound) {
        continue;
      }
      return Err(journal.error());
    }
    JournalScanStats scan = ScanJournal(*journal, [&](uint64_t seq, std::string_view body) {
      out.next_seq = std::max(out.next_seq, seq + 1);
      CheckpointEntry e;
      if (!DecodeCheckpointRecordBody(body, &e)) {
        ++stats->damaged_records;
      } else if (seq < snapshot_seq) {
        ++stats->stale_records;
      } else {
        records.push_back(Record{seq, std::move(e)});
      }
    });
    stats->damaged_records += scan.corrupt_ranges;
    stats->torn_bytes += scan.torn_bytes;
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.seq < b.seq; });
  std::map<FileId, size_t> index;
  for (size_t i = 0; i < out.entries.size(); ++i) {
    index[out.entries[i].id] = i;
  }
  for (Record& r : records) {
    auto [it, added] = index.try_emplace(r.entry.id, out.entries.size());
    if (added) {
      out.entries.push_back(std::move(r.entry));
    } else {
      out.entries[it->second] = std::move(r.entry);
    }
  }
  stats->journal_records += records.size();
  return out;
}

}  // namespace

Result<std::vector<CheckpointEntry>> LoadCheckpoint(const std::string& path,
                                                    CheckpointLoadStats* stats) {
  CheckpointLoadStats ignored;
  Result<Loaded> loaded = LoadState(path, stats != nullptr ? stats : &ignored);
  if (!loaded) {
    return Err(loaded.error());
  }
  if (!loaded->snapshot_error.ok()) {
    return Err(loaded->snapshot_error);
  }
  return std::move(loaded->entries);
}

Result<std::unique_ptr<CheckpointStore>> CheckpointStore::Open(
    const std::string& path, const std::string& component, std::vector<CheckpointEntry>* entries,
    CheckpointLoadStats* stats) {
  CheckpointLoadStats ignored;
  if (stats == nullptr) {
    stats = &ignored;
  }
  Result<Loaded> loaded = LoadState(path, stats);
  if (!loaded) {
    return Err(loaded.error().WithPrefix("checkpoint"));
  }
  if (!loaded->snapshot_error.ok()) {
    const std::string aside = path + ".corrupt";
    RUNNEL_LOG(kError, component) << loaded->snapshot_error.message() << "; moved aside to "
                                  << aside << " and starting without it";
    std::rename(path.c_str(), aside.c_str());
    stats->snapshot_corrupt = true;
  }
  if (stats->damaged_records > 0 || stats->torn_bytes > 0) {
    RUNNEL_LOG(kWarn, component) << "checkpoint journal of " << path << ": skipped "
                                 << stats->damaged_records << " damaged record(s) and cut "
                                 << stats->torn_bytes
                                 << " byte(s) of a torn last record; starting with the rest";
  }
  std::unique_ptr<CheckpointStore> store(new CheckpointStore(path));
  for (int i = 0; i < 2; ++i) {
    Result<JournalFile> f = JournalFile::Open(JournalPath(path, i));
    if (!f) {
      return Err(f.error().WithPrefix("checkpoint journal"));
    }
    store->journals_[i] = std::move(*f);
  }
  // Every record on disk is older than next_seq, so a snapshot at next_seq includes them all
  // and both files may be emptied. Until one is written, neither is (switched_at_ is past
  // durable_seq_).
  store->next_seq_ = loaded->next_seq;
  store->switched_at_ = loaded->next_seq;
  store->durable_seq_ = loaded->snapshot_seq;
  if (Status s = store->WriteSnapshot(loaded->next_seq, loaded->entries); !s.ok()) {
    RUNNEL_LOG(kWarn, component) << "checkpoint: " << s.message()
                                 << "; keeping the journal as it is";
  } else {
    for (JournalFile& f : store->journals_) {
      if (Status t = f.Truncate(); !t.ok()) {
        RUNNEL_LOG(kWarn, component) << "checkpoint journal: " << t.message();
      }
    }
  }
  store->snapshot_bytes_ = store->journals_[0].size();
  *entries = std::move(loaded->entries);
  return store;
}

void CheckpointStore::EncodeRecord(const CheckpointEntry& entry, std::string* out) {
  body_.clear();
  AppendCheckpointRecordBody(entry, &body_);
  AppendJournalRecord(next_seq_++, body_, out);
}

Status CheckpointStore::Write(std::string_view records) {
  std::lock_guard<std::mutex> lock(mu_);
  return journals_[current_].Append(records);
}

uint64_t CheckpointStore::BeginSnapshot() {
  const uint64_t seq = next_seq_;
  std::lock_guard<std::mutex> lock(mu_);
  // The other file holds records older than switched_at_: empty it once a snapshot at or past
  // that is on disk. Otherwise keep appending here until one is.
  if (switched_at_ <= durable_seq_ && journals_[1 - current_].Truncate().ok()) {
    current_ = 1 - current_;
    switched_at_ = seq;
  }
  snapshot_bytes_ = journals_[current_].size();
  return seq;
}

Status CheckpointStore::WriteSnapshot(uint64_t journal_seq,
                                      const std::vector<CheckpointEntry>& entries) {
  Status s = WriteFileAtomically(path_, EncodeCheckpoint(CheckpointSnapshot{entries, journal_seq}));
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    durable_seq_ = std::max(durable_seq_, journal_seq);
  }
  return s;
}

uint64_t CheckpointStore::journal_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return journals_[current_].size();
}

bool CheckpointStore::snapshot_due() const {
  std::lock_guard<std::mutex> lock(mu_);
  return journals_[current_].size() >= snapshot_bytes_ + kSnapshotJournalBytes;
}

}  // namespace runnel::files
