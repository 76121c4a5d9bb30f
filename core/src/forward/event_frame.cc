// DecodeEventFrame: one Forward-protocol event frame, in any carrier mode, to a runnel Batch.
#include <string>

#include "forward/type_names.h"
#include "runnel/forward/frame_decoder.h"

namespace runnel::forward {
namespace {

using internal::WithArticle;

std::string TypeName(const MsgObject& obj) { return WithArticle(MsgTypeName(obj.type)); }

// The helpers below walk a frame (Message, Forward) or the decompressed entries (PackedForward);
// `at` positions count from the start of that buffer. Their messages have no "forward: " prefix:
// the caller says which entry they are about.
Status TooDeep(int max_depth, size_t at) {
  return DataLoss("nesting deeper than " + std::to_string(max_depth) + " at byte " +
                  std::to_string(at));
}

// Skips one object, containers included, failing when it nests deeper than `max_depth`
// (`depth` is the level of the object itself). Recursion is bounded by max_depth.
Status SkipChecked(MsgpackReader& r, int depth, int max_depth) {
  const size_t at = r.position();
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, r.Next());
  if (obj.type != MsgType::kArray && obj.type != MsgType::kMap) {
    return OkStatus();
  }
  if (depth > max_depth) {
    return TooDeep(max_depth, at);
  }
  const uint64_t n = obj.type == MsgType::kMap ? uint64_t{obj.count} * 2 : obj.count;
  for (uint64_t i = 0; i < n; ++i) {
    RUNNEL_RETURN_IF_ERROR(SkipChecked(r, depth + 1, max_depth));
  }
  return OkStatus();
}

bool IsMapTag(uint8_t tag) { return (tag & 0xf0) == 0x80 || tag == 0xde || tag == 0xdf; }

// The time of an entry whose header `obj` (at byte `at`, level `depth`) was just read: an
// EventTime, integer seconds, or Fluent Bit's [time, {metadata}], whose metadata is dropped.
Result<EventTime> ReadEntryTime(MsgpackReader& r, const MsgObject& obj, size_t at, int depth,
                                int max_depth) {
  if (obj.type != MsgType::kArray) {
    return EventTimeFromObject(obj);
  }
  if (depth > max_depth) {
    return Err(TooDeep(max_depth, at));
  }
  if (obj.count != 2) {
    return Err(
        DataLoss("time is an array of " + std::to_string(obj.count) + ", want [time, {metadata}]"));
  }
  RUNNEL_ASSIGN_OR_RETURN(MsgObject t, r.Next());
  RUNNEL_ASSIGN_OR_RETURN(EventTime time, EventTimeFromObject(t));
  if (r.AtEnd()) {
    return Err(DataLoss("msgpack: truncated input at byte " + std::to_string(r.position())));
  }
  if (!IsMapTag(static_cast<uint8_t>(r.data()[r.position()]))) {
    RUNNEL_ASSIGN_OR_RETURN(MsgObject m, r.Next());
    return Err(DataLoss("time metadata is " + TypeName(m) + ", want a map"));
  }
  RUNNEL_RETURN_IF_ERROR(SkipChecked(r, depth + 1, max_depth));
  return time;
}

// Reads the record map that follows, and appends `[time, record]` to `out`, the record copied
// as it is: no allocation beyond the growth of `out`.
Status WriteEntry(MsgpackReader& r, EventTime time, int depth, int max_depth, MsgpackWriter& out) {
  const size_t at = r.position();
  if (r.AtEnd()) {
    return DataLoss("msgpack: truncated input at byte " + std::to_string(at));
  }
  if (!IsMapTag(static_cast<uint8_t>(r.data()[at]))) {
    RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, r.Next());
    return DataLoss("record is " + TypeName(obj) + ", want a map");
  }
  RUNNEL_RETURN_IF_ERROR(SkipChecked(r, depth, max_depth));
  out.ArrayHeader(2);
  out.Time(time);
  out.Raw(r.data().substr(at, r.position() - at));
  return OkStatus();
}

