#include "http_session.h"

#include <ctime>
#include <utility>

#include "runnel/logging.h"

namespace runnel::plugins::http_input {
namespace {

using net::HttpResponse;

// "10.0.0.7:50312" -> "10.0.0.7"; "[::1]:50312" -> "::1".
std::string AddressOf(std::string_view peer) {
  const size_t colon = peer.rfind(':');
  if (colon != std::string_view::npos) {
    peer = peer.substr(0, colon);
  }
  if (peer.size() >= 2 && peer.front() == '[' && peer.back() == ']') {
    peer = peer.substr(1, peer.size() - 2);
  }
  return std::string(peer);
}

// Compares in time that depends on `expected`'s length only.
bool ConstantTimeEquals(std::string_view expected, std::string_view given) {
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char g = i < given.size() ? given[i] : '\0';
    diff |= static_cast<unsigned char>(expected[i] ^ g);
  }
  return diff == 0;
}

HttpResponse Text(int status, const std::string& why) {
  HttpResponse r;
  r.status = status;
  r.body =
      std::to_string(status) + " " + std::string(net::ReasonPhrase(status)) + ": " + why + "\n";
  return r;
}

net::HttpLimits LimitsOf(const HttpConfig& config) {
  net::HttpLimits limits;
  limits.max_request_line_bytes = std::min<size_t>(8192, config.max_header_bytes);
  limits.max_header_bytes = config.max_header_bytes;
  limits.max_headers = 100;
  limits.max_body_bytes = config.max_body_bytes;
  limits.allow_chunked = true;
  return limits;
}

std::string Date() { return net::HttpDate(static_cast<long>(time(nullptr))); }

}  // namespace

Session::Session(std::shared_ptr<Receiver> receiver,
                 const std::shared_ptr<net::Connection>& connection)
    : receiver_(std::move(receiver)),
      connection_(connection),
      peer_(connection->peer()),
      address_(AddressOf(peer_)),
      limits_(LimitsOf(receiver_->config())) {
  receiver_->metrics().connections_opened->Add();
  receiver_->metrics().connections_open->Add(1);
}

void Session::OnData(std::string_view data) {
  std::shared_ptr<net::Connection> conn = connection_.lock();
  std::lock_guard<std::mutex> lock(mu_);
  if (conn == nullptr || done_) {
    return;
  }
  buffer_.append(data);
  if (!in_flight_) {
    Process(conn);
  }
}

void Session::Process(const std::shared_ptr<net::Connection>& conn) {
  size_t offset = 0;
  while (!done_ && !in_flight_) {
    net::HttpParse p = net::ParseHttpRequest(std::string_view(buffer_).substr(offset), limits_);
    if (p.state == net::HttpParse::State::kIncomplete) {
      if (p.expects_continue && !continue_sent_) {
        continue_sent_ = true;
        (void)conn->Write("HTTP/1.1 100 Continue\r\n\r\n");
      }
      break;
    }
    if (p.state == net::HttpParse::State::kError) {
      Refuse(conn, p.status == 413 ? Reject::kTooLarge : Reject::kBadRequest, p.status, p.error,
             false);
      break;
    }
    offset += p.consumed;
    continue_sent_ = false;
    head_ = p.request.method == "HEAD";
    if (Handle(conn, p.request)) {
      in_flight_ = true;
      in_flight_keep_alive_ = p.request.keep_alive;
      conn->PauseReading();
    }
  }
  buffer_.erase(0, offset);
  if (buffer_.capacity() > (1u << 20) && buffer_.size() < (1u << 16)) {
    buffer_.shrink_to_fit();  // one large body does not pin its buffer
  }
}

