#include "tail_config.h"

#include "runnel/files/fingerprint.h"

namespace runnel::plugins::tail {

Schema TailSchema() {
  Schema s;
  s.Required("paths", FieldType::kStringList,
             "Glob patterns of the files to read, e.g. [\"/var/log/app/*.log\"] (glob(3): *, ?, "
             "[...], {a,b}; no **). Matching files that appear while running are picked up at "
             "the next rescan.")
      .EnumNoDefault("preset", {"kubernetes"},
                     "Defaults for a kind of log. \"kubernetes\": a node's container logs, with "
                     "paths = [\"/var/log/containers/*.log\"] (where the kubelet links them): "
                     "format = \"container\" and kubernetes_metadata = true; keys set "
                     "explicitly win.")
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
                "once everything read is acknowledged. For batch jobs and tests.")
      .EnumNoDefault("format", {"text", "cri", "docker", "container"},
                     "What a line is. \"text\" (the default): the line is the record. \"cri\": "
                     "a CRI container log line (containerd, CRI-O), \"<time> <stream> <P|F> "
                     "<log>\": partial (P) lines are joined up to their full (F) line, the "
                     "record's time is the first line's and it gets a \"stream\" field. "
                     "\"docker\": Docker's json-file lines, {\"log\",\"stream\",\"time\"}: "
                     "pieces of a long line (a log not ending in a newline) are joined until "
                     "one ends in a newline, which is removed. \"container\": docker for a line "
                     "that starts with '{', cri otherwise. A line not in its format is counted "
                     "in tail_rejected_lines_total and skipped. preset = \"kubernetes\" makes "
                     "\"container\" the default.")
      .Optional("max_joined_bytes", FieldType::kSize, "\"1MiB\"",
                "Largest container log record joined from partial lines; a longer one is "
                "emitted at this size and the rest starts a new record (counted in "
                "tail_split_records_total).")
      .Range(1024, 64ll * 1024 * 1024)
      .OptionalNoDefault("kubernetes_metadata", FieldType::kBool,
                         "Add the fields namespace, pod, container and container_id taken from "
                         "the file name the kubelet gives a container's log, "
                         "<pod>_<namespace>_<container>-<64 hex id>.log. A file whose name does "
                         "not have that shape is read without them (logged once, counted in "
                         "tail_metadata_misses_total). Default false; true with preset = "
                         "\"kubernetes\".")
      .EnumNoDefault("multiline.parser", {"java", "python", "go", "ruby", "dotnet", "regex"},
                     "Joins the lines of a stack trace (or any multiline message) into one "
                     "record, joined with \"\\n\" into `key`. Built-ins for Java, Python, Go "
                     "panics, Ruby and .NET traces; \"regex\" uses multiline.start and "
                     "multiline.continue. With a container format it applies to the joined "
                     "container lines, per stream. Absent: every line is a record.")
      .OptionalNoDefault("multiline.start", FieldType::kString,
                         "multiline.parser = \"regex\": an RE2 regex (matched anywhere in the "
                         "line unless anchored with ^) of the first line of a record. With mode "
                         "\"continue\" it is optional: without it any line may begin a record; "
                         "with it a line matching neither start nor continue is a record of its "
                         "own, emitted at once.")
      .OptionalNoDefault("multiline.continue", FieldType::kString,
                         "multiline.parser = \"regex\", mode \"continue\": an RE2 regex of the "
                         "lines that are appended to the record before them, e.g. '^\\s' "
                         "(indented lines).")
      .Enum("multiline.mode", {"continue", "not_start"}, "\"continue\"",
            "multiline.parser = \"regex\": \"continue\" appends the lines matching "
            "multiline.continue; \"not_start\" appends every line not matching "
            "multiline.start.")
      .Optional("multiline.flush_timeout", FieldType::kDuration, "\"1s\"",
                "A record being joined is emitted once no line joined it for this long (the "
                "last trace of a burst does not wait for the next line).")
      .Range(1, 3'600'000)
      .Optional("multiline.max_lines", FieldType::kInt, "1000",
                "Most lines in one record; a longer group is emitted and its rest starts a new "
                "record (counted in tail_split_records_total).")
      .Range(1, 1'000'000)
      .Optional("multiline.max_bytes", FieldType::kSize, "\"256KiB\"",
                "Largest joined record; a longer group is emitted and its rest starts a new "
                "record (counted in tail_split_records_total).")
      .Range(1024, 64ll * 1024 * 1024);
  return s;
}

