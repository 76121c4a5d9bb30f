// FrameDecoder: finds the end of each msgpack object in a stream, resuming where it stopped.
#include "runnel/forward/frame_decoder.h"

#include <cstring>

#include "forward/type_names.h"

namespace runnel::forward {
namespace {

// What one msgpack header says about the object it starts.
struct Header {
  size_t header_len = 1;
  uint64_t payload = 0;   // bytes after the header (str/bin/ext data, number bytes)
  uint64_t children = 0;  // objects that follow inside (map: 2 per pair)
  bool container = false;
  bool is_array = false;
};

uint64_t ReadBE(const char* p, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) {
    v = (v << 8) | static_cast<uint8_t>(p[i]);
  }
  return v;
}

// Reads the header at buf[p]: its value, std::nullopt when more bytes are needed.
Result<std::optional<Header>> PeekHeader(std::string_view buf, size_t p, size_t frame_pos) {
  const auto tag = static_cast<uint8_t>(buf[p]);
  const size_t avail = buf.size() - p;
  Header h;
  // Length-prefixed: `lw` length bytes after the tag (and `extra` bytes, the ext type, after).
  auto with_len = [&](int lw, int extra) -> std::optional<Header> {
    if (avail < static_cast<size_t>(1 + lw)) {
      return std::nullopt;
    }
    h.header_len = 1 + lw + extra;
    h.payload = ReadBE(buf.data() + p + 1, lw);
    return h;
  };
  auto with_count = [&](int lw, bool is_map) -> std::optional<Header> {
    if (avail < static_cast<size_t>(1 + lw)) {
      return std::nullopt;
    }
    h.header_len = 1 + lw;
    h.container = true;
    h.is_array = !is_map;
    uint64_t n = ReadBE(buf.data() + p + 1, lw);
    h.children = is_map ? n * 2 : n;
    return h;
  };
  if (tag <= 0x7f || tag >= 0xe0 || tag == 0xc0 || tag == 0xc2 || tag == 0xc3) {
    return h;
  }
  if ((tag & 0xf0) == 0x80 || (tag & 0xf0) == 0x90) {
    h.container = true;
    h.is_array = (tag & 0xf0) == 0x90;
    h.children = (tag & 0x0f) * (h.is_array ? 1 : 2);
    return h;
  }
  if ((tag & 0xe0) == 0xa0) {
    h.payload = tag & 0x1f;
    return h;
  }
  switch (tag) {
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return with_len(1 << (tag - 0xc4), 0);
    case 0xc7:
    case 0xc8:
    case 0xc9:
      return with_len(1 << (tag - 0xc7), 1);
    case 0xca:
      h.payload = 4;
      return h;
    case 0xcb:
      h.payload = 8;
      return h;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
      h.payload = 1u << (tag - 0xcc);
      return h;
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      h.payload = 1u << (tag - 0xd0);
      return h;
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      h.header_len = 2;
      h.payload = 1u << (tag - 0xd4);
      return h;
    case 0xd9:
    case 0xda:
    case 0xdb:
      return with_len(1 << (tag - 0xd9), 0);
    case 0xdc:
      return with_count(2, false);
    case 0xdd:
      return with_count(4, false);
    case 0xde:
      return with_count(2, true);
    case 0xdf:
      return with_count(4, true);
    default:
      return Err(DataLoss("forward: invalid msgpack type byte 0xc1 at byte " +
                          std::to_string(frame_pos) + " of the frame"));
  }
}

std::string_view TypeOfTag(uint8_t tag) {
  if (tag <= 0x7f || tag >= 0xe0 || (tag >= 0xcc && tag <= 0xd3)) {
    return "int";
  }
  if ((tag & 0xf0) == 0x80 || tag == 0xde || tag == 0xdf) {
    return "map";
  }
  if ((tag & 0xe0) == 0xa0 || (tag >= 0xd9 && tag <= 0xdb)) {
    return "str";
  }
  if (tag == 0xc2 || tag == 0xc3) {
    return "bool";
  }
  if (tag >= 0xc4 && tag <= 0xc6) {
    return "bin";
  }
  if (tag == 0xca || tag == 0xcb) {
    return "float";
  }
  return "ext";
}

using internal::WithArticle;

Status TooLarge(size_t limit) {
  return DataLoss("forward: frame exceeds the limit of " + std::to_string(limit) + " bytes");
}

constexpr size_t kCompactAt = 64 * 1024;
// A connection that once carried a big frame does not keep its buffers for ever: above this
// capacity an emptied buffer is given back.
constexpr size_t kKeepCapacity = 1 << 20;

void ClearAndTrim(std::string* s) {
  if (s->capacity() > kKeepCapacity) {
    std::string().swap(*s);
  } else {
    s->clear();
  }
}

}  // namespace

