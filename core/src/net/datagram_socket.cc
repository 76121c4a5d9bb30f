#include "runnel/net/datagram_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "runnel/logging.h"
#include "runnel/net/unix_server.h"

namespace runnel::net {

struct DatagramSocket::Impl {
  DatagramOptions options;
  Handler handler;
  int fd = -1;
  int wake_fd = -1;  // eventfd: Stop wakes the thread's poll
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> truncated{0};
  std::thread thread;

  ~Impl() {
    if (fd >= 0) {
      close(fd);
    }
    if (wake_fd >= 0) {
      close(wake_fd);
    }
  }

  void Run();
};

namespace {

Status Errno(const std::string& what) { return Unavailable(what + ": " + std::strerror(errno)); }

}  // namespace

void DatagramSocket::Impl::Run() {
  std::string name = (options.component.empty() ? std::string("dgram") : options.component);
  pthread_setname_np(pthread_self(), (name + "-rx").substr(0, 15).c_str());
  // One byte more than the limit, so MSG_TRUNC's true length tells a cut datagram apart.
  std::vector<char> buf(options.max_datagram_bytes + 1);
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  while (!stopped.load()) {
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      RUNNEL_LOG_EVERY(kError, options.component, std::chrono::seconds(10))
          << "poll: " << std::strerror(errno);
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    // Drain what is there before polling again.
    while (!stopped.load()) {
      sockaddr_storage from{};
      socklen_t from_len = sizeof(from);
      ssize_t got = recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
      if (got < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          RUNNEL_LOG_EVERY(kWarn, options.component, std::chrono::seconds(10))
              << "receive: " << std::strerror(errno);
        }
        break;
      }
      Datagram d;
      size_t len = static_cast<size_t>(got);
      d.truncated = len > options.max_datagram_bytes;
      d.data = std::string_view(buf.data(), d.truncated ? options.max_datagram_bytes : len);
      char text[INET6_ADDRSTRLEN] = {};
      if (from.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&from);
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
        d.peer_address = text;
        d.peer_port = ntohs(in->sin_port);
      } else if (from.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&from);
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
        d.peer_address = text;
        d.peer_port = ntohs(in6->sin6_port);
      } else if (from.ss_family == AF_UNIX && from_len > offsetof(sockaddr_un, sun_path)) {
        const auto* un = reinterpret_cast<const sockaddr_un*>(&from);
        d.peer_address = std::string_view(
            un->sun_path, strnlen(un->sun_path, from_len - offsetof(sockaddr_un, sun_path)));
      }
      received.fetch_add(1);
      if (d.truncated) {
        truncated.fetch_add(1);
      }
      handler(d);
    }
  }
}

Result<std::unique_ptr<DatagramSocket>> DatagramSocket::Start(DatagramOptions options,
                                                              Handler handler) {
  auto impl = std::make_unique<Impl>();
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string where;
  if (!options.unix_path.empty()) {
    if (options.unix_path.size() >= sizeof(sockaddr_un::sun_path)) {
      return Err(InvalidArgument("unix socket path is longer than " +
                                 std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes"));
    }
    RUNNEL_RETURN_IF_ERROR(RemoveStaleSocket(options.unix_path));
    auto* un = reinterpret_cast<sockaddr_un*>(&addr);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, options.unix_path.data(), options.unix_path.size());
    addr_len = sizeof(sockaddr_un);
    where = options.unix_path;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, options.host.c_str(), &in->sin_addr) == 1) {
      in->sin_family = AF_INET;
      in->sin_port = htons(options.port);
      addr_len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, options.host.c_str(), &in6->sin6_addr) == 1) {
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(options.port);
      addr_len = sizeof(sockaddr_in6);
    } else {
      return Err(InvalidArgument("cannot listen on '" + options.host + "': not an IP address"));
    }
    where = options.host + ":" + std::to_string(options.port);
  }
  impl->fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (impl->fd < 0) {
    return Err(Errno("socket"));
  }
  if (options.receive_buffer_bytes > 0) {
    int size = static_cast<int>(std::min<size_t>(options.receive_buffer_bytes, INT32_MAX));
    (void)setsockopt(impl->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  if (bind(impl->fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
    return Err(Errno("bind " + where));
  }
  if (!options.unix_path.empty() && options.permissions != 0 &&
      chmod(options.unix_path.c_str(), options.permissions) != 0) {
    Status s = Errno("chmod " + options.unix_path);
    unlink(options.unix_path.c_str());
    return Err(std::move(s));
  }
  if (options.unix_path.empty()) {
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof(bound);
    getsockname(impl->fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
    impl->port =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    where = options.host + ":" + std::to_string(impl->port);
  }
  impl->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->wake_fd < 0) {
    return Err(Errno("eventfd"));
  }
  RUNNEL_LOG(kInfo, options.component)
      << "listening on " << where << (options.unix_path.empty() ? " (udp)" : " (datagrams)");
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<DatagramSocket>(new DatagramSocket(std::move(impl)));
}

DatagramSocket::DatagramSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DatagramSocket::~DatagramSocket() { Stop(); }

uint16_t DatagramSocket::port() const { return impl_->port; }
uint64_t DatagramSocket::received_count() const { return impl_->received.load(); }
uint64_t DatagramSocket::truncated_count() const { return impl_->truncated.load(); }

void DatagramSocket::Stop() {
  if (impl_->stopped.exchange(true)) {
    return;
  }
  uint64_t one = 1;
  (void)!write(impl_->wake_fd, &one, sizeof(one));
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  if (!impl_->options.unix_path.empty()) {
    unlink(impl_->options.unix_path.c_str());
  }
  RUNNEL_LOG(kInfo, impl_->options.component) << "stopped receiving datagrams";
}

}  // namespace runnel::net
