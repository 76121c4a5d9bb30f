#pragma once
// StreamFramer: splits one connection's byte stream into messages.
//   kNewline        each line is a message; "\r\n" is taken as "\n"; empty lines are skipped.
//   kOctetCounting  RFC 6587 "LEN SP MSG": LEN is 1 to 10 decimal digits without a leading
//                   zero, MSG exactly LEN bytes (one trailing "\n" or "\r\n" inside it dropped).
//   kAuto           per frame, as rsyslog's imtcp decides: a frame that starts with a digit is
//                   octet-counted, any other is a line.
// A message longer than max_message_bytes is cut to that length and delivered with
// `truncated` set; the rest of it (up to its newline, or its LEN) is skipped, so the stream
// resynchronises on the next message. A broken octet count (no digits, a leading zero, more
// than 10 digits, no space after them, a count over 4 GiB) cannot be resynchronised: Feed
// returns InvalidArgument saying what was seen and the framer takes nothing more.
// Bytes held between reads: at most max_message_bytes (plus an 11-byte count).
// Not thread-safe: one framer per connection.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::plugins::socket_input {

enum class Framing { kNewline, kOctetCounting, kAuto, kNone };

// "newline", "octet_counting", "auto", "none".
std::string_view FramingName(Framing framing);

class StreamFramer {
 public:
  // `message` is valid during the call only.
  using Sink = std::function<void(std::string_view message, bool truncated)>;

  StreamFramer(Framing framing, size_t max_message_bytes);

  // Delivers every message `data` completes, in order. Error: a broken octet count (the
  // messages before it were delivered); every later Feed returns the same error.
  Status Feed(std::string_view data, const Sink& sink);
  // The stream ended: a last line without its newline is delivered. A frame cut short by the
  // end (an octet count whose bytes did not all come) is not: false then.
  bool Finish(const Sink& sink);

 private:
  enum class State { kFrameStart, kLine, kSkipLine, kCount, kCounted, kSkipCounted, kBroken };

  void DeliverLine(std::string_view line, bool truncated, const Sink& sink);

  const Framing framing_;
  const size_t max_;
  State state_ = State::kFrameStart;
  std::string buf_;         // the message (or count digits) so far
  uint64_t remaining_ = 0;  // kCounted / kSkipCounted: bytes of MSG still to come
  bool cut_ = false;        // kCounted: this frame is over the limit (truncated)
  Status broken_;
};

}  // namespace runnel::plugins::socket_input
