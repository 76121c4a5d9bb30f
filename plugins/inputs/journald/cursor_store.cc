#include "cursor_store.h"

#include <stdio.h>

#include <charconv>
#include <string_view>

#include "runnel/files/atomic_file.h"

namespace runnel::plugins::journald {
namespace {

constexpr std::string_view kMagic = "runnel journald cursor 1\n";

// Parses a snapshot; false when it is not in the format.
bool ParseSnapshot(std::string_view text, uint64_t* seq, std::string* cursor) {
  if (!text.starts_with(kMagic)) {
    return false;
  }
  text.remove_prefix(kMagic.size());
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) {
    return false;
  }
  auto [p, ec] = std::from_chars(text.data(), text.data() + nl, *seq);
  if (ec != std::errc() || p != text.data() + nl) {
    return false;
  }
  text.remove_prefix(nl + 1);
  if (text.size() < 2 || text.back() != '\n' || text.find('\n') != text.size() - 1) {
    return false;
  }
  cursor->assign(text.substr(0, text.size() - 1));
  return true;
}

}  // namespace

Result<CursorStore> CursorStore::Open(const std::string& dir, CursorLoad* load) {
  *load = CursorLoad{};
  RUNNEL_RETURN_IF_ERROR(files::MakeDirs(dir));
  CursorStore store;
  store.snapshot_path_ = dir + "/cursor";
  Result<std::string> snapshot = files::ReadWholeFile(store.snapshot_path_);
  if (snapshot) {
    if (!ParseSnapshot(*snapshot, &store.seq_, &store.cursor_)) {
      load->snapshot_damaged = true;
      store.seq_ = 0;
      store.cursor_.clear();
      const std::string aside = store.snapshot_path_ + ".corrupt";
      if (rename(store.snapshot_path_.c_str(), aside.c_str()) != 0) {
        return Err(ErrnoStatus("rename " + store.snapshot_path_ + " to " + aside, errno));
      }
    }
  } else if (snapshot.error().code() != StatusCode::kNotFound) {
    return Err(snapshot.error());
  }
  store.snapshot_seq_ = store.seq_;
  const std::string journal_path = dir + "/cursor.journal";
  Result<std::string> journal = files::ReadWholeFile(journal_path);
  if (journal) {
    const files::JournalScanStats stats =
        files::ScanJournal(*journal, [&](uint64_t seq, std::string_view body) {
          if (seq > store.seq_ && !body.empty()) {
            store.seq_ = seq;
            store.cursor_.assign(body);
          }
        });
    load->damaged_records = stats.corrupt_ranges;
  } else if (journal.error().code() != StatusCode::kNotFound) {
    return Err(journal.error());
  }
  RUNNEL_ASSIGN_OR_RETURN(store.journal_, files::JournalFile::Open(journal_path));
  load->cursor = store.cursor_;
  return store;
}

Status CursorStore::Append(const std::string& cursor) {
  std::string record;
  files::AppendJournalRecord(seq_ + 1, cursor, &record);
  RUNNEL_RETURN_IF_ERROR(journal_.Append(record));
  ++seq_;
  cursor_ = cursor;
  return OkStatus();
}

Status CursorStore::Snapshot() {
  if (cursor_.empty()) {
    return OkStatus();
  }
  if (seq_ != snapshot_seq_) {
    std::string text(kMagic);
    text += std::to_string(seq_) + "\n" + cursor_ + "\n";
    RUNNEL_RETURN_IF_ERROR(files::WriteFileAtomically(snapshot_path_, text));
    snapshot_seq_ = seq_;
  }
  return journal_.size() == 0 ? OkStatus() : journal_.Truncate();
}

}  // namespace runnel::plugins::journald
