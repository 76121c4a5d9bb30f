#include "loki_response.h"

#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace runnel::plugins::loki {
namespace {

using http_client::Outcome;
using http_client::Response;

constexpr size_t kReasonBodyBytes = 512;

// What a 400 says about one stream.
struct StreamReport {
  std::vector<std::string> entry_lines;  // "entry with timestamp ... ignored, reason: '...'"
  std::optional<size_t> ignored;
  std::optional<size_t> total;
  std::string summary;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == ',' || s.back() == ' ' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  return s;
}

std::optional<size_t> ParseCount(std::string_view s, size_t* pos) {
  size_t value = 0;
  auto [end, ec] = std::from_chars(s.data() + *pos, s.data() + s.size(), value);
  if (ec != std::errc()) {
    return std::nullopt;
  }
  *pos = static_cast<size_t>(end - s.data());
  return value;
}

// Reads "total ignored: N out of M[ for stream: S]" into *report (and *selector when named).
bool ParseSummary(std::string_view line, size_t at, StreamReport* report, std::string* selector) {
  static constexpr std::string_view kTotal = "total ignored: ";
  static constexpr std::string_view kOutOf = " out of ";
  static constexpr std::string_view kFor = " for stream: ";
  size_t pos = at + kTotal.size();
  std::optional<size_t> n = ParseCount(line, &pos);
  if (!n || line.substr(pos, kOutOf.size()) != kOutOf) {
    return false;
  }
  pos += kOutOf.size();
  std::optional<size_t> m = ParseCount(line, &pos);
  if (!m) {
    return false;
  }
  report->ignored = n;
  report->total = m;
  report->summary = std::string(line);
  if (line.substr(pos, kFor.size()) == kFor) {
    *selector = std::string(Trim(line.substr(pos + kFor.size())));
  }
  return true;
}

// The streams a 400 body names, with what it says of each. Empty when it names none.
std::map<std::string, StreamReport> ParseBadRequest(std::string_view body) {
  static constexpr std::string_view kEntry = "entry with timestamp ";
  static constexpr std::string_view kForStream = " for stream: ";
  static constexpr std::string_view kTooOld = "entry for stream '";
  std::map<std::string, StreamReport> reports;
  std::vector<std::string> pending;  // entry lines whose stream the summary names
  std::string last_stream;           // the stream the entry lines named (older form)
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = Trim(body.substr(0, nl));
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    size_t total_at = line.find("total ignored: ");
    if (line.starts_with(kEntry)) {
      size_t for_at = line.rfind(kForStream);
      if (for_at != std::string_view::npos && line.find("ignored, reason: '") < for_at) {
        last_stream = std::string(Trim(line.substr(for_at + kForStream.size())));
        reports[last_stream].entry_lines.emplace_back(line.substr(0, for_at));
      } else {
        pending.emplace_back(line);
      }
    } else if (total_at != std::string_view::npos) {
      StreamReport summary;
      std::string selector;
      if (!ParseSummary(line, total_at, &summary, &selector)) {
        continue;
      }
      if (selector.empty()) {
        selector = last_stream;
      }
      if (selector.empty()) {
        continue;
      }
      StreamReport& r = reports[selector];
      r.ignored = summary.ignored;
      r.total = summary.total;
      r.summary = std::move(summary.summary);
      for (std::string& p : pending) {
        r.entry_lines.push_back(std::move(p));
      }
      pending.clear();
      last_stream.clear();
    } else if (size_t old_at = line.find(kTooOld); old_at != std::string_view::npos) {
      size_t end = line.find('\'', old_at + kTooOld.size());
      if (end != std::string_view::npos) {
        std::string selector(line.substr(old_at + kTooOld.size(), end - old_at - kTooOld.size()));
        reports[selector].summary = std::string(line);
      }
    }
  }
  return reports;
}

Outcome RejectAll(const Response& response) {
  return Outcome::Rejected("HTTP " + std::to_string(response.status) + ": " +
                           response.body.substr(0, kReasonBodyBytes));
}

}  // namespace

Outcome ClassifyPushResponse(std::span<const PushStream> streams, size_t event_count,
                             const Response& response) {
  const long status = response.status;
  if (status == 0) {
    return Outcome::Retry(response.error.empty() ? "no response" : response.error);
  }
  if (status >= 200 && status < 300) {
    return Outcome::Delivered();
  }
  if (status == 408 || status == 429 || status >= 500) {
    return Outcome::Retry(
        "HTTP " + std::to_string(status) + ": " + response.body.substr(0, kReasonBodyBytes),
        response.retry_after);
  }
  if (status != 400) {
    return RejectAll(response);
  }
  std::map<std::string, StreamReport> reports = ParseBadRequest(response.body);
  if (reports.empty()) {
    return RejectAll(response);
  }
  Outcome outcome;
  outcome.kind = Outcome::Kind::kPerEvent;
  outcome.events.resize(event_count);
  size_t matched = 0;
  for (const PushStream& stream : streams) {
    auto it = reports.find(stream.selector);
    if (it == reports.end()) {
      continue;
    }
    ++matched;
    const StreamReport& r = it->second;
    const bool exact = r.ignored && r.total && *r.total == stream.entries.size() &&
                       *r.ignored <= stream.entries.size();
    const size_t rejected = exact ? *r.ignored : stream.entries.size();
    for (size_t i = 0; i < rejected; ++i) {
      Outcome::PerEvent& e = outcome.events[stream.entries[i].index];
      e.kind = Outcome::Kind::kRejected;
      const std::string& said = exact && i < r.entry_lines.size() ? r.entry_lines[i]
                                : !r.summary.empty()              ? r.summary
                                                                  : r.entry_lines.front();
      e.reason = "Loki: " + said + " (stream " + stream.selector + ")";
    }
  }
  if (matched != reports.size()) {
    return RejectAll(response);
  }
  return outcome;
}

}  // namespace runnel::plugins::loki