namespace {

// Whether `key` was written in the config (a default's position is the component's).
bool SetByUser(const ConfigNode& node, const std::string& key) {
  if (!node.Has(key)) {
    return false;
  }
  const SourceLocation& at = node.LocationOf(key);
  const SourceLocation& component = node.location();
  return at.file != component.file || at.line != component.line || at.column != component.column;
}

Status ParseMultiline(const ConfigNode& node, TailConfig* c) {
  static const char* const kKeys[] = {"multiline.start",     "multiline.continue",
                                      "multiline.mode",      "multiline.flush_timeout",
                                      "multiline.max_lines", "multiline.max_bytes"};
  if (!node.Has("multiline.parser")) {
    for (const char* key : kKeys) {
      if (SetByUser(node, key)) {
        return node.Error(key, "is only used with multiline.parser");
      }
    }
    return OkStatus();
  }
  MultilineOptions o;
  (void)ParseMultilineParser(node.GetString("multiline.parser"), &o.parser);
  o.mode = node.GetString("multiline.mode") == "not_start" ? MultilineMode::kNotStart
                                                           : MultilineMode::kContinue;
  if (node.Has("multiline.start")) {
    o.start = node.GetString("multiline.start");
  }
  if (node.Has("multiline.continue")) {
    o.cont = node.GetString("multiline.continue");
  }
  o.flush_timeout = node.GetDuration("multiline.flush_timeout");
  o.max_lines = static_cast<uint32_t>(node.GetInt("multiline.max_lines"));
  o.max_bytes = node.GetSize("multiline.max_bytes");
  if (o.parser != MultilineParser::kRegex) {
    for (const char* key : {"multiline.start", "multiline.continue", "multiline.mode"}) {
      if (SetByUser(node, key)) {
        return node.Error(key, std::string("is only used with multiline.parser = \"regex\" "
                                           "(multiline.parser is \"") +
                                   node.GetString("multiline.parser") + "\")");
      }
    }
  } else {
    if (o.mode == MultilineMode::kNotStart && SetByUser(node, "multiline.continue")) {
      return node.Error("multiline.continue",
                        "is not used with multiline.mode = \"not_start\" (lines not matching "
                        "multiline.start are appended)");
    }
    if (o.start.empty() && SetByUser(node, "multiline.start")) {
      return node.Error("multiline.start", "must not be empty");
    }
    if (o.cont.empty() && SetByUser(node, "multiline.continue")) {
      return node.Error("multiline.continue", "must not be empty");
    }
  }
  Result<std::shared_ptr<const MultilineRules>> rules = MultilineRules::Compile(o);
  if (!rules) {
    // "multiline.start: does not compile: ..." or "multiline.X is required ...".
    const std::string& m = rules.error().message();
    for (const std::string key : {"multiline.start", "multiline.continue"}) {
      if (m.starts_with(key + ": ")) {
        return node.Error(key, m.substr(key.size() + 2));
      }
    }
    return node.Error("multiline.parser", m);
  }
  c->multiline = std::move(*rules);
  return OkStatus();
}

}  // namespace

Result<TailConfig> ParseTailConfig(const ConfigNode& node) {
  TailConfig c;
  const bool kubernetes = node.Has("preset") && node.GetString("preset") == "kubernetes";
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
  const std::string format =
      node.Has("format") ? node.GetString("format") : (kubernetes ? "container" : "text");
  c.format = format == "cri"         ? LineFormat::kCri
             : format == "docker"    ? LineFormat::kDocker
             : format == "container" ? LineFormat::kContainer
                                     : LineFormat::kText;
  c.max_joined_bytes = node.GetSize("max_joined_bytes");
  if (SetByUser(node, "max_joined_bytes") && c.format == LineFormat::kText) {
    return Err(node.Error("max_joined_bytes",
                          "is only used with a container format (format = "
                          "\"cri\", \"docker\" or \"container\")"));
  }
  c.kubernetes_metadata =
      node.Has("kubernetes_metadata") ? node.GetBool("kubernetes_metadata") : kubernetes;
  if (c.key.empty()) {
    return Err(node.Error("key", "must not be empty"));
  }
  // The fields the formats and the metadata add must not be the line's or the path's.
  std::vector<std::string> added;
  if (c.format != LineFormat::kText) {
    added.push_back(kStreamKey);
  }
  if (c.kubernetes_metadata) {
    added.insert(added.end(), {kNamespaceKey, kPodKey, kContainerKey, kContainerIdKey});
  }
  for (const std::string& field : added) {
    for (const char* k : {"key", "path_key"}) {
      if (node.GetString(k) == field) {
        return Err(node.Error(k, "'" + field + "' is a field the " +
                                     (field == kStreamKey ? std::string("format")
                                                          : std::string("kubernetes metadata")) +
                                     " adds; choose another name"));
      }
    }
  }
  RUNNEL_RETURN_IF_ERROR(ParseMultiline(node, &c));
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
