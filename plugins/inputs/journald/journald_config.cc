#include "journald_config.h"

namespace runnel::plugins::journald {

Schema JournaldSchema() {
  Schema s;
  s.Optional("files", FieldType::kStringList, "[]",
             "Journal files to read (e.g. a copy written by systemd-journal-remote). When "
             "neither files nor directory is set, the local machine's journal is read (system "
             "and user journals, as journalctl shows them).")
      .Optional("directory", FieldType::kString, "\"\"",
                "A directory of journal files to read, e.g. \"/var/log/journal/<machine-id>\" "
                "or the output directory of systemd-journal-remote. Not with files.")
      .Optional("matches", FieldType::kStringList, "[]",
                "Only entries matching these \"FIELD=value\" terms, e.g. "
                "[\"PRIORITY=3\", \"PRIORITY=4\", \"_TRANSPORT=kernel\"]: terms on the same field "
                "are alternatives, terms on different fields must all hold (journalctl's rule).")
      .Optional("units", FieldType::kStringList, "[]",
                "Only entries of these systemd units, e.g. [\"nginx.service\"] (the same as "
                "matches on _SYSTEMD_UNIT).")
      .Enum("read_from", {"head", "tail"}, "\"head\"",
            "Where reading starts when no cursor was saved yet: \"head\" (the oldest entry "
            "kept) or \"tail\" (only entries written from now on). With a saved cursor, "
            "reading always resumes after the last acknowledged entry.")
      .Optional("lowercase", FieldType::kBool, "false",
                "Lower-case field names (MESSAGE becomes message).")
      .Optional("strip_underscores", FieldType::kBool, "false",
                "Remove the leading underscores of trusted field names (_PID becomes PID). "
                "Address fields such as __CURSOR are never part of the record.")
      .Optional("max_field_bytes", FieldType::kSize, "\"64KiB\"",
                "Longest field value kept. A longer one is cut to this length (counted in "
                "journald_fields_truncated_total).")
      .Range(64, 64ll * 1024 * 1024)
      .Optional("batch_max_events", FieldType::kInt, "1000", "Most entries in one batch.")
      .Range(1, 1'000'000)
      .Optional("batch_max_bytes", FieldType::kSize, "\"1MiB\"",
                "Largest batch (encoded); a batch also ends when the journal has no more "
                "entries for now.")
      .Range(1024, 256ll * 1024 * 1024)
      .Optional("checkpoint_interval", FieldType::kDuration, "\"5s\"",
                "How often the cursor snapshot is rewritten (fsync'ed; also at shutdown). "
                "Acknowledged cursors do not wait for it: each is appended to the cursor "
                "journal as it is acknowledged.")
      .Range(10, 3'600'000)
      .Optional("poll_interval", FieldType::kDuration, "\"250ms\"",
                "Longest wait for new entries before checking again (the journal's change "
                "notification usually wakes the reader earlier).")
      .Range(1, 60'000)
      .Optional("exit_on_eof", FieldType::kBool, "false",
                "Read to the end of the journal, then finish: the process exits once "
                "everything read is acknowledged. For exporting journal files.");
  return s;
}

bool IsJournalFieldName(std::string_view name) {
  if (name.empty() || name.size() > 64 || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

Result<JournaldConfig> ParseJournaldConfig(const ConfigNode& node) {
  JournaldConfig c;
  c.files = node.GetStringList("files");
  c.directory = node.GetString("directory");
  if (!c.files.empty() && !c.directory.empty()) {
    return Err(node.Error("directory", "give files or directory, not both"));
  }
  for (const std::string& f : c.files) {
    if (f.empty()) {
      return Err(node.Error("files", "a file name is empty"));
    }
  }
  c.matches = node.GetStringList("matches");
  for (const std::string& m : c.matches) {
    const size_t eq = m.find('=');
    if (eq == std::string::npos) {
      return Err(node.Error("matches", "'" + m + "' is not FIELD=value, e.g. PRIORITY=3"));
    }
    if (!IsJournalFieldName(std::string_view(m).substr(0, eq))) {
      return Err(node.Error("matches", "'" + m.substr(0, eq) +
                                           "' is not a journal field name (A-Z, 0-9 and _, "
                                           "not starting with a digit, e.g. _SYSTEMD_UNIT)"));
    }
  }
  c.units = node.GetStringList("units");
  for (const std::string& u : c.units) {
    if (u.empty()) {
      return Err(node.Error("units", "a unit name is empty"));
    }
  }
  c.read_from_tail = node.GetString("read_from") == "tail";
  c.lowercase = node.GetBool("lowercase");
  c.strip_underscores = node.GetBool("strip_underscores");
  c.max_field_bytes = node.GetSize("max_field_bytes");
  c.batch_max_events = static_cast<uint32_t>(node.GetInt("batch_max_events"));
  c.batch_max_bytes = node.GetSize("batch_max_bytes");
  c.checkpoint_interval = node.GetDuration("checkpoint_interval");
  c.poll_interval = node.GetDuration("poll_interval");
  c.exit_on_eof = node.GetBool("exit_on_eof");
  if (c.batch_max_events < 1) {
    return Err(node.Error("batch_max_events", "must be positive"));
  }
  if (c.max_field_bytes < 1) {
    return Err(node.Error("max_field_bytes", "must be positive"));
  }
  return c;
}

}  // namespace runnel::plugins::journald