FrameDecoder::FrameDecoder(DecoderLimits limits, Side side) : limits_(limits), side_(side) {}

void FrameDecoder::Feed(std::string_view bytes) { buffer_.append(bytes); }

Result<bool> FrameDecoder::Scan() {
  const size_t max = limits_.max_frame_bytes;
  while (true) {
    if (scan_ >= buffer_.size()) {
      return false;
    }
    const size_t frame_pos = scan_ - start_;
    RUNNEL_ASSIGN_OR_RETURN(std::optional<Header> h, PeekHeader(buffer_, scan_, frame_pos));
    if (!h) {
      if (buffer_.size() - start_ > max) {
        return Err(TooLarge(max));
      }
      return false;
    }
    if (pending_.empty()) {  // a frame starts here
      const auto tag = static_cast<uint8_t>(buffer_[scan_]);
      if (tag == 0xc0) {  // keepalive
        start_ = ++scan_;
        continue;
      }
      const bool is_map = h->container && !h->is_array;
      if (!h->is_array && !(is_map && side_ == Side::kClient)) {
        return Err(DataLoss("forward: frame is " + WithArticle(TypeOfTag(tag)) + ", want " +
                            (side_ == Side::kClient ? "an array or a map" : "an array")));
      }
    }
    // Each child takes at least one byte, so a count too large for the limit is an error now.
    if (h->payload > max || h->children > max || frame_pos + h->header_len + h->payload > max ||
        frame_pos + h->header_len + h->children > max) {
      return Err(TooLarge(max));
    }
    const size_t end = scan_ + h->header_len + static_cast<size_t>(h->payload);
    if (end > buffer_.size()) {
      return false;
    }
    const size_t depth = pending_.size() + 1;
    if (!pending_.empty()) {
      --pending_.back();
    }
    if (h->container) {
      if (depth > static_cast<size_t>(limits_.max_nesting)) {
        return Err(DataLoss("forward: frame nesting deeper than " +
                            std::to_string(limits_.max_nesting) + " at byte " +
                            std::to_string(frame_pos) + " of the frame"));
      }
      if (h->children > 0) {
        pending_.push_back(h->children);
      }
    }
    scan_ = end;
    while (!pending_.empty() && pending_.back() == 0) {
      pending_.pop_back();
    }
    if (pending_.empty()) {
      return true;
    }
  }
}

Result<std::optional<std::string_view>> FrameDecoder::NextRaw() {
  if (!error_.ok()) {
    return Err(error_);
  }
  if (consumed_) {
    consumed_ = false;
    start_ = scan_;
    if (start_ == buffer_.size()) {
      ClearAndTrim(&buffer_);
      start_ = scan_ = 0;
    } else if (start_ >= kCompactAt && start_ >= buffer_.size() / 2) {
      buffer_.erase(0, start_);
      scan_ -= start_;
      start_ = 0;
    }
  }
  auto done = Scan();
  if (!done) {
    error_ = done.error();
    return Err(error_);
  }
  if (!*done) {
    if (start_ == buffer_.size()) {  // only keepalives so far
      ClearAndTrim(&buffer_);
      start_ = scan_ = 0;
    }
    return std::nullopt;
  }
  consumed_ = true;
  return std::string_view(buffer_).substr(start_, scan_ - start_);
}

Result<std::optional<EventFrame>> FrameDecoder::Next() {
  RUNNEL_ASSIGN_OR_RETURN(std::optional<std::string_view> raw, NextRaw());
  if (!raw) {
    return std::nullopt;
  }
  auto frame = DecodeEventFrame(*raw, limits_, decompressor_, &scratch_);
  ClearAndTrim(&scratch_);
  if (!frame) {
    error_ = frame.error();
    return Err(error_);
  }
  return std::optional<EventFrame>(std::move(*frame));
}

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kMessage:
      return "Message";
    case Mode::kForward:
      return "Forward";
    case Mode::kPackedForward:
      return "PackedForward";
    case Mode::kCompressedPackedForward:
      return "CompressedPackedForward";
  }
  return "unknown";
}

}  // namespace runnel::forward
