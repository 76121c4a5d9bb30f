#include "multiline.h"

#include <re2/re2.h>

#include <utility>

namespace runnel::plugins::tail {
namespace {

// A Java exception line: "java.lang.IllegalStateException: boom", "Exception in thread "main"
// java.lang.OutOfMemoryError: Java heap space", "com.acme.Fault" (a package-qualified class
// whose name ends in Exception, Error or Throwable).
constexpr std::string_view kJavaException =
    R"(^(Exception in thread "[^"]*" )?([A-Za-z_$][\w$]*\.)+[\w$]*(Exception|Error|Throwable)(: .*)?\s*$)";
constexpr std::string_view kPythonTraceback = R"(^Traceback \(most recent call last\):\s*$)";
// A .NET exception line: "System.InvalidOperationException: ...", optionally after the
// runtime's "Unhandled exception. ".
constexpr std::string_view kDotnetException =
    R"(^(Unhandled exception\. )?([A-Za-z_]\w*\.)+\w*Exception(: .*)?\s*$)";

}  // namespace

bool ParseMultilineParser(std::string_view name, MultilineParser* out) {
  static constexpr std::pair<std::string_view, MultilineParser> kNames[] = {
      {"java", MultilineParser::kJava},     {"python", MultilineParser::kPython},
      {"go", MultilineParser::kGo},         {"ruby", MultilineParser::kRuby},
      {"dotnet", MultilineParser::kDotnet}, {"regex", MultilineParser::kRegex},
  };
  for (const auto& [n, p] : kNames) {
    if (n == name) {
      *out = p;
      return true;
    }
  }
  return false;
}

MultilineRules::~MultilineRules() = default;

int MultilineRules::AddState() {
  states_.emplace_back();
  return static_cast<int>(states_.size()) - 1;
}

Status MultilineRules::AddRule(int state, std::string_view pattern, int next, bool negate) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re =
      std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return InvalidArgument("does not compile: " + re->error());
  }
  states_[state].push_back(Rule{std::move(re), negate, next});
  return OkStatus();
}

void MultilineRules::AddAnyRule(int state, int next) {
  states_[state].push_back(Rule{nullptr, false, next});
}

Result<std::shared_ptr<const MultilineRules>> MultilineRules::Compile(
    const MultilineOptions& options) {
  std::shared_ptr<MultilineRules> r(new MultilineRules(options));
  const int none = r->AddState();  // 0
  // The built-in patterns are constants that compile; a failure would be a bug.
  Status s;
  auto add = [&](int state, std::string_view pattern, int next) {
    if (s.ok()) {
      s = r->AddRule(state, pattern, next);
    }
  };
  switch (options.parser) {
    case MultilineParser::kJava: {
      // A message line may precede the exception line ("ERROR failed" + trace): any line is
      // held as a candidate until the next one tells.
      const int candidate = r->AddState();
      const int trace = r->AddState();
      add(none, kJavaException, trace);
      add(none, R"(^\S)", candidate);
      add(candidate, kJavaException, trace);
      add(candidate, R"(^\s+at \S)", trace);
      add(trace, R"(^\s+at \S)", trace);
      add(trace, R"(^\s+\.\.\. \d+ (more|common frames omitted)\s*$)", trace);
      add(trace, R"(^\s*Caused by: )", trace);
      add(trace, R"(^\s*Suppressed: )", trace);
      break;
    }
    case MultilineParser::kPython: {
      const int candidate = r->AddState();
      const int frames = r->AddState();
      const int last = r->AddState();   // after the exception line
      const int gap = r->AddState();    // an empty line after it: a chained traceback may follow
      const int chain = r->AddState();  // after "During handling ..." / "The above exception ..."
      add(none, kPythonTraceback, frames);
      add(none, R"(^\S)", candidate);
      add(candidate, kPythonTraceback, frames);
      add(frames, R"(^\s+\S)", frames);
      add(frames, R"(^[A-Za-z_][\w.]*(:.*)?$)", last);
      add(last, R"(^\s*$)", gap);
      add(gap, R"(^During handling of the above exception, another exception occurred:\s*$)",
          chain);
      add(gap, R"(^The above exception was the direct cause of the following exception:\s*$)",
          chain);
      add(chain, R"(^\s*$)", chain);
      add(chain, kPythonTraceback, frames);
      break;
    }
    case MultilineParser::kGo: {
      const int header = r->AddState();  // after "panic: ..." / "fatal error: ..."
      const int gap = r->AddState();     // after an empty line
      const int func = r->AddState();    // a function line expected
      const int file = r->AddState();    // its "\t/path/file.go:12 +0x1d" line expected
      const int end = r->AddState();     // "exit status 2" (go run): the end
      add(none, R"(^panic: )", header);
      add(none, R"(^fatal error: )", header);
      add(header, R"(^\s*$)", gap);
      add(header, R"(^\s+panic: )", header);
      add(header, R"(^\[signal )", header);
      add(header, R"(^goroutine \d+ \[[^\]]*\]:\s*$)", func);
      add(gap, R"(^goroutine \d+ \[[^\]]*\]:\s*$)", func);
      add(gap, R"(^runtime stack:\s*$)", func);
      add(gap, R"(^exit status \d+\s*$)", end);
      add(func, R"(^created by )", file);
      add(func, R"(^\S.*\)\s*$)", file);
      add(func, R"(^\.\.\.additional frames elided\.\.\.\s*$)", func);
      add(func, R"(^\s*$)", gap);
      add(func, R"(^exit status \d+\s*$)", end);
      add(file, R"(^\t\S)", func);
      break;
    }
    case MultilineParser::kRuby: {
      const int trace = r->AddState();
      add(none, R"(^\S.*:\d+:in [`'][^']*': .*\([A-Z][\w:]*\)\s*$)", trace);
      add(trace, R"(^\s+from \S)", trace);
      add(trace, R"(^\s+\.\.\. \d+ levels\.\.\.\s*$)", trace);
      break;
    }
    case MultilineParser::kDotnet: {
      const int trace = r->AddState();
      add(none, kDotnetException, trace);
      add(trace, R"(^\s+at \S)", trace);
      add(trace, R"(^\s*---> )", trace);
      add(trace, R"(^\s*--- End of inner exception stack trace ---\s*$)", trace);
      add(trace, R"(^\s*--- End of stack trace from previous location)", trace);
      break;
    }
    case MultilineParser::kRegex: {
      const int group = r->AddState();
      if (options.mode == MultilineMode::kNotStart) {
        if (options.start.empty()) {
          return Err(
              InvalidArgument("multiline.start is required when multiline.mode = "
                              "\"not_start\""));
        }
        r->AddAnyRule(none, group);
        if (Status st = r->AddRule(group, options.start, group, /*negate=*/true); !st.ok()) {
          return Err(st.WithPrefix("multiline.start"));
        }
        break;
      }
      if (options.cont.empty()) {
        return Err(
            InvalidArgument("multiline.continue is required when multiline.parser = "
                            "\"regex\" and multiline.mode = \"continue\""));
      }
      if (Status st = r->AddRule(group, options.cont, group); !st.ok()) {
        return Err(st.WithPrefix("multiline.continue"));
      }
      if (options.start.empty()) {
        r->AddAnyRule(none, group);
      } else {
        if (Status st = r->AddRule(none, options.start, group); !st.ok()) {
          return Err(st.WithPrefix("multiline.start"));
        }
        // A continuation line with no group to join (the rest of a split group, a file read from
        // the middle of a trace) begins one, so what follows it stays together.
        (void)r->AddRule(none, options.cont, group);
      }
      break;
    }
  }
  if (!s.ok()) {
    return Err(Internal("built-in multiline pattern: " + s.message()));
  }
  return std::shared_ptr<const MultilineRules>(std::move(r));
}

