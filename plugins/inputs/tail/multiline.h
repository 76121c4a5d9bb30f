#pragma once
// Multiline grouping for the tail input: consecutive lines of one file that belong together (a
// stack trace) become one record, their texts joined with "\n".
//
// MultilineRules is a small state machine, compiled once from the configuration and immutable
// (safe to share between threads). State 0 is "no group": a line matching one of its rules
// begins a group in that rule's next state; a line matching none is a record of its own. In any
// other state a line matching one of the state's rules joins the group and moves it to the rule's
// next state; a line matching none ends the group, and is then taken as in state 0. A state
// without rules ends its group as soon as it is reached (the last line of a trace is known).
// The built-ins (java, python, go, ruby, dotnet) are such machines written from each runtime's
// documented stack-trace format; "regex" builds one from `start` / `continue` and a mode.
//
// MultilineGrouper applies the rules to one stream of lines. It is pure: lines (with the time
// the caller read them) in, records out through a sink; no clock, no I/O. Bounds: a group
// reaching max_lines or max_bytes is emitted and the next line starts a new group in the same
// state (counted in splits()); a group no line joined for flush_timeout is emitted by Tick().
// Empty lines at the end of an emitted group (a Go panic's separators, a Python traceback's
// before a chained one that did not come) are dropped from its text; they stay covered by its
// offsets. Not thread-safe: one grouper per stream.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/msgpack.h"
#include "runnel/status.h"

namespace re2 {
class RE2;
}

namespace runnel::plugins::tail {

enum class MultilineParser { kJava, kPython, kGo, kRuby, kDotnet, kRegex };
// kContinue: lines matching `continue` join the group. kNotStart: lines not matching `start` do.
enum class MultilineMode { kContinue, kNotStart };

struct MultilineOptions {
  MultilineParser parser = MultilineParser::kRegex;
  std::string start;  // kRegex: RE2; kContinue: optional (empty: any line may begin a group)
  std::string cont;   // kRegex with kContinue: RE2, required
  MultilineMode mode = MultilineMode::kContinue;
  std::chrono::milliseconds flush_timeout{1000};
  uint32_t max_lines = 1000;
  uint64_t max_bytes = 256 * 1024;
};

// "java" -> kJava ...; false for an unknown name.
bool ParseMultilineParser(std::string_view name, MultilineParser* out);

class MultilineRules {
 public:
  // Compiles the built-in or the user's patterns. InvalidArgument naming the pattern ("start",
  // "continue") and RE2's reason when one does not compile, or when "regex" lacks what its mode
  // needs.
  static Result<std::shared_ptr<const MultilineRules>> Compile(const MultilineOptions& options);
  ~MultilineRules();

  const MultilineOptions& options() const { return options_; }

  // The state a line moves a group in `state` to, or -1 when it does not join it (in state 0:
  // when it is a record of its own).
  int Next(int state, std::string_view line) const;
  // Whether `state` ends its group at once (no rules).
  bool Terminal(int state) const;

 private:
  struct Rule {
    std::shared_ptr<const re2::RE2> pattern;  // null: every line
    bool negate = false;
    int next = 0;
  };
  explicit MultilineRules(MultilineOptions options) : options_(std::move(options)) {}
  Status AddRule(int state, std::string_view pattern, int next, bool negate = false);
  int AddState();
  void AddAnyRule(int state, int next);

  MultilineOptions options_;
  std::vector<std::vector<Rule>> states_;
};

// One line given to the grouper. `start` and `end` are the offsets it covers in its file (end:
// just past its newline).
struct GroupLine {
  std::string_view text;
  EventTime time;
  uint64_t start = 0;
  uint64_t end = 0;
};

// One record out of the grouper: a single line, or a group joined with "\n". `text` is valid
// only during the sink's call.
struct GroupedRecord {
  std::string_view text;
  EventTime time;      // of its first line
  uint64_t start = 0;  // offset of its first line
  uint64_t end = 0;    // end of its last line
  uint32_t lines = 0;
  bool split = false;  // ended by max_lines or max_bytes
};

class GroupSink {
 public:
  virtual ~GroupSink() = default;
  virtual void OnRecord(const GroupedRecord& record) = 0;
};

class MultilineGrouper {
 public:
  using Clock = std::chrono::steady_clock;
  explicit MultilineGrouper(std::shared_ptr<const MultilineRules> rules);

  // Takes the next line, read at `now`. Records it completes (the pending group, the line itself
  // when it joins nothing) go to `sink`, in file order.
  void Add(const GroupLine& line, Clock::time_point now, GroupSink& sink);
  // Emits the pending group when no line joined it for flush_timeout. Returns whether it did.
  bool Tick(Clock::time_point now, GroupSink& sink);
  // Emits the pending group, if any (end of a file, shutdown).
  void Finish(GroupSink& sink);

  bool pending() const { return state_ != 0; }
  // The offset where the pending group starts; meaningful while pending().
  uint64_t pending_start() const { return start_; }
  // When the pending group is due (Tick emits it from then on); meaningful while pending().
  Clock::time_point deadline() const { return last_join_ + rules_->options().flush_timeout; }
  // Groups emitted because they reached max_lines or max_bytes.
  uint64_t splits() const { return splits_; }

 private:
  void Begin(const GroupLine& line, int state, Clock::time_point now);
  void Emit(GroupSink& sink, bool split);

  std::shared_ptr<const MultilineRules> rules_;
  int state_ = 0;
  std::string text_;
  EventTime time_;
  uint64_t start_ = 0;
  uint64_t end_ = 0;
  uint32_t lines_ = 0;
  Clock::time_point last_join_;
  uint64_t splits_ = 0;
};

}  // namespace runnel::plugins::tail