bool Session::Handle(const std::shared_ptr<net::Connection>& conn,
                     const net::HttpRequest& request) {
  const HttpConfig& config = receiver_->config();
  const bool keep_alive = request.keep_alive;
  if (!config.path.empty() && request.path != config.path) {
    Refuse(conn, Reject::kNotFound, 404, "POST events to " + config.path, keep_alive);
    return false;
  }
  if (request.method != "POST") {
    Refuse(conn, Reject::kMethod, 405, request.method + " is not allowed; POST events", keep_alive,
           {{"Allow", "POST"}});
    return false;
  }
  if (!config.bearer_token.empty()) {
    const std::string_view auth = request.Header("Authorization");
    const bool bearer = auth.size() > 7 && net::EqualsIgnoreCase(auth.substr(0, 7), "Bearer ");
    if (!bearer) {
      Refuse(conn, Reject::kUnauthorized, 401, "a bearer token is required", keep_alive,
             {{"WWW-Authenticate", "Bearer realm=\"runnel\""}});
      return false;
    }
    std::string_view token = auth.substr(7);
    while (!token.empty() && token.front() == ' ') {
      token.remove_prefix(1);
    }
    if (!ConstantTimeEquals(config.bearer_token, token)) {
      Refuse(conn, Reject::kUnauthorized, 401, "the bearer token is not valid", keep_alive,
             {{"WWW-Authenticate", "Bearer realm=\"runnel\", error=\"invalid_token\""}});
      return false;
    }
  }
  const std::optional<Encoding> encoding = ParseContentEncoding(request.Header("Content-Encoding"));
  if (!encoding) {
    Refuse(conn, Reject::kUnsupported, 415,
           "Content-Encoding '" + std::string(request.Header("Content-Encoding")) +
               "' is not supported (gzip, deflate, zstd)",
           keep_alive, {{"Accept-Encoding", "gzip, deflate, zstd"}});
    return false;
  }
  const std::optional<BodyFormat> format = ParseContentType(request.Header("Content-Type"));
  if (!format) {
    Refuse(conn, Reject::kUnsupported, 415,
           "Content-Type '" + std::string(request.Header("Content-Type")) +
               "' is not supported (application/json, application/x-ndjson)",
           keep_alive);
    return false;
  }
  Batch batch;
  std::string_view from = "the path";
  if (!config.tag_header.empty() && request.HasHeader(config.tag_header)) {
    batch.tag = request.Header(config.tag_header);
    from = config.tag_header;
  } else if (!config.tag.empty()) {
    batch.tag = config.tag;
  } else if (config.path.empty() && request.path != "/") {
    batch.tag = request.path.substr(1);
  } else {
    batch.tag = config.default_tag;
  }
  if (!ValidTag(batch.tag)) {
    Refuse(conn, Reject::kBadRequest, 400,
           "the tag '" + batch.tag + "' (from " + std::string(from) +
               ") is not 1 to 256 letters, digits, '.', '_' and '-'",
           keep_alive);
    return false;
  }
  std::string decompressed;
  std::string_view body = request.body;
  if (*encoding != Encoding::kIdentity) {
    Status s = Decompress(*encoding, request.body, config.max_body_bytes, &decompressed);
    if (!s.ok()) {
      const bool too_large = s.code() == StatusCode::kResourceExhausted;
      Refuse(conn, too_large ? Reject::kTooLarge : Reject::kBadBody, too_large ? 413 : 400,
             s.message(), keep_alive);
      return false;
    }
    body = decompressed;
  }
  DecodeOptions options;
  options.time_key = config.time_key;
  options.time_format = config.time_format ? &*config.time_format : nullptr;
  options.time_keep = config.time_keep;
  options.source_address_key = config.source_address_key;
  options.source_address = address_;
  size_t bad_times = 0;
  Status decoded = receiver_->Decode(body, *format, EventTime::Now(), options, &batch, &bad_times);
  if (!decoded.ok()) {
    Refuse(conn, Reject::kBadBody, 400, decoded.message(), keep_alive);
    return false;
  }
  receiver_->metrics().bad_times->Add(bad_times);
  if (batch.count == 0) {
    receiver_->metrics().requests->Add();
    HttpResponse r;
    r.content_type = "application/json";
    r.body = "{\"events\":0}\n";
    Respond(conn, r, keep_alive);
    return false;
  }
  batch.id = BatchId::Random();
  const uint32_t events = batch.count;
  const std::string retry = std::to_string(config.retry_after.count());
  switch (receiver_->Enqueue(shared_from_this(), std::move(batch))) {
    case Receiver::Admit::kQueued:
      in_flight_events_ = events;
      return true;
    case Receiver::Admit::kFull:
      Refuse(conn, Reject::kBusy, config.busy_status,
             "the pipeline is full; retry after " + retry + "s", keep_alive,
             {{"Retry-After", retry}});
      return false;
    case Receiver::Admit::kStopped:
      break;
  }
  Refuse(conn, Reject::kCancelled, 503, "the input is stopping; retry after " + retry + "s", false,
         {{"Retry-After", retry}});
  return false;
}

