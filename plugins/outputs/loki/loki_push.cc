#include "loki_push.h"

#include <snappy.h>

#include <algorithm>

#include "runnel/json_writer.h"

namespace runnel::plugins::loki {
namespace {

// Protobuf wire types.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutTag(uint32_t field, uint32_t wire_type, std::string* out) {
  PutVarint((field << 3) | wire_type, out);
}

size_t LengthDelimitedSize(size_t payload) { return 1 + VarintSize(payload) + payload; }

size_t TimestampSize(EventTime t) {
  size_t n = 0;
  if (t.sec != 0) {
    n += 1 + VarintSize(t.sec);
  }
  if (t.nsec != 0) {
    n += 1 + VarintSize(t.nsec);
  }
  return n;
}

size_t EntrySize(const PushEntry& e) {
  return LengthDelimitedSize(TimestampSize(e.time)) + LengthDelimitedSize(e.line.size());
}

void PutBytesField(uint32_t field, std::string_view bytes, std::string* out) {
  PutTag(field, kLengthDelimited, out);
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

}  // namespace

void StreamGrouper::Add(LabelSet labels, EventTime time, std::string line, uint32_t index) {
  std::string selector = SelectorString(labels);
  auto [it, inserted] = by_selector_.try_emplace(selector, streams_.size());
  if (inserted) {
    streams_.push_back({std::move(labels), std::move(selector), {}});
  }
  streams_[it->second].entries.push_back({time, std::move(line), index});
}

std::vector<PushStream> StreamGrouper::Finish() {
  for (PushStream& s : streams_) {
    std::stable_sort(
        s.entries.begin(), s.entries.end(),
        [](const PushEntry& a, const PushEntry& b) { return a.time.ToNanos() < b.time.ToNanos(); });
  }
  by_selector_.clear();
  return std::move(streams_);
}

std::string EncodeJsonPush(const std::vector<PushStream>& streams) {
  std::string out = "{\"streams\":[";
  for (size_t s = 0; s < streams.size(); ++s) {
    const PushStream& stream = streams[s];
    out += s == 0 ? "{\"stream\":{" : ",{\"stream\":{";
    for (size_t i = 0; i < stream.labels.size(); ++i) {
      if (i > 0) {
        out.push_back(',');
      }
      JsonWriter::AppendString(stream.labels[i].first, &out);
      out.push_back(':');
      JsonWriter::AppendString(stream.labels[i].second, &out);
    }
    out += "},\"values\":[";
    for (size_t e = 0; e < stream.entries.size(); ++e) {
      const PushEntry& entry = stream.entries[e];
      out += e == 0 ? "[\"" : ",[\"";
      out += std::to_string(entry.time.ToNanos());
      out += "\",";
      JsonWriter::AppendString(entry.line, &out);
      out.push_back(']');
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string EncodeProtobufPush(const std::vector<PushStream>& streams) {
  std::string out;
  for (const PushStream& stream : streams) {
    size_t stream_size = LengthDelimitedSize(stream.selector.size());
    for (const PushEntry& e : stream.entries) {
      stream_size += LengthDelimitedSize(EntrySize(e));
    }
    PutTag(1, kLengthDelimited, &out);  // PushRequest.streams
    PutVarint(stream_size, &out);
    PutBytesField(1, stream.selector, &out);  // StreamAdapter.labels
    for (const PushEntry& e : stream.entries) {
      PutTag(2, kLengthDelimited, &out);  // StreamAdapter.entries
      PutVarint(EntrySize(e), &out);
      PutTag(1, kLengthDelimited, &out);  // EntryAdapter.timestamp
      PutVarint(TimestampSize(e.time), &out);
      if (e.time.sec != 0) {
        PutTag(1, kVarint, &out);  // Timestamp.seconds
        PutVarint(e.time.sec, &out);
      }
      if (e.time.nsec != 0) {
        PutTag(2, kVarint, &out);  // Timestamp.nanos
        PutVarint(e.time.nsec, &out);
      }
      PutBytesField(2, e.line, &out);  // EntryAdapter.line
    }
  }
  return out;
}

std::string SnappyCompress(std::string_view data) {
  std::string out;
  snappy::Compress(data.data(), data.size(), &out);
  return out;
}

Result<std::string> SnappyUncompress(std::string_view data) {
  std::string out;
  if (!snappy::IsValidCompressedBuffer(data.data(), data.size()) ||
      !snappy::Uncompress(data.data(), data.size(), &out)) {
    return Err(DataLoss("not a valid snappy block"));
  }
  return out;
}

}  // namespace runnel::plugins::loki
