#pragma once
// The file output: appends events as JSON lines to a file, rotating by size, forcing data to disk
// under its fsync policy. A batch is acknowledged once it is written (and, with fsync = "batch",
// synced). A write that fails half-way is cut back to where the batch began before it is retried,
// so a retry never leaves half a batch behind. Called from one worker thread.

#include <chrono>
#include <string>

#include "file_config.h"
#include "runnel/json_writer.h"
#include "runnel/plugin.h"

namespace runnel::plugins::file {

class FileOutput : public Output {
 public:
  FileOutput(FileConfig config, JsonWriter json, std::string id);
  ~FileOutput() override;

  Status Start() override;
  WriteResult Write(const Batch& batch) override;
  void Stop() override;

 private:
  Status Open();
  // Removes an incomplete last line (left by a crash in the middle of a write) after Open.
  void CutTornTail();
  Status Rotate();
  Status WriteAll(const std::string& data);

  FileConfig config_;
  JsonWriter json_;
  std::string id_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string buffer_;
  std::chrono::steady_clock::time_point last_sync_;
  bool dirty_ = false;
};

}  // namespace runnel::plugins::file
