#pragma once
// The receiver side of the Fluent Forward protocol v1: turns a byte stream into frames.
//
// A frame is one msgpack object. FrameDecoder finds where each one ends as bytes arrive (it
// resumes where it stopped, so feeding one byte at a time costs the same as one big Feed), and
// DecodeEventFrame turns an event frame in any of the four carrier modes into a runnel Batch:
//   Message                 [tag, time, record, option?]
//   Forward                 [tag, [[time, record], ...], option?]
//   PackedForward           [tag, bin|str <<entries>>, option?]
//   CompressedPackedForward [tag, bin <<gzip|zstd entries>>, {"compressed": "gzip"|"zstd", ...}]
// `time` is an EventTime (ext type 0, fixext8 or ext8), an integer of seconds, or Fluent Bit's
// [time, {metadata}] (the metadata is dropped). A msgpack nil between frames is a keepalive and
// is skipped. Options read: size (checked against the entry count), chunk (to ack), compressed
// ("gzip", "zstd", or "text"/"" for none) and fluent_signal (only 0, logs, is accepted); other
// keys are skipped.
//
// Errors are DataLoss with a message saying what is wrong and where, for example
//   "forward: frame exceeds the limit of 67108864 bytes"
//   "forward: frame nesting deeper than 32 at byte 40 of the frame"
//   "forward: frame is a map, want an array"
//   "forward: entry 3: record is a str, want a map"
//   "forward: gzip: decompressed data exceeds the limit of 268435456 bytes"
//   "forward: option size 3 does not match the 2 entries in the frame"
// After one the stream cannot be resynchronised and the decoder keeps returning that error
// (close the connection). Thread-compatible: one decoder per connection.
//
// Cost: the PackedForward path validates and copies each entry into the batch in one pass,
// rewriting only its time; it allocates nothing per record.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/batch.h"
#include "runnel/forward/compression.h"
#include "runnel/status.h"

namespace runnel::forward {

struct DecoderLimits {
  // A frame larger than this is an error as soon as that is known: a str/bin/array/map header
  // announcing more, or more bytes buffered without the frame ending.
  size_t max_frame_bytes = 64 << 20;
  // The most bytes one CompressedPackedForward frame may decompress to.
  size_t max_decompressed_bytes = 256 << 20;
  // The deepest nesting of arrays and maps, the frame's own array counting as 1.
  int max_nesting = 32;
};

// Which end of a connection reads with the decoder. A server reads requests: arrays (events,
// PING) and nil keepalives. A client reads responses: arrays (HELO, PONG) and maps (acks).
enum class Side : uint8_t { kServer, kClient };

enum class Mode : uint8_t { kMessage, kForward, kPackedForward, kCompressedPackedForward };

std::string_view ModeName(Mode mode);

// The options of an event frame that the protocol defines; others are ignored.
struct Options {
  std::optional<uint64_t> size;  // `size`: the number of entries the sender says it sent
  std::string chunk;             // `chunk`: the id to send back in the ack; empty when absent
  Compression compressed = Compression::kNone;
};

struct EventFrame {
  Mode mode = Mode::kMessage;
  // tag, count and data (`[EventTime, {record}]` entries, times always as fixext8 EventTime,
  // ready for BatchReader). The id is left zero and the ack handle empty.
  Batch batch;
  Options options;
  // CompressedPackedForward with zstd whose entries needed no rewriting (a runnel sender): the
  // compressed payload as received, which decompresses to exactly batch.data. A disk buffer or a
  // forward output can keep it instead of compressing again (Batch::zstd_form).
  std::shared_ptr<const std::string> zstd_payload;
};

// Decodes one complete event frame (the bytes of one msgpack array). `decompressor` is used for
// CompressedPackedForward; its scratch output is reused between calls.
Result<EventFrame> DecodeEventFrame(std::string_view frame, const DecoderLimits& limits,
                                    Decompressor& decompressor, std::string* scratch);

// Splits a stream into frames and decodes event frames.
//   decoder.Feed(bytes_from_socket);
//   while (true) {
//     auto frame = decoder.Next();
//     if (!frame) { close(frame.error()); break; }
//     if (!*frame) break;            // need more bytes
//     Deliver(std::move(**frame));
//   }
class FrameDecoder {
 public:
  explicit FrameDecoder(DecoderLimits limits = {}, Side side = Side::kServer);

  // Appends bytes from the stream. Cheap; no parsing happens here.
  void Feed(std::string_view bytes);

  // The bytes of the next complete frame (keepalive nils skipped), std::nullopt when more
  // bytes are needed, or DataLoss (frame too large, nesting too deep, invalid msgpack, a top-level
  // value other than an array, or on the client side a map). The view stays valid until the next
  // Feed or Next* call. Use it for handshake messages (PING, PONG, HELO) and acks; Next() for
  // events.
  Result<std::optional<std::string_view>> NextRaw();

  // The next event frame, std::nullopt when more bytes are needed, or DataLoss.
  Result<std::optional<EventFrame>> Next();

  // Bytes received and not yet returned in a frame.
  size_t buffered() const { return buffer_.size() - start_; }
  const DecoderLimits& limits() const { return limits_; }

 private:
  // Advances the scan over buffer_ from scan_; true when the frame at start_ is complete.
  Result<bool> Scan();

  DecoderLimits limits_;
  Side side_;
  std::string buffer_;
  size_t start_ = 0;  // where the current frame begins
  size_t scan_ = 0;   // the next header to read
  // Elements still expected at each open container level of the current frame.
  std::vector<uint64_t> pending_;
  bool consumed_ = false;  // the last frame returned is still at start_..scan_
  Status error_;
  Decompressor decompressor_;
  std::string scratch_;
};

}  // namespace runnel::forward
