#include "tail_config.h"

#include "runnel/files/fingerprint.h"

namespace runnel::plugins::tail {

Schema TailSchema() {
  Schema s;
  s.Required("paths", FieldType::kStringList,
             "Glob patterns of the files to read, e.g. [\"/var/log/app/*.log\"] (glob(3): *, ?, "
             "[...], {a,b}; no **). Matching files that appear while running are picked up at "
             "the next rescan.")
      .Optional("exclude", FieldType::kStringList, "[]",
                "Glob patterns of files not to read. A pattern with a '/' is matched against the "
                "whole path, one without against the file name (e.g. \"*.gz\").")
      .Enum("read_from", {"head", "tail"}, "\"head\"",
            "Where a file found at start-up and not in the checkpoint is read from: \"head\" "
            "(its first line) or \"tail\" (only lines written from now on). Files that appear "
            "while running are always read from their first line.")
      .Optional("refresh_interval", FieldType::kDuration, "\"1s\"",
                "How often the globs are expanded again to find new, renamed and deleted files.")
      .Range(10, 3'600'000)
      .Optional("poll_interval", FieldType::kDuration, "\"250ms\"",
                "How long the reader sleeps when no file had new data. Each poll costs one "
                "fstat per file.")
      .Range(1, 60'000)
      .Optional("rotate_wait", FieldType::kDuration, "\"5s\"",
                "A file renamed away (or deleted) is read to its end and released once it has "
                "had no new data for this long, so lines its writer adds before reopening are "
                "not lost.")
      .Range(0, 3'600'000)
      .Optional("partial_line_timeout", FieldType::kDuration, "\"5s\"",
                "A last line without its newline is emitted as it is once no data came for this "
                "long.")
      .Range(0, 3'600'000)
      .Optional("checkpoint_interval", FieldType::kDuration, "\"5s\"",
                "How often the checkpoint snapshot is rewritten (fsync'ed; also at shutdown, and "
                "early once its journal has grown by 1MiB). Acknowledged offsets do not wait "
                "for it: each one is appended to the checkpoint journal as it is acknowledged.")
      .Range(10, 3'600'000)
      .Optional("fingerprint_bytes", FieldType::kSize, "256",
                "How many first bytes of a file identify it, with its device and inode: a "
                "reused inode or a file rewritten in place is told from the old one by these "
                "bytes, and a copy of a file being read (copytruncate) is recognised by them.")
      .Range(16, files::kMaxFingerprintBytes)
      .Optional("max_line_bytes", FieldType::kSize, "\"64KiB\"",
                "Longest line emitted. A longer line is cut to this length and emitted, the "
                "rest up to its newline is skipped (counted in tail_lines_truncated_total).")
      .Range(16, 64ll * 1024 * 1024)
      .Optional("read_block_bytes", FieldType::kSize, "\"256KiB\"",
                "How much is read from a file at once.")
      .Range(4096, 64ll * 1024 * 1024)
      .Optional("batch_max_events", FieldType::kInt, "2048", "Most lines in one batch.")
      .Range(1, 1'000'000)
      .Optional("batch_max_bytes", FieldType::kSize, "\"1MiB\"",
                "Largest batch (encoded); a batch also ends at the end of a file's new data.")
      .Range(1024, 256ll * 1024 * 1024)
      .Optional("key", FieldType::kString, "\"log\"", "The record field that holds the line.")
      .Optional("path_key", FieldType::kString, "\"path\"",
                "The record field that holds the file's path; \"\" leaves it out.")
      .Optional("exit_on_eof", FieldType::kBool, "false",
                "Read the files found at start-up to their end, then finish: the process exits "
                "once everything read is acknowledged. For batch jobs and tests.");
  return s;
}

Result<TailConfig> ParseTailConfig(const ConfigNode& node) {
  TailConfig c;
  c.paths = node.GetStringList("paths");
  if (c.paths.empty()) {
    return Err(node.Error("paths", "give at least one glob pattern"));
  }
  for (const std::string& p : c.paths) {
    if (p.empty()) {
      return Err(node.Error("paths", "a pattern is empty"));
    }
    if (p.back() == '/') {
      return Err(node.Error(
          "paths", "'" + p + "' names a directory; add a file pattern, e.g. '" + p + "*.log'"));
    }
  }
  c.exclude = node.GetStringList("exclude");
  for (const std::string& p : c.exclude) {
    if (p.empty()) {
      return Err(node.Error("exclude", "a pattern is empty"));
    }
  }
  c.read_from_tail = node.GetString("read_from") == "tail";
  c.refresh_interval = node.GetDuration("refresh_interval");
  c.poll_interval = node.GetDuration("poll_interval");
  c.rotate_wait = node.GetDuration("rotate_wait");
  c.partial_line_timeout = node.GetDuration("partial_line_timeout");
  c.checkpoint_interval = node.GetDuration("checkpoint_interval");
  c.fingerprint_bytes = static_cast<uint32_t>(node.GetSize("fingerprint_bytes"));
  c.max_line_bytes = node.GetSize("max_line_bytes");
  c.read_block_bytes = node.GetSize("read_block_bytes");
  c.batch_max_events = static_cast<uint32_t>(node.GetInt("batch_max_events"));
  c.batch_max_bytes = node.GetSize("batch_max_bytes");
  c.key = node.GetString("key");
  c.path_key = node.GetString("path_key");
  c.exit_on_eof = node.GetBool("exit_on_eof");
  if (c.key.empty()) {
    return Err(node.Error("key", "must not be empty"));
  }
  if (c.key == c.path_key) {
    return Err(node.Error("path_key", "must differ from key ('" + c.key + "')"));
  }
  // Bounds in case the loader did not apply the schema's ranges.
  if (c.fingerprint_bytes < 1 || c.fingerprint_bytes > files::kMaxFingerprintBytes) {
    return Err(node.Error("fingerprint_bytes", "must be between 16 and 4096"));
  }
  if (c.max_line_bytes < 1) {
    return Err(node.Error("max_line_bytes", "must be positive"));
  }
  if (c.read_block_bytes < 1) {
    return Err(node.Error("read_block_bytes", "must be positive"));
  }
  if (c.batch_max_events < 1) {
    return Err(node.Error("batch_max_events", "must be positive"));
  }
  return c;
}

}  // namespace runnel::plugins::tail
