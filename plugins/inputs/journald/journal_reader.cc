#include "journal_reader.h"

#include <systemd/sd-journal.h>

#include <cstdlib>
#include <string>

namespace runnel::plugins::journald {
namespace {

// A negative errno from libsystemd as a Status: "what: strerror".
Status SdError(int r, const std::string& what) { return ErrnoStatus(what, -r); }

}  // namespace

struct JournalReader::Impl {
  sd_journal* j = nullptr;
  // After SeekAfterCursor found nothing to skip: the entry already under the read position is
  // the next one Next() returns.
  bool current_is_next = false;

  ~Impl() {
    if (j != nullptr) {
      sd_journal_close(j);
    }
  }
};

JournalReader::JournalReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JournalReader::~JournalReader() = default;

Result<std::unique_ptr<JournalReader>> JournalReader::Open(const JournalSource& source) {
  auto impl = std::make_unique<Impl>();
  int r = 0;
  if (!source.files.empty()) {
    std::vector<const char*> paths;
    for (const std::string& f : source.files) {
      paths.push_back(f.c_str());
    }
    paths.push_back(nullptr);
    r = sd_journal_open_files(&impl->j, paths.data(), 0);
    if (r < 0) {
      std::string names;
      for (const std::string& f : source.files) {
        names += (names.empty() ? "" : ", ") + f;
      }
      return Err(SdError(r, "cannot open the journal files " + names));
    }
  } else if (!source.directory.empty()) {
    r = sd_journal_open_directory(&impl->j, source.directory.c_str(), 0);
    if (r < 0) {
      return Err(SdError(r, "cannot open the journal directory " + source.directory));
    }
  } else {
    r = sd_journal_open(&impl->j, SD_JOURNAL_LOCAL_ONLY);
    if (r < 0) {
      return Err(SdError(r, "cannot open the local journal"));
    }
  }
  for (const std::string& m : source.matches) {
    r = sd_journal_add_match(impl->j, m.data(), m.size());
    if (r < 0) {
      return Err(SdError(r, "match '" + m + "'"));
    }
  }
  // Values are cut by the input itself; the library is asked for whole fields.
  (void)sd_journal_set_data_threshold(impl->j, 0);
  return std::unique_ptr<JournalReader>(new JournalReader(std::move(impl)));
}

Status JournalReader::SeekHead() {
  impl_->current_is_next = false;
  const int r = sd_journal_seek_head(impl_->j);
  return r < 0 ? SdError(r, "seeking to the journal's head") : OkStatus();
}

Status JournalReader::SeekTail() {
  impl_->current_is_next = false;
  int r = sd_journal_seek_tail(impl_->j);
  if (r < 0) {
    return SdError(r, "seeking to the journal's tail");
  }
  // sd_journal_seek_tail positions after the last entry only once a step is taken: stepping
  // back onto it makes the next sd_journal_next() return the first new entry.
  r = sd_journal_previous(impl_->j);
  return r < 0 ? SdError(r, "seeking to the journal's tail") : OkStatus();
}

Status JournalReader::SeekAfterCursor(const std::string& cursor, bool* found) {
  impl_->current_is_next = false;
  *found = false;
  int r = sd_journal_seek_cursor(impl_->j, cursor.c_str());
  if (r < 0) {
    return SdError(r, "seeking to the saved cursor");
  }
  r = sd_journal_next(impl_->j);
  if (r < 0) {
    return SdError(r, "reading the journal");
  }
  if (r == 0) {
    // Nothing at or after the cursor's position: new entries come next.
    return OkStatus();
  }
  r = sd_journal_test_cursor(impl_->j, cursor.c_str());
  if (r > 0) {
    *found = true;  // on the acknowledged entry: Next() moves past it
  } else {
    impl_->current_is_next = true;  // the entry it names is gone; this one was not read
  }
  return OkStatus();
}

Result<bool> JournalReader::Next() {
  if (impl_->current_is_next) {
    impl_->current_is_next = false;
    return true;
  }
  const int r = sd_journal_next(impl_->j);
  if (r < 0) {
    return Err(SdError(r, "reading the journal"));
  }
  return r > 0;
}

Result<uint64_t> JournalReader::RealtimeMicros() {
  uint64_t usec = 0;
  const int r = sd_journal_get_realtime_usec(impl_->j, &usec);
  if (r < 0) {
    return Err(SdError(r, "reading an entry's time"));
  }
  return usec;
}

Result<std::string> JournalReader::Cursor() {
  char* cursor = nullptr;
  const int r = sd_journal_get_cursor(impl_->j, &cursor);
  if (r < 0) {
    return Err(SdError(r, "reading an entry's cursor"));
  }
  std::string out(cursor);
  free(cursor);
  return out;
}

Status JournalReader::ForEachField(
    const std::function<void(std::string_view name, std::string_view value)>& fn) {
  sd_journal_restart_data(impl_->j);
  const void* data = nullptr;
  size_t length = 0;
  int r = 0;
  while ((r = sd_journal_enumerate_data(impl_->j, &data, &length)) > 0) {
    const std::string_view field(static_cast<const char*>(data), length);
    const size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      continue;  // not NAME=value: libsystemd checks this, so it cannot happen
    }
    fn(field.substr(0, eq), field.substr(eq + 1));
  }
  return r < 0 ? SdError(r, "reading an entry's fields") : OkStatus();
}

Status JournalReader::Wait(std::chrono::milliseconds timeout) {
  const int r = sd_journal_wait(impl_->j, static_cast<uint64_t>(timeout.count()) * 1000);
  return r < 0 ? SdError(r, "waiting for the journal") : OkStatus();
}

}  // namespace runnel::plugins::journald
