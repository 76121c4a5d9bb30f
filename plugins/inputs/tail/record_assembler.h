#pragma once
// RecordAssembler: turns the lines of one file generation into records when lines are not
// records one for one: container runtime lines (format = "cri", "docker", "container") are
// decoded and their partial pieces joined per stream, then multiline rules (if any) group the
// joined lines, per stream. Pure apart from its counters: lines in (with the time they were
// read and the caller's steady-clock now), records out through a sink; no I/O, no clock.
//
// Offsets: every record covers a contiguous part of the file. SafeOffset() is where a checkpoint
// may be: the start of the earliest piece or group still being joined, or what was consumed
// when nothing is, so a group is never cut by a restart: it is read again whole.
//
// Not thread-safe: the tail reader thread owns it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "multiline.h"
#include "runnel/arena.h"
#include "runnel/metrics.h"
#include "runnel/msgpack.h"
#include "tail_config.h"

namespace runnel::plugins::tail {

struct AssembledRecord {
  std::string_view text;  // valid during the sink's call
  EventTime time;         // the record's time: its first line's (as read, or as the runtime wrote)
  std::string_view stream;  // "stdout" / "stderr" with a container format; "" otherwise
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void OnRecord(const AssembledRecord& record) = 0;
};

struct AssemblerCounters {
  Counter* splits = nullptr;           // records ended by max_lines / max_bytes / max_joined_bytes
  Counter* rejected_cri = nullptr;     // lines that are not CRI lines
  Counter* rejected_docker = nullptr;  // lines that are not Docker json-file lines
};

class RecordAssembler {
 public:
  using Clock = std::chrono::steady_clock;
  // `config` must outlive the assembler. `log_name`: the file, for rate-limited warnings;
  // `component`: the input's id.
  RecordAssembler(const TailConfig& config, AssemblerCounters counters, std::string component,
                  std::string log_name);
  ~RecordAssembler();

  // One line of the file: `start` is the offset where it begins, line.end_offset where it ends.
  void Add(std::string_view line, uint64_t start, uint64_t end, EventTime read_time,
           Clock::time_point now, RecordSink& sink);
  // Emits what has waited long enough: groups past multiline.flush_timeout, partial container
  // lines past partial_line_timeout.
  void Tick(Clock::time_point now, RecordSink& sink);
  // Emits everything pending (the file is let go, the input stops).
  void Finish(RecordSink& sink);

  bool pending() const;
  // `consumed` (the end of the last line given), or the start of the earliest pending piece.
  uint64_t SafeOffset(uint64_t consumed) const;

 private:
  struct Stream;
  Stream* StreamFor(std::string_view name);
  // A complete (joined) line of a stream, to its grouper or straight out.
  void Deliver(Stream& s, std::string_view text, EventTime time, uint64_t start, uint64_t end,
               Clock::time_point now, RecordSink& sink);
  void EmitPartial(Stream& s, Clock::time_point now, RecordSink& sink, bool split);
  void Reject(Counter* counter, const char* reason);

  const TailConfig& config_;
  AssemblerCounters counters_;
  std::string component_;
  std::string log_name_;
  std::vector<std::unique_ptr<Stream>> streams_;
  Arena arena_{4096};  // a decoded line's unescaped text; reset per line
};

}  // namespace runnel::plugins::tail
