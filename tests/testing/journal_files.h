#pragma once
// Real systemd journal files for tests, written by systemd-journal-remote (Debian package
// systemd-journal-remote) from the Journal Export Format
// (https://systemd.io/JOURNAL_EXPORT_FORMATS/): each entry is "NAME=value" lines, a binary
// field is NAME, '\n', its length as little-endian u64, the bytes and '\n', and a blank line
// ends the entry. __REALTIME_TIMESTAMP sets the entry's time.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/status.h"

namespace runnel::testing {

// Where systemd-journal-remote is installed.
inline constexpr const char* kJournalRemote = "/lib/systemd/systemd-journal-remote";
bool JournalRemoteFound();

struct ExportEntry {
  uint64_t realtime_usec = 0;
  std::vector<std::pair<std::string, std::string>> fields;  // in order; repeats allowed
};

// The entries in the Journal Export Format (binary form for values with a newline or a
// control byte).
std::string ExportFormat(const std::vector<ExportEntry>& entries);

// Appends the entries to the journal file `journal` (created when missing) by running
// systemd-journal-remote on an export file written next to it. Errors: the tool failed (its
// stderr in the message).
Status AppendToJournal(const std::string& journal, const std::vector<ExportEntry>& entries);

}  // namespace runnel::testing
