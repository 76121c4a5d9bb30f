#include "syslog_output.h"

#include <algorithm>
#include <utility>

#include "runnel/batch.h"
#include "runnel/logging.h"
#include "runnel/record.h"

namespace runnel::plugins::syslog_output {

SyslogOutput::SyslogOutput(SyslogOutputConfig config, std::shared_ptr<const net::TlsContext> tls,
                           const PluginContext& ctx)
    : config_(std::move(config)),
      id_(ctx.id),
      metrics_(SyslogOutputMetrics::Create(ctx.metrics, ctx.id)),
      encoder_(config_, ctx.hostname, metrics_) {
  if (config_.transport == Transport::kUdp) {
    datagram_.emplace(config_.host, config_.port, config_.write_timeout, id_, metrics_);
  } else {
    stream_.emplace(StreamSender::Options{.host = config_.host,
                                          .port = config_.port,
                                          .connect_timeout = config_.connect_timeout,
                                          .write_timeout = config_.write_timeout,
                                          .tls = std::move(tls),
                                          .component = id_},
                    metrics_);
  }
}

void SyslogOutput::Frame(std::string_view message) {
  if (config_.framing == Framing::kOctetCounting) {
    payload_.append(std::to_string(message.size()));
    payload_.push_back(' ');
    payload_.append(message);
    return;
  }
  // Non-transparent framing: a LF (or CR) inside the message would end it early.
  const size_t at = payload_.size();
  payload_.append(message);
  bool cleaned = false;
  for (size_t i = at; i < payload_.size(); ++i) {
    if (payload_[i] == '\n' || payload_[i] == '\r') {
      payload_[i] = ' ';
      cleaned = true;
    }
  }
  if (cleaned) {
    metrics_.Cleaned(Part::kMessage)->Add();
  }
  payload_.push_back('\n');
}

Status SyslogOutput::Encode(const Batch& batch, bool stream) {
  BatchReader reader(batch.data);
  Event event;
  uint32_t index = 0;
  while (!reader.AtEnd()) {
    std::string_view record;
    Status s = reader.Next(&event.time, &record);
    if (s.ok()) {
      s = event.Decode(record);
    }
    if (!s.ok()) {
      return Status(StatusCode::kDataLoss,
                    "entry " + std::to_string(index) + " does not decode: " + s.message());
    }
    message_.clear();
    encoder_.Append(event, &message_);
    if (stream) {
      Frame(message_);
    } else {
      datagram_->Send(message_);
    }
    ++index;
  }
  return OkStatus();
}

WriteResult SyslogOutput::Write(const Batch& batch) {
  if (stream_.has_value()) {
    return WriteStream(batch);
  }
  if (Status open = datagram_->Open(); !open.ok()) {
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10)) << open.message();
    return RetryLater(open.message());
  }
  if (Status s = Encode(batch, false); !s.ok()) {
    return WriteResult::Rejected(s.message());
  }
  return WriteResult::Delivered();
}

WriteResult SyslogOutput::WriteStream(const Batch& batch) {
  payload_.clear();
  if (Status s = Encode(batch, true); !s.ok()) {
    return WriteResult::Rejected(s.message());
  }
  Result<bool> fresh = stream_->EnsureConnected();
  if (!fresh) {
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10)) << fresh.error().message();
    return RetryLater(fresh.error().message());
  }
  if (*fresh) {
    if (Status s = Resend(); !s.ok()) {
      return RetryLater("sending again what the last connection had: " + s.message());
    }
  }
  auto bytes = std::make_shared<const std::string>(payload_);
  if (Status s = stream_->Send(bytes); !s.ok()) {
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
        << "connection to " << config_.host << ":" << config_.port << " lost: " << s.message()
        << "; the batch is sent again";
    return RetryLater(s.message());
  }
  Remember(std::move(bytes), batch.count, Clock::now());
  next_wait_ = kFirstWait;
  return WriteResult::Delivered();
}

Status SyslogOutput::Resend() {
  const Clock::time_point failed = stream_->failed_at();
  while (!recent_.empty() && recent_.front().at + config_.resend_window < failed) {
    recent_bytes_ -= recent_.front().bytes->size();
    recent_.pop_front();
  }
  if (recent_.empty()) {
    return OkStatus();
  }
  uint64_t events = 0;
  for (Sent& s : recent_) {
    RUNNEL_RETURN_IF_ERROR(stream_->Send(s.bytes));
    s.at = Clock::now();  // on this connection now: kept while it is young on this one
    metrics_.resent_events->Add(s.count);
    events += s.count;
  }
  RUNNEL_LOG(kInfo, id_) << "sent " << events << " events again that were written within "
                         << config_.resend_window.count()
                         << "ms before the previous connection broke (resend_window)";
  return OkStatus();
}

void SyslogOutput::Remember(std::shared_ptr<const std::string> bytes, uint32_t count,
                            Clock::time_point now) {
  if (config_.resend_window.count() == 0) {
    return;
  }
  recent_bytes_ += bytes->size();
  recent_.push_back({now, std::move(bytes), count});
  while (!recent_.empty() &&
         (recent_.front().at + config_.resend_window < now || recent_bytes_ > kResendMaxBytes)) {
    recent_bytes_ -= recent_.front().bytes->size();
    recent_.pop_front();
  }
}

WriteResult SyslogOutput::RetryLater(std::string reason) {
  const std::chrono::milliseconds wait = next_wait_;
  next_wait_ = std::min(next_wait_ * 2, config_.retry_max);
  return WriteResult::Retry(std::move(reason), wait);
}

void SyslogOutput::Stop() {
  if (stream_.has_value()) {
    stream_->Close();
  }
  if (datagram_.has_value()) {
    datagram_->Close();
  }
}

}  // namespace runnel::plugins::syslog_output
