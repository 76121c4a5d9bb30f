#include "runnel/net/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <utility>

#include "net/connection_impl.h"
#include "net/tls_internal.h"
#include "runnel/logging.h"

namespace runnel::net {

namespace {

std::atomic<uint64_t> next_connection_id{1};
constexpr size_t kMaxBuffersPerWrite = 16;
constexpr auto kNever = asio::steady_timer::time_point::max();

std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

bool IsCleanEof(const asio::error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

Connection::Impl::Impl(std::shared_ptr<IoLoop::Impl> l, StreamSocket socket, ConnectionOptions o,
                       std::shared_ptr<const TlsContext> tls)
    : loop(std::move(l)),
      strand(asio::make_strand(loop->context)),
      options(std::move(o)),
      tls_context(std::move(tls)),
      id(next_connection_id.fetch_add(1)),
      is_tls(tls_context != nullptr),
      socket_(std::move(socket)),
      read_deadline_(strand),
      write_deadline_(strand) {
  if (tls_context) {
    ssl_ = std::make_unique<asio::ssl::stream<StreamSocket&>>(socket_, tls_context->impl().context);
  }
  read_deadline_.expires_at(kNever);
  write_deadline_.expires_at(kNever);
  read_buf_.resize(std::max<size_t>(options.read_buffer_bytes, 512));
  SetPeer();
}

Connection::Impl::~Impl() = default;

std::string PeerName(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return "";
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  if (addr.ss_family == AF_UNIX) {
    ucred cred{};
    socklen_t cred_len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
      return "unix:pid=" + std::to_string(cred.pid) + ",uid=" + std::to_string(cred.uid);
    }
    return "unix";
  }
  return "";
}

void Connection::Impl::SetPeer() {
  if (socket_.is_open()) {  // a client's socket opens on connect, which names the peer
    peer = PeerName(socket_.native_handle());
  }
}

bool Connection::Impl::Register() {
  if (!loop->Register(id, weak_from_this())) {
    closed = true;
    asio::error_code ec;
    socket_.close(ec);
    return false;
  }
  WatchDeadline(read_deadline_);
  WatchDeadline(write_deadline_);
  return true;
}

template <typename Fn>
void Connection::Impl::WithStream(Fn&& fn) {
  if (ssl_) {
    fn(*ssl_);
  } else {
    fn(socket_);
  }
}

// One wait loop per timer for the connection's whole life: re-arming a timer (expires_at)
// aborts the wait, which waits again; the connection closes only when the expiry has passed.
void Connection::Impl::WatchDeadline(asio::steady_timer& timer) {
  timer.async_wait(
      asio::bind_executor(strand, [self = shared_from_this(), &timer](const asio::error_code&) {
        if (self->closed) {
          return;
        }
        if (timer.expiry() <= asio::steady_timer::clock_type::now()) {
          self->DoClose(DeadlineExceeded(&timer == &self->read_deadline_
                                             ? self->read_deadline_reason_
                                             : "a write did not complete within " +
                                                   Millis(self->options.write_timeout)));
          return;
        }
        self->WatchDeadline(timer);
      }));
}

void Connection::Impl::ArmRead(std::chrono::milliseconds timeout, std::string reason) {
  read_deadline_reason_ = std::move(reason);
  if (timeout.count() > 0) {
    read_deadline_.expires_after(timeout);
  } else {
    read_deadline_.expires_at(kNever);
  }
}

void Connection::Impl::Handshake(bool server, const std::string& server_name,
                                 std::chrono::milliseconds timeout,
                                 std::function<void(Status)> done) {
  if (!ssl_) {
    done(OkStatus());
    return;
  }
  SSL* ssl = ssl_->native_handle();
  if (!server) {
    const TlsConfig& c = tls_context->config();
    const std::string& name = c.server_name.empty() ? server_name : c.server_name;
    asio::error_code ec;
    asio::ip::make_address(name, ec);
    const bool is_ip = !ec;
    if (!is_ip && !name.empty()) {
      SSL_set_tlsext_host_name(ssl, name.c_str());
    }
    if (c.verify_peer && c.verify_hostname && !name.empty()) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      }
    }
  }
  ArmRead(timeout, "TLS handshake not done within " + Millis(timeout));
  ssl_->async_handshake(
      server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
      asio::bind_executor(
          strand, [self = shared_from_this(), done = std::move(done)](const asio::error_code& ec) {
            self->read_deadline_.expires_at(kNever);
            if (self->closed) {
              done(self->close_reason_.ok() ? Cancelled("closed") : self->close_reason_);
              return;
            }
            SSL* ssl = self->ssl_->native_handle();
            if (ec) {
              std::string why = ec.message();
              long verify = SSL_get_verify_result(ssl);
              if (verify != X509_V_OK) {
                why += std::string(": ") + X509_verify_cert_error_string(verify);
              }
              TakeOpenSslErrors();  // ec says it; leave no stale errors for the next call
              Status s = Unavailable("TLS handshake with " + self->peer + ": " + why);
              self->DoClose(s);
              done(s);
              return;
            }
            if (X509* cert = SSL_get1_peer_certificate(ssl)) {
              char buf[512];
              X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
              self->peer_subject = buf;
              X509_free(cert);
            }
            done(OkStatus());
          }));
}

