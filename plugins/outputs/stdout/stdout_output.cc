// The stdout output: every event as one JSON object per line on standard output.
#include <unistd.h>

#include <cerrno>

#include "runnel/json_writer.h"
#include "runnel/registry.h"

namespace runnel::plugins {
namespace stdout_output {
namespace {

class StdoutOutput : public Output {
 public:
  explicit StdoutOutput(JsonWriter json) : json_(std::move(json)) {}

  WriteResult Write(const Batch& batch) override {
    buffer_.clear();
    Status s = json_.AppendBatchLines(batch, &buffer_);
    if (!s.ok()) {
      return WriteResult::Rejected(s.message());
    }
    size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(STDOUT_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        // What was written stays written; a retry repeats the whole batch (at least once).
        return WriteResult::Retry(ErrnoStatus("write to stdout", errno).message());
      }
      done += static_cast<size_t>(n);
    }
    return WriteResult::Delivered();
  }

 private:
  JsonWriter json_;
  std::string buffer_;
};

}  // namespace
}  // namespace stdout_output

void RegisterStdoutOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "stdout";
  info.kind = PluginKind::kOutput;
  info.description = "Writes every event to standard output as one JSON object per line.";
  info.stability = Stability::kStable;
  JsonWriter::AddSchemaFields(info.schema);
  info.create_output = [](const ConfigNode& config,
                          PluginContext&) -> Result<std::unique_ptr<Output>> {
    return std::make_unique<stdout_output::StdoutOutput>(JsonWriter::FromConfig(config));
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins
