#include "syslog_encoder.h"

#include <utility>

#include "plugins/formats/syslog.h"
#include "runnel/logging.h"

namespace runnel::plugins::syslog_input {

SyslogEncoder::SyslogEncoder(const SyslogConfig& config, std::string component, Counter* unparsed)
    : format_(config.format),
      raw_key_(config.raw_key),
      peer_keys_(config.socket.peer_keys),
      utc_offset_seconds_(config.utc_offset_seconds),
      component_(std::move(component)),
      unparsed_(unparsed) {}

void SyslogEncoder::Append(std::string_view message, bool /*truncated*/,
                           const socket_input::Peer& peer, BatchBuilder& builder) {
  arena_.Reset();
  fields_.clear();
  EventTime time = EventTime::Now();
  formats::ScanOptions options;
  options.utc_offset_seconds = utc_offset_seconds_;
  const char* error = format_ == SyslogFormat::kRfc5424
                          ? formats::ScanSyslog5424(message, options, arena_, &fields_, &time)
                      : format_ == SyslogFormat::kRfc3164
                          ? formats::ScanSyslog3164(message, options, arena_, &fields_, &time)
                          : formats::ScanSyslog(message, options, arena_, &fields_, &time);
  if (error != nullptr) {
    unparsed_->Add();
    RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
        << "a message" << (peer.address.empty() ? "" : " from ") << peer.address
        << " is not syslog (" << error << "): kept whole in 'message'";
    fields_.clear();
    time = EventTime::Now();
    fields_.push_back(Field{"message", Value::String(message)});
  }
  uint32_t count =
      static_cast<uint32_t>(fields_.size()) + (raw_key_.empty() ? 0 : 1) + peer_keys_.count(peer);
  builder.BeginEntry(time, count);
  MsgpackWriter& w = builder.writer();
  for (const Field& f : fields_) {
    w.Str(f.key);
    f.value.Encode(w);
  }
  if (!raw_key_.empty()) {
    w.Str(raw_key_);
    w.Str(message);
  }
  peer_keys_.Write(peer, w);
}

}  // namespace runnel::plugins::syslog_input