// One `[time, record]` entry at `depth` (the level of the entry array).
Status DecodeEntry(MsgpackReader& r, int depth, int max_depth, MsgpackWriter& out) {
  const size_t at = r.position();
  RUNNEL_ASSIGN_OR_RETURN(MsgObject head, r.Next());
  if (head.type != MsgType::kArray) {
    return DataLoss("entry is " + TypeName(head) + ", want [time, record]");
  }
  if (depth > max_depth) {
    return TooDeep(max_depth, at);
  }
  if (head.count != 2) {
    return DataLoss("entry is an array of " + std::to_string(head.count) + ", want [time, record]");
  }
  const size_t time_at = r.position();
  RUNNEL_ASSIGN_OR_RETURN(MsgObject t, r.Next());
  RUNNEL_ASSIGN_OR_RETURN(EventTime time, ReadEntryTime(r, t, time_at, depth + 1, max_depth));
  return WriteEntry(r, time, depth + 1, max_depth, out);
}

Status EntryError(uint32_t index, const Status& s) {
  return DataLoss("forward: entry " + std::to_string(index) + ": " + s.message());
}

// Decodes every entry of a PackedForward stream in one pass: each entry is validated and
// appended to the batch with its time rewritten as a fixext8 EventTime.
Status DecodePacked(std::string_view entries, int max_depth, Batch* batch) {
  MsgpackReader r(entries);
  MsgpackWriter w(&batch->data);
  // Entries with EventTime keep their size; integer times grow by 5 bytes (rare: Fluentd's
  // old senders), which std::string's doubling absorbs.
  batch->data.reserve(batch->data.size() + entries.size());
  while (!r.AtEnd()) {
    Status s = DecodeEntry(r, 2, max_depth, w);
    if (!s.ok()) {
      return EntryError(batch->count, s);
    }
    ++batch->count;
  }
  return OkStatus();
}

Result<Compression> ParseCompression(std::string_view v) {
  if (v == "gzip") {
    return Compression::kGzip;
  }
  if (v == "zstd") {
    return Compression::kZstd;
  }
  if (v == "text" || v.empty()) {
    return Compression::kNone;
  }
  return Err(
      DataLoss("forward: unsupported compression \"" + std::string(v) + "\" (want gzip or zstd)"));
}

// The option map (or nil) at `r`.
Status ParseOptions(MsgpackReader& r, int max_depth, Options* o) {
  const size_t at = r.position();
  RUNNEL_ASSIGN_OR_RETURN(MsgObject m, r.Next());
  if (m.type == MsgType::kNil) {
    return OkStatus();
  }
  if (m.type != MsgType::kMap) {
    return DataLoss("forward: option is " + TypeName(m) + ", want a map");
  }
  if (max_depth < 2) {
    return TooDeep(max_depth, at).WithPrefix("forward");
  }
  for (uint32_t i = 0; i < m.count; ++i) {
    RUNNEL_ASSIGN_OR_RETURN(MsgObject k, r.Next());
    if (k.type != MsgType::kStr) {
      return DataLoss("forward: option key is " + TypeName(k) + ", want a str");
    }
    if (k.data == "size" || k.data == "chunk" || k.data == "compressed" ||
        k.data == "fluent_signal") {
      RUNNEL_ASSIGN_OR_RETURN(MsgObject v, r.Next());
      const std::string key(k.data);
      if (key == "size" || key == "fluent_signal") {
        if (v.type != MsgType::kInt && v.type != MsgType::kUint) {
          return DataLoss("forward: option " + key + " is " + TypeName(v) + ", want an integer");
        }
        if (v.type == MsgType::kInt && v.i64 < 0) {
          return DataLoss("forward: option " + key + " is negative");
        }
        const uint64_t n = v.type == MsgType::kInt ? static_cast<uint64_t>(v.i64) : v.u64;
        if (key == "size") {
          o->size = n;
        } else if (n != 0) {
          return DataLoss("forward: fluent_signal " + std::to_string(n) +
                          " (metrics or traces) is not supported, only logs (0)");
        }
      } else if (v.type != MsgType::kStr && v.type != MsgType::kBin) {
        return DataLoss("forward: option " + key + " is " + TypeName(v) + ", want a str");
      } else if (key == "chunk") {
        o->chunk.assign(v.data);
      } else {
        RUNNEL_ASSIGN_OR_RETURN(o->compressed, ParseCompression(v.data));
      }
    } else {
      // The frame is level 1, the option map 2, its values 3.
      Status s = SkipChecked(r, 3, max_depth);
      if (!s.ok()) {
        return s.WithPrefix("forward: option");
      }
    }
  }
  return OkStatus();
}

}  // namespace