int MultilineRules::Next(int state, std::string_view line) const {
  for (const Rule& rule : states_[state]) {
    bool match = rule.pattern == nullptr ||
                 RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *rule.pattern);
    if (match != rule.negate) {
      return rule.next;
    }
  }
  return -1;
}

bool MultilineRules::Terminal(int state) const { return state != 0 && states_[state].empty(); }

MultilineGrouper::MultilineGrouper(std::shared_ptr<const MultilineRules> rules)
    : rules_(std::move(rules)) {}

void MultilineGrouper::Begin(const GroupLine& line, int state, Clock::time_point now) {
  state_ = state;
  text_.assign(line.text);
  time_ = line.time;
  start_ = line.start;
  end_ = line.end;
  lines_ = 1;
  last_join_ = now;
}

void MultilineGrouper::Emit(GroupSink& sink, bool split) {
  // Empty lines the group took in case more of it followed, and none did.
  size_t size = text_.size();
  while (size > 0 && text_[size - 1] == '\n') {
    --size;
  }
  if (split) {
    ++splits_;
  }
  state_ = 0;
  sink.OnRecord(
      GroupedRecord{std::string_view(text_).substr(0, size), time_, start_, end_, lines_, split});
  if (text_.capacity() > 2 * rules_->options().max_bytes) {
    std::string().swap(text_);
  }
}

void MultilineGrouper::Add(const GroupLine& line, Clock::time_point now, GroupSink& sink) {
  const MultilineOptions& o = rules_->options();
  if (state_ != 0) {
    int next = rules_->Next(state_, line.text);
    if (next >= 0) {
      if (lines_ + 1 > o.max_lines || text_.size() + 1 + line.text.size() > o.max_bytes) {
        Emit(sink, /*split=*/true);
        Begin(line, next, now);
      } else {
        text_.push_back('\n');
        text_.append(line.text);
        end_ = line.end;
        ++lines_;
        state_ = next;
        last_join_ = now;
      }
      if (rules_->Terminal(state_)) {
        Emit(sink, /*split=*/false);
      }
      return;
    }
    Emit(sink, /*split=*/false);
  }
  int next = rules_->Next(0, line.text);
  if (next < 0) {
    sink.OnRecord(GroupedRecord{line.text, line.time, line.start, line.end, 1, false});
    return;
  }
  Begin(line, next, now);
  if (rules_->Terminal(state_)) {
    Emit(sink, /*split=*/false);
  }
}

bool MultilineGrouper::Tick(Clock::time_point now, GroupSink& sink) {
  if (state_ == 0 || now < deadline()) {
    return false;
  }
  Emit(sink, /*split=*/false);
  return true;
}

void MultilineGrouper::Finish(GroupSink& sink) {
  if (state_ != 0) {
    Emit(sink, /*split=*/false);
  }
}

}  // namespace runnel::plugins::tail
