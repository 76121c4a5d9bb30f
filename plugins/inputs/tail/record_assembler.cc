#include "record_assembler.h"

#include <algorithm>
#include <utility>

#include "container_line.h"
#include "runnel/logging.h"

namespace runnel::plugins::tail {
namespace {

// Streams a file may have: a container runtime writes stdout and stderr; more is a broken file.
constexpr size_t kMaxStreams = 4;

class StreamSink final : public GroupSink {
 public:
  StreamSink(RecordSink& out, std::string_view stream, Counter* splits)
      : out_(out), stream_(stream), splits_(splits) {}
  void OnRecord(const GroupedRecord& r) override {
    if (r.split && splits_ != nullptr) {
      splits_->Add();
    }
    out_.OnRecord(AssembledRecord{r.text, r.time, stream_});
  }

 private:
  RecordSink& out_;
  std::string_view stream_;
  Counter* splits_;
};

}  // namespace

struct RecordAssembler::Stream {
  std::string name;
  std::unique_ptr<MultilineGrouper> grouper;  // null without multiline rules
  // The partial pieces joined so far (container formats).
  bool partial = false;
  std::string text;
  EventTime time;
  uint64_t start = 0;
  uint64_t end = 0;
  Clock::time_point since;  // when the last piece came
};

RecordAssembler::RecordAssembler(const TailConfig& config, AssemblerCounters counters,
                                 std::string component, std::string log_name)
    : config_(config),
      counters_(counters),
      component_(std::move(component)),
      log_name_(std::move(log_name)) {}

RecordAssembler::~RecordAssembler() = default;

RecordAssembler::Stream* RecordAssembler::StreamFor(std::string_view name) {
  for (auto& s : streams_) {
    if (s->name == name) {
      return s.get();
    }
  }
  if (streams_.size() >= kMaxStreams) {
    return nullptr;
  }
  auto s = std::make_unique<Stream>();
  s->name = std::string(name);
  if (config_.multiline != nullptr) {
    s->grouper = std::make_unique<MultilineGrouper>(config_.multiline);
  }
  streams_.push_back(std::move(s));
  return streams_.back().get();
}

void RecordAssembler::Reject(Counter* counter, const char* reason) {
  if (counter != nullptr) {
    counter->Add();
  }
  RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
      << log_name_ << ": a line skipped: " << reason;
}

void RecordAssembler::Add(std::string_view line, uint64_t start, uint64_t end, EventTime read_time,
                          Clock::time_point now, RecordSink& sink) {
  if (config_.format == LineFormat::kText) {
    Stream* s = streams_.empty() ? StreamFor("") : streams_.front().get();
    Deliver(*s, line, read_time, start, end, now, sink);
    return;
  }
  arena_.Reset();
  ContainerLine c;
  c.time = read_time;
  if (const char* why = DecodeContainerLine(config_.format, line, arena_, &c); why != nullptr) {
    Reject(c.docker ? counters_.rejected_docker : counters_.rejected_cri, why);
    return;
  }
  Stream* s = StreamFor(c.stream);
  if (s == nullptr) {
    Reject(c.docker ? counters_.rejected_docker : counters_.rejected_cri,
           "more than 4 stream names in one file");
    return;
  }
  if (!s->partial && !c.partial) {
    Deliver(*s, c.log, c.time, start, end, now, sink);
    return;
  }
  if (s->partial && s->text.size() + c.log.size() > config_.max_joined_bytes) {
    EmitPartial(*s, now, sink, /*split=*/true);
  }
  if (!s->partial) {
    s->partial = true;
    s->text.clear();
    s->time = c.time;
    s->start = start;
  }
  // A piece alone longer than the limit is cut (only a runtime's bug makes one).
  s->text.append(c.log.substr(0, config_.max_joined_bytes - s->text.size()));
  s->end = end;
  s->since = now;
  if (!c.partial) {
    s->partial = false;
    Deliver(*s, s->text, s->time, s->start, s->end, now, sink);
  }
}

void RecordAssembler::EmitPartial(Stream& s, Clock::time_point now, RecordSink& sink, bool split) {
  if (split && counters_.splits != nullptr) {
    counters_.splits->Add();
  }
  s.partial = false;
  Deliver(s, s.text, s.time, s.start, s.end, now, sink);
}

void RecordAssembler::Deliver(Stream& s, std::string_view text, EventTime time, uint64_t start,
                              uint64_t end, Clock::time_point now, RecordSink& sink) {
  if (s.grouper == nullptr) {
    sink.OnRecord(AssembledRecord{text, time, s.name});
    return;
  }
  StreamSink out(sink, s.name, counters_.splits);
  s.grouper->Add(GroupLine{text, time, start, end}, now, out);
}

void RecordAssembler::Tick(Clock::time_point now, RecordSink& sink) {
  for (auto& s : streams_) {
    if (s->partial && now - s->since >= config_.partial_line_timeout) {
      EmitPartial(*s, now, sink, /*split=*/false);
    }
    if (s->grouper != nullptr) {
      StreamSink out(sink, s->name, counters_.splits);
      s->grouper->Tick(now, out);
    }
  }
}

void RecordAssembler::Finish(RecordSink& sink) {
  for (auto& s : streams_) {
    if (s->partial) {
      EmitPartial(*s, Clock::time_point{}, sink, /*split=*/false);
    }
    if (s->grouper != nullptr) {
      StreamSink out(sink, s->name, counters_.splits);
      s->grouper->Finish(out);
    }
  }
}

bool RecordAssembler::pending() const {
  return std::any_of(streams_.begin(), streams_.end(), [](const auto& s) {
    return s->partial || (s->grouper != nullptr && s->grouper->pending());
  });
}

uint64_t RecordAssembler::SafeOffset(uint64_t consumed) const {
  uint64_t safe = consumed;
  for (const auto& s : streams_) {
    if (s->partial) {
      safe = std::min(safe, s->start);
    }
    if (s->grouper != nullptr && s->grouper->pending()) {
      safe = std::min(safe, s->grouper->pending_start());
    }
  }
  return safe;
}

}  // namespace runnel::plugins::tail
