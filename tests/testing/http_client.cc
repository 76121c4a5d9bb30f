#include "tests/testing/http_client.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "tests/testing/loopback.h"

namespace runnel::testing {

std::string HttpReply::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpConnection::HttpConnection(uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = LoopbackAddress(port);
  if (fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

bool HttpConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool HttpConnection::Fill(std::chrono::steady_clock::time_point deadline) {
  if (eof_ || fd_ < 0) {
    return false;
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd p{fd_, POLLIN, 0};
  if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
    return false;
  }
  char buf[65536];
  ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

HttpReply HttpConnection::Read(bool head, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(deadline)) {
      return HttpReply{};
    }
  }
  HttpReply reply;
  std::string_view head_text(buffer_.data(), end);
  size_t line_end = head_text.find("\r\n");
  reply.status_line = std::string(head_text.substr(0, line_end));
  if (reply.status_line.size() >= 12) {
    reply.status = std::atoi(reply.status_line.c_str() + 9);
  }
  while (line_end != std::string_view::npos) {
    size_t next = head_text.find("\r\n", line_end + 2);
    std::string_view line =
        head_text.substr(line_end + 2, next == std::string_view::npos ? std::string_view::npos
                                                                      : next - line_end - 2);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      reply.headers[name] = std::string(value);
    }
    line_end = next;
  }
  const size_t length =
      head ? 0 : std::strtoull(reply.Header("content-length").c_str(), nullptr, 10);
  while (buffer_.size() < end + 4 + length) {
    if (!Fill(deadline)) {
      return HttpReply{};
    }
  }
  reply.body = buffer_.substr(end + 4, length);
  buffer_.erase(0, end + 4 + length);
  return reply;
}

bool HttpConnection::ClosedByPeer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    if (!Fill(deadline) && !eof_) {
      return false;
    }
  }
  return true;
}

HttpReply HttpGet(uint16_t port, const std::string& path, const std::string& method) {
  HttpConnection c(port);
  if (!c.connected() ||
      !c.Send(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) {
    return HttpReply{};
  }
  return c.Read(method == "HEAD");
}

std::optional<double> SampleValue(std::string_view metrics, std::string_view series) {
  size_t at = 0;
  while ((at = metrics.find(series, at)) != std::string_view::npos) {
    const bool line_start = at == 0 || metrics[at - 1] == '\n';
    const size_t value_at = at + series.size();
    if (line_start && value_at < metrics.size() && metrics[value_at] == ' ') {
      return std::strtod(
          std::string(metrics.substr(value_at + 1, metrics.find('\n', value_at) - value_at - 1))
              .c_str(),
          nullptr);
    }
    at = value_at;
  }
  return std::nullopt;
}

}  // namespace runnel::testing