void Session::OnAcked(AckOutcome outcome) {
  std::shared_ptr<net::Connection> conn = connection_.lock();
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_ = false;
  if (conn == nullptr || done_) {
    return;
  }
  const HttpConfig& config = receiver_->config();
  if (outcome == AckOutcome::kCancelled) {
    const std::string retry = std::to_string(config.retry_after.count());
    Refuse(conn, Reject::kCancelled, 503,
           "the pipeline stopped before taking the events; retry after " + retry + "s", false,
           {{"Retry-After", retry}});
    return;
  }
  // kRejected too: an output refused the events for good (counted and dead-lettered by
  // core); sending them again would not help.
  receiver_->metrics().requests->Add();
  receiver_->metrics().events->Add(in_flight_events_);
  HttpResponse r;
  r.content_type = "application/json";
  r.body = "{\"events\":" + std::to_string(in_flight_events_) + "}\n";
  Respond(conn, r, in_flight_keep_alive_);
  if (!done_) {
    conn->ResumeReading();
    Process(conn);  // requests that arrived behind this one
  }
}

void Session::Respond(const std::shared_ptr<net::Connection>& conn, const HttpResponse& response,
                      bool keep_alive) {
  Status written = conn->Write(net::SerializeResponse(response, head_, keep_alive, Date()));
  head_ = false;
  if (!written.ok()) {
    done_ = true;
    conn->Close(written);  // a client that does not read its responses
    return;
  }
  if (!keep_alive) {
    done_ = true;
    conn->CloseAfterWrites(OkStatus());
  }
}

void Session::Refuse(const std::shared_ptr<net::Connection>& conn, Reject reason, int status,
                     const std::string& why, bool keep_alive, net::HttpHeaders headers) {
  receiver_->metrics().Rejected(reason)->Add();
  if (reason == Reject::kBusy || reason == Reject::kCancelled) {
    RUNNEL_LOG_EVERY(kInfo, receiver_->component(), std::chrono::seconds(10))
        << "answered " << status << " to " << peer_ << ": " << why;
  } else {
    RUNNEL_LOG_EVERY(kWarn, receiver_->component(), std::chrono::seconds(10))
        << "refused a request from " << peer_ << ": " << status << " " << why;
  }
  HttpResponse r = Text(status, why);
  r.headers = std::move(headers);
  Respond(conn, r, keep_alive);
}

void Session::Finish() {
  std::shared_ptr<net::Connection> conn = connection_.lock();
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  if (conn != nullptr) {
    conn->CloseAfterWrites(Cancelled("the input is stopping"));
  }
}

void Session::OnClose(const Status& reason) {
  receiver_->metrics().connections_open->Add(-1);
  if (reason.code() == StatusCode::kDeadlineExceeded &&
      reason.message().find("no data for") != std::string::npos) {
    receiver_->metrics().idle_timeouts->Add();
  }
}

}  // namespace runnel::plugins::http_input
