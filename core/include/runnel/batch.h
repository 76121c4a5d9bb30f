#pragma once
// Batch: the unit that flows through the pipeline, buffers, travels and is acknowledged.
// Its payload is msgpack Forward entries, `[EventTime, {record}]` concatenated: the same bytes
// in memory, in the disk buffer and on the wire.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "runnel/ack.h"
#include "runnel/msgpack.h"

namespace runnel {

struct BatchId {
  uint64_t hi = 0;
  uint64_t lo = 0;

  static BatchId Random();  // 128 random bits from a per-thread generator
  std::string ToHex() const;
  friend bool operator==(const BatchId&, const BatchId&) = default;
};

struct Batch {
  std::string tag;
  BatchId id;
  uint32_t count = 0;  // number of entries in `data`
  std::string data;    // msgpack Forward entries (or one zstd frame of them, see `zstd`)
  AckHandle ack;
  // `data` is one zstd frame of the entries. Only a disk buffer makes such batches, kept
  // compressed as stored, and only for an output that takes them (Output::takes_zstd).
  bool zstd = false;
  // When set, one zstd form of `data` (which it decompresses to exactly), kept from where the
  // batch came compressed (a forward input receiving a runnel agent's frame). A disk buffer
  // stores it and a forward output with zstd sends it, instead of compressing again. Whoever
  // changes `data` must drop it; a filter chain builds new batches without it.
  std::shared_ptr<const std::string> zstd_form;

  size_t bytes() const { return data.size(); }
};

// Appends entries to a batch. Not thread-safe.
//   BatchBuilder b(&batch);
//   b.BeginEntry(time, 2); b.writer().Str("log"); b.writer().Str(line); ...
class BatchBuilder {
 public:
  explicit BatchBuilder(Batch* batch) : batch_(batch), writer_(&batch->data) {}

  // Starts `[time, {` with a map of `fields` pairs; the caller writes exactly that many pairs.
  void BeginEntry(EventTime time, uint32_t fields) {
    writer_.ArrayHeader(2);
    writer_.Time(time);
    writer_.MapHeader(fields);
    ++batch_->count;
  }
  // Appends one complete entry that is already encoded.
  void AppendEncodedEntry(std::string_view entry) {
    writer_.Raw(entry);
    ++batch_->count;
  }
  MsgpackWriter& writer() { return writer_; }

 private:
  Batch* batch_;
  MsgpackWriter writer_;
};

// Reads the entries of a batch, zero-copy: Next() gives the time and the raw bytes of the record.
class BatchReader {
 public:
  explicit BatchReader(std::string_view data) : reader_(data) {}
  bool AtEnd() const { return reader_.AtEnd(); }
  // The byte offset of the next entry in `data`: with the offset after Next, the entry's bytes.
  size_t position() const { return reader_.position(); }
  // DataLoss when the entry is not `[time, map]`.
  Status Next(EventTime* time, std::string_view* record);

 private:
  MsgpackReader reader_;
};

}  // namespace runnel