void Connection::Impl::ConnectAndHandshake(Tcp::endpoint endpoint, std::string server_name,
                                           std::chrono::milliseconds timeout,
                                           std::function<void(Status)> done) {
  std::string target =
      endpoint.address().is_v6()
          ? "[" + endpoint.address().to_string() + "]:" + std::to_string(endpoint.port())
          : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  peer = target;
  auto deadline = asio::steady_timer::clock_type::now() + timeout;
  ArmRead(timeout, "connect to " + target + " timed out after " + Millis(timeout));
  socket_.async_connect(
      asio::generic::stream_protocol::endpoint(endpoint),
      asio::bind_executor(strand, [self = shared_from_this(), target, deadline, server_name,
                                   done = std::move(done)](const asio::error_code& ec) mutable {
        if (self->closed) {
          done(self->close_reason_.ok() ? Cancelled("closed") : self->close_reason_);
          return;
        }
        if (ec) {
          Status s = Unavailable("connect " + target + ": " + ec.message());
          self->DoClose(s);
          done(s);
          return;
        }
        asio::error_code ignored;
        self->socket_.set_option(Tcp::no_delay(true), ignored);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - asio::steady_timer::clock_type::now());
        if (!self->ssl_) {
          self->read_deadline_.expires_at(kNever);
          done(OkStatus());
          return;
        }
        self->Handshake(false, server_name, std::max(left, std::chrono::milliseconds(1)),
                        std::move(done));
      }));
}

void Connection::Impl::Start(ConnectionCallbacks callbacks) {
  asio::dispatch(strand, [self = shared_from_this(), callbacks = std::move(callbacks)]() mutable {
    if (self->started_) {
      return;
    }
    self->started_ = true;
    if (self->closed) {
      // Closed before Start (e.g. the loop is stopping): still tell the handler, once.
      if (callbacks.on_close) {
        callbacks.on_close(self->close_reason_.ok() ? Cancelled("closed") : self->close_reason_);
      }
      return;
    }
    self->callbacks_ = std::move(callbacks);
    self->DoRead();
  });
}

void Connection::Impl::DoRead() {
  if (closed || reading_ || paused || !started_) {
    return;
  }
  if (pending_ > 0) {
    Deliver();
    if (closed || paused) {
      return;
    }
  }
  reading_ = true;
  ArmRead(options.idle_timeout, "no data for " + Millis(options.idle_timeout));
  WithStream([this](auto& stream) {
    stream.async_read_some(asio::buffer(read_buf_),
                           asio::bind_executor(strand, [self = shared_from_this()](
                                                           const asio::error_code& ec, size_t n) {
                             self->OnRead(ec, n);
                           }));
  });
}

void Connection::Impl::OnRead(const asio::error_code& ec, size_t n) {
  reading_ = false;
  read_deadline_.expires_at(kNever);
  if (closed) {
    return;
  }
  if (ec) {
    DoClose(IsCleanEof(ec) ? OkStatus() : Unavailable("read from " + peer + ": " + ec.message()));
    return;
  }
  pending_ = n;
  if (paused) {
    return;  // kept for ResumeReading
  }
  Deliver();
  DoRead();
}

void Connection::Impl::Deliver() {
  size_t n = pending_;
  pending_ = 0;
  if (callbacks_.on_data) {
    callbacks_.on_data(std::string_view(read_buf_.data(), n));
  }
}

void Connection::Impl::Pause() { paused = true; }

void Connection::Impl::Resume() {
  if (!paused.exchange(false) || closed) {
    return;
  }
  asio::post(strand, [self = shared_from_this()] { self->DoRead(); });
}

Status Connection::Impl::Write(WriteItem item) {
  if (closed) {
    return Cancelled("connection to " + peer + " is closed");
  }
  size_t size = item.view().size();
  size_t before = queued_bytes.fetch_add(size);
  if (before + size > options.max_write_queue_bytes && before > 0) {
    queued_bytes.fetch_sub(size);
    return ResourceExhausted("write queue of " + peer + " is full (" + std::to_string(before) +
                             " bytes)");
  }
  asio::post(strand, [self = shared_from_this(), item = std::move(item)]() mutable {
    if (self->closed) {
      self->queued_bytes.fetch_sub(item.view().size());
      return;
    }
    self->write_queue_.push_back(std::move(item));
    if (self->writing_count_ == 0) {
      self->DoWrite();
    }
  });
  return OkStatus();
}