Result<EventFrame> DecodeEventFrame(std::string_view frame, const DecoderLimits& limits,
                                    Decompressor& decompressor, std::string* scratch) {
  const int max_depth = limits.max_nesting;
  MsgpackReader r(frame);
  RUNNEL_ASSIGN_OR_RETURN(MsgObject top, r.Next());
  if (top.type != MsgType::kArray) {
    return Err(DataLoss("forward: frame is " + TypeName(top) + ", want an array"));
  }
  if (top.count < 2 || top.count > 4) {
    return Err(DataLoss("forward: frame has " + std::to_string(top.count) +
                        " elements, want [tag, entries, option?] or [tag, time, record, option?]"));
  }
  if (max_depth < 1) {
    return Err(TooDeep(max_depth, 0).WithPrefix("forward"));
  }
  EventFrame out;
  RUNNEL_ASSIGN_OR_RETURN(MsgObject tag, r.Next());
  if (tag.type != MsgType::kStr) {
    return Err(DataLoss("forward: tag is " + TypeName(tag) + ", want a str"));
  }
  out.batch.tag.assign(tag.data);
  RUNNEL_ASSIGN_OR_RETURN(MsgObject second, r.Next());
  MsgpackWriter w(&out.batch.data);
  std::string_view packed;
  const uint32_t want_max =
      second.type == MsgType::kArray || second.type == MsgType::kStr || second.type == MsgType::kBin
          ? 3
          : 4;
  if (top.count > want_max || (want_max == 4 && top.count < 3)) {
    return Err(DataLoss(
        "forward: frame has " + std::to_string(top.count) + " elements, " +
        (want_max == 3 ? "want [tag, entries, option?]" : "want [tag, time, record, option?]")));
  }
  if (second.type == MsgType::kArray) {
    out.mode = Mode::kForward;
    if (max_depth < 2) {
      return Err(TooDeep(max_depth, 0).WithPrefix("forward"));
    }
    for (uint32_t i = 0; i < second.count; ++i) {
      Status s = DecodeEntry(r, 3, max_depth, w);
      if (!s.ok()) {
        return Err(EntryError(i, s));
      }
      ++out.batch.count;
    }
  } else if (second.type == MsgType::kStr || second.type == MsgType::kBin) {
    out.mode = Mode::kPackedForward;
    packed = second.data;
  } else {
    out.mode = Mode::kMessage;
    auto time = EventTimeFromObject(second);
    if (!time) {
      return Err(DataLoss("forward: second element is " + TypeName(second) +
                          ", want a time, an array of entries, a bin or a str"));
    }
    Status s = WriteEntry(r, *time, 2, max_depth, w);
    if (!s.ok()) {
      return Err(s.WithPrefix("forward"));
    }
    out.batch.count = 1;
  }
  if (top.count == want_max) {
    RUNNEL_RETURN_IF_ERROR(ParseOptions(r, max_depth, &out.options));
  }
  if (!r.AtEnd()) {
    return Err(DataLoss("forward: " + std::to_string(r.remaining()) +
                        " bytes after the end of the frame"));
  }
  if (out.mode == Mode::kPackedForward) {
    std::string_view entries = packed;
    if (out.options.compressed != Compression::kNone) {
      out.mode = Mode::kCompressedPackedForward;
      Status s = decompressor.Decompress(out.options.compressed, packed,
                                         limits.max_decompressed_bytes, scratch);
      if (!s.ok()) {
        return Err(s.WithPrefix("forward"));
      }
      entries = *scratch;
    }
    RUNNEL_RETURN_IF_ERROR(DecodePacked(entries, max_depth, &out.batch));
    if (out.options.compressed == Compression::kZstd && out.batch.data == entries) {
      out.zstd_payload = std::make_shared<const std::string>(packed);
    }
  }
  if (out.options.size && *out.options.size != out.batch.count) {
    return Err(DataLoss("forward: option size " + std::to_string(*out.options.size) +
                        " does not match the " + std::to_string(out.batch.count) +
                        " entries in the frame"));
  }
  return out;
}

}  // namespace runnel::forward
