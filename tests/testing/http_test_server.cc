#include "tests/testing/http_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace runnel::testing {
namespace {

std::string Gunzip(std::string_view in, std::string* error) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    *error = "inflateInit2 failed";
    return "";
  }
  std::string out;
  char buf[65536];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    *error = "gzip: inflate returned " + std::to_string(rc);
  }
  return out;
}

std::string Unzstd(std::string_view in, std::string* error) {
  const unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    *error = "zstd: no content size in the frame";
    return "";
  }
  std::string out(size, '\0');
  const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n)) {
    *error = std::string("zstd: ") + ZSTD_getErrorName(n);
    return "";
  }
  out.resize(n);
  return out;
}

}  // namespace

struct HttpTestServer::Tls {
  SSL_CTX* ctx = nullptr;
  ~Tls() { SSL_CTX_free(ctx); }
};

std::string ServedRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (net::EqualsIgnoreCase(n, name)) {
      return v;
    }
  }
  return "";
}

HttpTestServer::HttpTestServer() : HttpTestServer(Options{}) {}

HttpTestServer::HttpTestServer(Options options) {
  std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-reply (TLS writes too)
  if (!options.cert_file.empty()) {
    tls_ = std::make_unique<Tls>();
    tls_->ctx = SSL_CTX_new(TLS_server_method());
    if (tls_->ctx == nullptr ||
        SSL_CTX_use_certificate_chain_file(tls_->ctx, options.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls_->ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      std::fprintf(stderr, "http_test_server: cannot load %s\n", options.cert_file.c_str());
      std::abort();
    }
    if (!options.client_ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(tls_->ctx, options.client_ca_file.c_str(), nullptr) != 1) {
        std::fprintf(stderr, "http_test_server: cannot load %s\n", options.client_ca_file.c_str());
        std::abort();
      }
      SSL_CTX_set_verify(tls_->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("http_test_server: bind");
    std::abort();
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

HttpTestServer::~HttpTestServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    held_ = false;
    for (int fd : fds_) {
      shutdown(fd, SHUT_RDWR);
    }
  }
  cv_.notify_all();
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (int fd : fds_) {
    close(fd);
  }
  close(listen_fd_);
}

std::string HttpTestServer::Url(const std::string& path) const {
  return (tls_ != nullptr ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_) +
         path;
}

void HttpTestServer::Script(std::vector<ServedReply> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  for (ServedReply& r : replies) {
    script_.push_back(std::move(r));
  }
}

void HttpTestServer::SetDefault(ServedReply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  default_ = std::move(reply);
}

void HttpTestServer::SetHandler(std::function<ServedReply(const ServedRequest&)> handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

void HttpTestServer::Hold() {
  std::lock_guard<std::mutex> lock(mu_);
  held_ = true;
}

void HttpTestServer::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
  }
  cv_.notify_all();
}

std::vector<ServedRequest> HttpTestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t HttpTestServer::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

bool HttpTestServer::WaitForRequests(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

int HttpTestServer::concurrent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return concurrent_;
}

int HttpTestServer::max_concurrent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_concurrent_;
}

bool HttpTestServer::WaitForConcurrent(int n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return concurrent_ >= n; });
}

void HttpTestServer::AcceptLoop() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard<std::mutex> lock(mu_);
    if (fd < 0 || stopping_) {
      if (fd >= 0) {
        close(fd);
      }
      return;
    }
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void HttpTestServer::Serve(int fd) {
  SSL* ssl = nullptr;
  if (tls_ != nullptr) {
    ssl = SSL_new(tls_->ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      SSL_free(ssl);
      ssl = nullptr;
      shutdown(fd, SHUT_RDWR);
      return;  // the fd is closed by the destructor
    }
  }
  auto read_some = [&](char* buf, size_t n) -> ssize_t {
    return ssl != nullptr ? SSL_read(ssl, buf, static_cast<int>(n)) : read(fd, buf, n);
  };
  auto write_all = [&](std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ssl != nullptr ? SSL_write(ssl, data.data(), static_cast<int>(data.size()))
                                       : send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  };
  net::HttpLimits limits;
  limits.max_body_bytes = 256u << 20;
  limits.max_header_bytes = 64 * 1024;
  limits.allow_chunked = true;
  std::string buffer;
  char chunk[65536];
  bool open = true;
  while (open) {
    net::HttpParse parse = net::ParseHttpRequest(buffer, limits);
    if (parse.state == net::HttpParse::State::kIncomplete) {
      const ssize_t n = read_some(chunk, sizeof(chunk));
      if (n <= 0) {
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (parse.state == net::HttpParse::State::kError) {
      net::HttpResponse bad;
      bad.status = parse.status;
      bad.body = parse.error;
      write_all(net::SerializeResponse(bad, false, false, net::HttpDate(0)));
      break;
    }
    buffer.erase(0, parse.consumed);
    ServedRequest req;
    req.method = parse.request.method;
    req.path = parse.request.path;
    req.headers = parse.request.headers;
    req.raw_body = std::move(parse.request.body);
    req.received = std::chrono::steady_clock::now();
    const std::string encoding = req.Header("Content-Encoding");
    if (encoding == "gzip") {
      req.body = Gunzip(req.raw_body, &req.decode_error);
    } else if (encoding == "zstd") {
      req.body = Unzstd(req.raw_body, &req.decode_error);
    } else {
      req.body = req.raw_body;
    }
    ServedReply reply;
    std::function<ServedReply(const ServedRequest&)> handler;
    {
      std::unique_lock<std::mutex> lock(mu_);
      requests_.push_back(req);
      ++concurrent_;
      max_concurrent_ = std::max(max_concurrent_, concurrent_);
      cv_.notify_all();
      cv_.wait(lock, [&] { return !held_ || stopping_; });
      handler = handler_;
      if (handler == nullptr) {
        if (!script_.empty()) {
          reply = std::move(script_.front());
          script_.pop_front();
        } else {
          reply = default_;
        }
      }
    }
    if (handler != nullptr) {
      reply = handler(req);
    }
    net::HttpResponse response;
    response.status = reply.status;
    response.body = reply.body;
    response.headers = reply.headers;
    open = parse.request.keep_alive;
    const bool sent =
        write_all(net::SerializeResponse(response, req.method == "HEAD", open, net::HttpDate(0)));
    {
      std::lock_guard<std::mutex> lock(mu_);
      --concurrent_;
    }
    cv_.notify_all();
    if (!sent) {
      break;
    }
  }
  if (ssl != nullptr) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  shutdown(fd, SHUT_RDWR);
}

}  // namespace runnel::testing
