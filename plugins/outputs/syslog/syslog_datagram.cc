#include "syslog_datagram.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "runnel/logging.h"
#include "runnel/net/tcp_client.h"

namespace runnel::plugins::syslog_output {

DatagramSender::DatagramSender(std::string host, uint16_t port,
                               std::chrono::milliseconds write_timeout, std::string component,
                               SyslogOutputMetrics metrics)
    : host_(std::move(host)),
      port_(port),
      write_timeout_(write_timeout),
      component_(std::move(component)),
      metrics_(metrics) {}

DatagramSender::~DatagramSender() { Close(); }

Status DatagramSender::Open() {
  if (fd_ >= 0) {
    return OkStatus();
  }
  const std::string where = host_ + ":" + std::to_string(port_);
  Result<std::vector<net::Endpoint>> endpoints = net::Resolve(host_, port_);
  if (!endpoints) {
    return Status(StatusCode::kUnavailable,
                  "resolve " + where + ": " + endpoints.error().message());
  }
  const net::Endpoint& e = endpoints->front();
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (e.is_v6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(e.port);
    inet_pton(AF_INET6, e.address.c_str(), &a6->sin6_addr);
    len = sizeof(sockaddr_in6);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(e.port);
    inet_pton(AF_INET, e.address.c_str(), &a4->sin_addr);
    len = sizeof(sockaddr_in);
  }
  const int fd = socket(e.is_v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Status(StatusCode::kUnavailable, std::string("socket: ") + std::strerror(errno));
  }
  timeval tv{};
  tv.tv_sec = write_timeout_.count() / 1000;
  tv.tv_usec = static_cast<suseconds_t>((write_timeout_.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const int err = errno;
    close(fd);
    return Status(StatusCode::kUnavailable, "connect " + e.ToString() + ": " + std::strerror(err));
  }
  fd_ = fd;
  RUNNEL_LOG(kInfo, component_) << "sending datagrams to " << where << " (" << e.ToString() << ")";
  return OkStatus();
}

void DatagramSender::Send(std::string_view message) {
  if (fd_ < 0) {
    metrics_.udp_send_errors->Add();
    return;
  }
  ssize_t n = 0;
  do {
    n = send(fd_, message.data(), message.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    metrics_.udp_send_errors->Add();
    RUNNEL_LOG_EVERY(kWarn, component_, std::chrono::seconds(10))
        << "a datagram to " << host_ << ":" << port_ << " was lost: " << std::strerror(errno);
  }
}

void DatagramSender::Close() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

}  // namespace runnel::plugins::syslog_output
