#include "stream_framer.h"

#include <algorithm>
#include <charconv>

namespace runnel::plugins::socket_input {

namespace {

constexpr size_t kMaxCountDigits = 10;

std::string_view StripNewline(std::string_view m) {
  if (!m.empty() && m.back() == '\n') {
    m.remove_suffix(1);
    if (!m.empty() && m.back() == '\r') {
      m.remove_suffix(1);
    }
  }
  return m;
}

// The first bytes of a broken count, printable, for the error message.
std::string Shown(std::string_view bytes) {
  std::string out;
  for (char c : bytes.substr(0, 16)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace

std::string_view FramingName(Framing framing) {
  switch (framing) {
    case Framing::kNewline:
      return "newline";
    case Framing::kOctetCounting:
      return "octet_counting";
    case Framing::kAuto:
      return "auto";
    case Framing::kNone:
      return "none";
  }
  return "?";
}

StreamFramer::StreamFramer(Framing framing, size_t max_message_bytes)
    : framing_(framing), max_(std::max<size_t>(max_message_bytes, 1)) {}

void StreamFramer::DeliverLine(std::string_view line, bool truncated, const Sink& sink) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (!line.empty()) {
    sink(line, truncated);
  }
}

Status StreamFramer::Feed(std::string_view data, const Sink& sink) {
  while (!data.empty()) {
    switch (state_) {
      case State::kBroken:
        return broken_;
      case State::kFrameStart: {
        char c = data.front();
        bool counted = framing_ == Framing::kOctetCounting ||
                       (framing_ == Framing::kAuto && c >= '0' && c <= '9');
        state_ = counted ? State::kCount : State::kLine;
        buf_.clear();
        break;
      }
      case State::kLine: {
        size_t nl = data.find('\n');
        std::string_view part = data.substr(0, nl);
        if (buf_.size() + part.size() > max_) {
          // Over the limit: deliver the first max_ bytes now, skip to the newline.
          size_t take = max_ - buf_.size();
          if (buf_.empty()) {
            DeliverLine(part.substr(0, take), true, sink);
          } else {
            buf_.append(part.substr(0, take));
            DeliverLine(buf_, true, sink);
          }
          buf_.clear();
          state_ = State::kSkipLine;
          break;  // kSkipLine consumes from the same position
        }
        if (nl == std::string_view::npos) {
          buf_.append(part);
          return OkStatus();
        }
        if (buf_.empty()) {
          DeliverLine(part, false, sink);
        } else {
          buf_.append(part);
          DeliverLine(buf_, false, sink);
          buf_.clear();
        }
        data.remove_prefix(nl + 1);
        state_ = State::kFrameStart;
        break;
      }
      case State::kSkipLine: {
        size_t nl = data.find('\n');
        if (nl == std::string_view::npos) {
          return OkStatus();
        }
        data.remove_prefix(nl + 1);
        state_ = State::kFrameStart;
        break;
      }
      case State::kCount: {
        char c = data.front();
        if (c == ' ' && !buf_.empty()) {
          data.remove_prefix(1);
          uint64_t len = 0;  // 1 to 10 digits: fits
          std::from_chars(buf_.data(), buf_.data() + buf_.size(), len);
          if (len > UINT32_MAX) {
            broken_ = InvalidArgument("broken octet count: " + buf_ + " is over 4GiB");
            state_ = State::kBroken;
            return broken_;
          }
          remaining_ = len;
          cut_ = len > max_;
          buf_.clear();
          state_ = State::kCounted;
          break;
        }
        bool digit = c >= '0' && c <= '9';
        if (!digit || (buf_.empty() && c == '0') || buf_.size() >= kMaxCountDigits) {
          broken_ = InvalidArgument(
              "broken octet count: expected \"LEN SP\" with LEN 1 to 10 digits, got \"" +
              Shown(buf_ + std::string(data.substr(0, 16))) + "\"");
          state_ = State::kBroken;
          return broken_;
        }
        buf_ += c;
        data.remove_prefix(1);
        break;
      }
      case State::kCounted:
      case State::kSkipCounted: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
        if (state_ == State::kCounted) {
          size_t room = max_ - std::min(max_, buf_.size());
          size_t keep = std::min(n, room);
          bool whole = !cut_ && n == remaining_;
          if (whole && buf_.empty()) {
            std::string_view m = StripNewline(data.substr(0, n));
            if (!m.empty()) {
              sink(m, false);
            }
            data.remove_prefix(n);
            remaining_ = 0;
            state_ = State::kFrameStart;
            break;
          }
          buf_.append(data.substr(0, keep));
        }
        data.remove_prefix(n);
        remaining_ -= n;
        if (state_ == State::kCounted && (buf_.size() >= max_ || remaining_ == 0)) {
          std::string_view m = cut_ ? std::string_view(buf_) : StripNewline(buf_);
          if (!m.empty()) {
            sink(m, cut_);
          }
          buf_.clear();
          state_ = remaining_ == 0 ? State::kFrameStart : State::kSkipCounted;
        } else if (state_ == State::kSkipCounted && remaining_ == 0) {
          state_ = State::kFrameStart;
        }
        break;
      }
    }
  }
  return state_ == State::kBroken ? broken_ : OkStatus();
}

bool StreamFramer::Finish(const Sink& sink) {
  switch (state_) {
    case State::kLine:
      DeliverLine(buf_, false, sink);
      buf_.clear();
      state_ = State::kFrameStart;
      return true;
    case State::kFrameStart:
    case State::kSkipLine:
    case State::kBroken:
      return true;
    case State::kCount:
    case State::kCounted:
    case State::kSkipCounted:
      return false;
  }
  return true;
}

}  // namespace runnel::plugins::socket_input
