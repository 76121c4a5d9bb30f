#pragma once
// DeadLetterSink: an output's dead letters, as core and the output itself use them. It owns the
// output's DeadLetterStore, counts dead_letters_total / dead_letters_failed_total and logs
// (rate-limited). The worker puts whole rejected batches here; the plugin, through
// PluginContext::dead_letters, the events its store refused one by one. One per output, kept
// across reloads (the worker owns it, the plugin instances borrow it).
//
// Thread-safe.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "runnel/batch.h"
#include "runnel/buffer/dead_letter.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"
#include "runnel/status.h"

namespace runnel::runtime {

class DeadLetterSink final : public DeadLetters {
 public:
  // `dir` empty: nothing can be stored (every Put fails, counted). `registry` may be null.
  DeadLetterSink(std::string id, std::string dir, MetricsRegistry* registry);

  // The whole batch (zstd-compressed from a disk buffer is stored decompressed).
  Status PutBatch(const Batch& batch, std::string_view reason);
  // Counts and logs a rejected batch that could not be stored for `why` (the output no longer
  // holds it).
  void Lost(uint32_t count, std::string_view reason, std::string_view why);

  Status Put(const Batch& batch, std::span<const uint32_t> positions,
             std::string_view reason) override;

 private:
  Status Store(const Batch& batch, std::string_view reason);

  const std::string id_;
  std::unique_ptr<buffer::DeadLetterStore> store_;
  Counter* total_ = nullptr;
  Counter* failed_ = nullptr;
};

}  // namespace runnel::runtime