void Connection::Impl::DoWrite() {
  write_bufs_.clear();
  for (const WriteItem& item : write_queue_) {
    if (write_bufs_.size() == kMaxBuffersPerWrite) {
      break;
    }
    write_bufs_.push_back(asio::buffer(item.view()));
  }
  writing_count_ = write_bufs_.size();
  if (options.write_timeout.count() > 0) {
    write_deadline_.expires_after(options.write_timeout);
  }
  WithStream([this](auto& stream) {
    asio::async_write(
        stream, write_bufs_,
        asio::bind_executor(strand, [self = shared_from_this()](const asio::error_code& ec,
                                                                size_t) { self->OnWrite(ec); }));
  });
}

void Connection::Impl::OnWrite(const asio::error_code& ec) {
  write_deadline_.expires_at(kNever);
  size_t done_bytes = 0;
  for (size_t i = 0; i < writing_count_; ++i) {
    done_bytes += write_queue_.front().view().size();
    write_queue_.pop_front();
  }
  writing_count_ = 0;
  if (closed) {
    for (const WriteItem& item : write_queue_) {
      done_bytes += item.view().size();
    }
    write_queue_.clear();
  }
  queued_bytes.fetch_sub(done_bytes);
  if (closed) {
    return;
  }
  if (ec) {
    DoClose(Unavailable("write to " + peer + ": " + ec.message()));
    return;
  }
  if (!write_queue_.empty()) {
    DoWrite();
  } else if (close_after_writes_.has_value()) {
    DoClose(std::move(*close_after_writes_));
  }
}

// Posted, never run inline: Close from inside on_data must not destroy the callback running.
void Connection::Impl::Close(Status reason) {
  if (closed) {
    return;  // also keeps handlers off a loop that has stopped
  }
  asio::post(strand, [self = shared_from_this(), reason = std::move(reason)]() mutable {
    self->DoClose(std::move(reason));
  });
}

void Connection::Impl::CloseAfterWrites(Status reason) {
  if (closed) {
    return;
  }
  paused = true;  // nothing more is read
  asio::post(strand, [self = shared_from_this(), reason = std::move(reason)]() mutable {
    if (self->writing_count_ == 0 && self->write_queue_.empty()) {
      self->DoClose(std::move(reason));
    } else if (!self->close_after_writes_.has_value()) {
      self->close_after_writes_ = std::move(reason);
    }
  });
}

void Connection::Impl::DoClose(Status reason) {
  if (closed.exchange(true)) {
    return;
  }
  close_reason_ = reason;
  asio::error_code ignored;
  socket_.shutdown(StreamSocket::shutdown_both, ignored);
  socket_.close(ignored);
  read_deadline_.cancel();
  write_deadline_.cancel();
  if (writing_count_ == 0) {
    size_t dropped = 0;
    for (const WriteItem& item : write_queue_) {
      dropped += item.view().size();
    }
    write_queue_.clear();
    queued_bytes.fetch_sub(dropped);
  }
  loop->Unregister(id);
  if (!reason.ok() && reason.code() != StatusCode::kCancelled) {
    RUNNEL_LOG_EVERY(kInfo, options.component, std::chrono::seconds(1))
        << "connection " << peer << " closed: " << reason.message();
  } else {
    RUNNEL_LOG(kDebug, options.component)
        << "connection " << peer << " closed" << (reason.ok() ? "" : ": " + reason.message());
  }
  ConnectionCallbacks callbacks = std::move(callbacks_);
  callbacks_ = {};
  if (started_ && callbacks.on_close) {
    callbacks.on_close(reason);
  }
  if (on_closed_internal) {
    auto hook = std::move(on_closed_internal);
    on_closed_internal = nullptr;
    hook();
  }
}

// --- Connection: the public handle ---

Connection::Connection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() { impl_->Close(Cancelled("connection dropped")); }
void Connection::Start(ConnectionCallbacks callbacks) { impl_->Start(std::move(callbacks)); }
Status Connection::Write(std::string bytes) {
  return impl_->Write(Impl::WriteItem{.owned = std::move(bytes), .shared = nullptr});
}
Status Connection::Write(std::shared_ptr<const std::string> bytes) {
  return impl_->Write(Impl::WriteItem{.owned = {}, .shared = std::move(bytes)});
}
void Connection::PauseReading() { impl_->Pause(); }
void Connection::ResumeReading() { impl_->Resume(); }
bool Connection::reading_paused() const { return impl_->paused; }
void Connection::Close(Status reason) { impl_->Close(std::move(reason)); }

void Connection::CloseAfterWrites(Status reason) { impl_->CloseAfterWrites(std::move(reason)); }
bool Connection::closed() const { return impl_->closed; }
size_t Connection::queued_write_bytes() const { return impl_->queued_bytes; }
const std::string& Connection::peer() const { return impl_->peer; }
uint64_t Connection::id() const { return impl_->id; }
bool Connection::tls() const { return impl_->is_tls; }
std::string Connection::peer_certificate_subject() const { return impl_->peer_subject; }

}  // namespace runnel::net
