#include "runtime/dead_letter_sink.h"

#include <chrono>
#include <utility>

#include "runnel/forward/compression.h"
#include "runnel/logging.h"

namespace runnel::runtime {

namespace {

// The most a zstd entry read back from a disk buffer may decompress to.
constexpr size_t kMaxPlainBytes = 1ull << 30;

}  // namespace

DeadLetterSink::DeadLetterSink(std::string id, std::string dir, MetricsRegistry* registry)
    : id_(std::move(id)) {
  if (registry != nullptr) {
    total_ = registry->GetCounter(
        "dead_letters_total", id_,
        "Batches the output rejected as invalid, stored in the dead-letter directory.");
    failed_ = registry->GetCounter(
        "dead_letters_failed_total", id_,
        "Rejected batches that could not be stored as dead letters (full, write error): lost.");
  }
  if (!dir.empty()) {
    buffer::DeadLetterStoreOptions o;
    o.dir = std::move(dir);
    o.output_id = id_;
    store_ = std::make_unique<buffer::DeadLetterStore>(std::move(o));
  }
}

Status DeadLetterSink::Store(const Batch& batch, std::string_view reason) {
  Status stored = store_ != nullptr ? store_->Put(batch, reason)
                                    : FailedPrecondition("no dead-letter directory is configured");
  if (stored.ok()) {
    if (total_ != nullptr) {
      total_->Add(1);
    }
    RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(10))
        << "rejected " << batch.count << " events: " << reason << "; kept in " << store_->dir()
        << " (dead-letter reinject sends them again)";
    return stored;
  }
  Lost(batch.count, reason, stored.message());
  return stored;
}

void DeadLetterSink::Lost(uint32_t count, std::string_view reason, std::string_view why) {
  if (failed_ != nullptr) {
    failed_->Add(1);
  }
  RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(10))
      << "rejected " << count << " events: " << reason
      << "; they could not be kept as a dead letter and are lost: " << why;
}

Status DeadLetterSink::PutBatch(const Batch& batch, std::string_view reason) {
  if (!batch.zstd) {
    return Store(batch, reason);
  }
  // Kept compressed from the disk buffer: dead letters hold the entries as they are.
  Batch plain;
  plain.tag = batch.tag;
  plain.id = batch.id;
  plain.count = batch.count;
  forward::Decompressor d;
  Status s = d.Decompress(forward::Compression::kZstd, batch.data, kMaxPlainBytes, &plain.data);
  if (!s.ok()) {
    Lost(batch.count, reason, s.message());
    return s;
  }
  return Store(plain, reason);
}

Status DeadLetterSink::Put(const Batch& batch, std::span<const uint32_t> positions,
                           std::string_view reason) {
  Batch part;
  part.tag = batch.tag;
  part.id = batch.id;
  if (batch.zstd) {
    Status s = InvalidArgument("dead letters of single events need the batch decompressed");
    Lost(static_cast<uint32_t>(positions.size()), reason, s.message());
    return s;
  }
  BatchReader reader(batch.data);
  BatchBuilder builder(&part);
  size_t next = 0;
  for (uint32_t i = 0; next < positions.size() && !reader.AtEnd(); ++i) {
    EventTime time;
    std::string_view record;
    const size_t begin = reader.position();
    Status s = reader.Next(&time, &record);
    if (!s.ok()) {
      Lost(static_cast<uint32_t>(positions.size()), reason, s.message());
      return s;
    }
    if (positions[next] == i) {
      builder.AppendEncodedEntry(
          std::string_view(batch.data).substr(begin, reader.position() - begin));
      ++next;
    }
  }
  if (next != positions.size()) {
    Status s = InvalidArgument("dead-letter positions beyond the batch's " +
                               std::to_string(batch.count) + " entries");
    Lost(static_cast<uint32_t>(positions.size()), reason, s.message());
    return s;
  }
  return Store(part, reason);
}

}  // namespace runnel::runtime
