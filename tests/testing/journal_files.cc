#include "tests/testing/journal_files.h"

#include <unistd.h>

#include <atomic>

#include "tests/testing/file_helpers.h"
#include "tests/testing/process.h"

namespace runnel::testing {

bool JournalRemoteFound() { return access(kJournalRemote, X_OK) == 0; }

std::string ExportFormat(const std::vector<ExportEntry>& entries) {
  std::string out;
  for (const ExportEntry& e : entries) {
    out += "__REALTIME_TIMESTAMP=" + std::to_string(e.realtime_usec) + "\n";
    for (const auto& [name, value] : e.fields) {
      bool binary = false;
      for (unsigned char c : value) {
        binary = binary || c == '\n' || c < 0x20;
      }
      if (!binary) {
        out += name + "=" + value + "\n";
        continue;
      }
      out += name + "\n";
      uint64_t n = value.size();
      for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
      }
      out += value + "\n";
    }
    out += "\n";
  }
  return out;
}

Status AppendToJournal(const std::string& journal, const std::vector<ExportEntry>& entries) {
  static std::atomic<int> counter{0};
  const std::string base = journal + ".export-" + std::to_string(counter++);
  if (!WriteFile(base, ExportFormat(entries))) {
    return Internal("cannot write " + base);
  }
  Result<Process> p =
      Process::Spawn({{kJournalRemote, "-o", journal, base}, "", base + ".stderr", ""});
  if (!p) {
    return p.error();
  }
  Result<ExitStatus> exit = p->Wait(std::chrono::seconds(60));
  const std::string err = ReadFileOrEmpty(base + ".stderr");
  unlink(base.c_str());
  unlink((base + ".stderr").c_str());
  if (!exit) {
    return exit.error();
  }
  if (!exit->exited || exit->code != 0) {
    return Internal("systemd-journal-remote: " + exit->ToString() + ": " + err);
  }
  return OkStatus();
}

}  // namespace runnel::testing
