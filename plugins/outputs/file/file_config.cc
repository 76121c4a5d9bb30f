#include "file_config.h"

#include "runnel/json_writer.h"

namespace runnel::plugins::file {

Schema FileSchema() {
  Schema s;
  s.Required("path", FieldType::kString,
             "File the events are appended to, one JSON object per line. Missing parent "
             "directories are created.")
      .Optional("max_bytes", FieldType::kSize, "0",
                "Rotate when the file would grow past this size: path becomes path.1, path.1 "
                "becomes path.2 ... 0 never rotates.")
      .Optional("max_files", FieldType::kInt, "5",
                "How many rotated files (path.1 .. path.N) are kept; older ones are deleted.")
      .Range(1, 1000)
      .Enum("fsync", {"batch", "interval", "never"}, "\"interval\"",
            "When data is forced to disk. \"batch\": before each batch is acknowledged (nothing "
            "acknowledged is lost even on power loss); \"interval\": at most every "
            "fsync_interval (a crash of the process loses nothing, a crash of the machine may "
            "lose the last interval); \"never\": left to the kernel.")
      .Optional("fsync_interval", FieldType::kDuration, "\"1s\"",
                "With fsync = \"interval\": the longest time between two fsyncs.")
      .Range(1, 3'600'000);
  JsonWriter::AddSchemaFields(s);
  return s;
}

Result<FileConfig> ParseFileConfig(const ConfigNode& node) {
  FileConfig c;
  c.path = node.GetString("path");
  if (c.path.empty()) {
    return Err(node.Error("path", "must not be empty"));
  }
  if (c.path.back() == '/') {
    return Err(node.Error("path", "names a directory; give a file name"));
  }
  c.max_bytes = node.GetSize("max_bytes");
  c.max_files = node.GetInt("max_files");
  const std::string& f = node.GetString("fsync");
  c.fsync = f == "batch" ? FsyncPolicy::kBatch
            : f == "never" ? FsyncPolicy::kNever
                           : FsyncPolicy::kInterval;
  c.fsync_interval = node.GetDuration("fsync_interval");
  return c;
}

}  // namespace runnel::plugins::file
