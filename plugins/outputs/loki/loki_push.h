#pragma once
// Loki push bodies (POST /loki/api/v1/push), built from events grouped into streams.
//
// A stream is one label set; its entries are sorted by time (events with the same time keep
// their order), which Loki requires within a stream. Streams appear in the order their first
// event came.
//   JSON:     {"streams":[{"stream":{"app":"x"},"values":[["<unix ns>","<line>"],...]},...]}
//   protobuf: logproto.PushRequest, streams(1) StreamAdapter { labels(1) string in the
//             `{a="b"}` form, entries(2) EntryAdapter { timestamp(1) Timestamp { seconds(1),
//             nanos(2) }, line(2) string } }; fields with their proto3 default (0) are left
//             out. The body is then one snappy block (not the framed format).
// Thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loki_labels.h"
#include "runnel/msgpack.h"
#include "runnel/status.h"

namespace runnel::plugins::loki {

struct PushEntry {
  EventTime time;
  std::string line;
  uint32_t index = 0;  // the event's position in what the streams were built from
};

struct PushStream {
  LabelSet labels;
  std::string selector;  // SelectorString(labels)
  std::vector<PushEntry> entries;
};

// Collects entries into streams by label set.
class StreamGrouper {
 public:
  void Add(LabelSet labels, EventTime time, std::string line, uint32_t index);
  // The streams, each with its entries sorted by time. Leaves the grouper empty.
  std::vector<PushStream> Finish();

 private:
  std::vector<PushStream> streams_;
  std::unordered_map<std::string, size_t> by_selector_;
};

std::string EncodeJsonPush(const std::vector<PushStream>& streams);
// The protobuf PushRequest, not yet compressed.
std::string EncodeProtobufPush(const std::vector<PushStream>& streams);

std::string SnappyCompress(std::string_view data);
// DataLoss when `data` is not a valid snappy block.
Result<std::string> SnappyUncompress(std::string_view data);

}  // namespace runnel::plugins::loki
