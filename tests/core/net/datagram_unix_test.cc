// net::DatagramSocket (UDP and unix datagram) and net::UnixServer on real sockets.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

#include "runnel/net/datagram_socket.h"
#include "runnel/net/unix_server.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/socket_clients.h"
#include "tests/testing/temp_dir.h"

namespace runnel::net {
namespace {

using runnel::testing::Fd;
using runnel::testing::PollUntil;

struct Received {
  std::mutex mu;
  std::vector<std::string> data;
  std::vector<bool> truncated;
  std::vector<std::string> peers;
  size_t size() {
    std::lock_guard lock(mu);
    return data.size();
  }
};

TEST(DatagramSocketTest, UdpHandsOverEachDatagramWholeAndCutsLargeOnes) {
  auto received = std::make_shared<Received>();
  DatagramOptions opts;
  opts.host = "127.0.0.1";
  opts.max_datagram_bytes = 8;
  auto sock = DatagramSocket::Start(opts, [received](const Datagram& d) {
    std::lock_guard lock(received->mu);
    received->data.emplace_back(d.data);
    received->truncated.push_back(d.truncated);
    received->peers.push_back(std::string(d.peer_address) + ":" + std::to_string(d.peer_port));
  });
  ASSERT_TRUE(sock.has_value()) << sock.error().ToString();
  ASSERT_NE((*sock)->port(), 0);
  Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(runnel::testing::SendUdp(s, (*sock)->port(), "12345678"));
  ASSERT_TRUE(runnel::testing::SendUdp(s, (*sock)->port(), "123456789abc"));
  ASSERT_TRUE(PollUntil([&] { return received->size() == 2; }));
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&local), &len);
  const std::string peer = "127.0.0.1:" + std::to_string(ntohs(local.sin_port));
  EXPECT_EQ(received->data, (std::vector<std::string>{"12345678", "12345678"}));
  EXPECT_EQ(received->truncated, (std::vector<bool>{false, true}));
  EXPECT_EQ(received->peers, (std::vector<std::string>{peer, peer}));
  EXPECT_EQ((*sock)->received_count(), 2u);
  EXPECT_EQ((*sock)->truncated_count(), 1u);
  (*sock)->Stop();
}

TEST(DatagramSocketTest, BadHostAndPortInUse) {
  DatagramOptions opts;
  opts.host = "not-an-ip";
  auto bad = DatagramSocket::Start(opts, [](const Datagram&) {});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "cannot listen on 'not-an-ip': not an IP address");
  opts.host = "127.0.0.1";
  auto first = DatagramSocket::Start(opts, [](const Datagram&) {});
  ASSERT_TRUE(first.has_value());
  opts.port = (*first)->port();
  auto second = DatagramSocket::Start(opts, [](const Datagram&) {});
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().message(),
            "bind 127.0.0.1:" + std::to_string(opts.port) + ": Address already in use");
}

TEST(DatagramSocketTest, UnixDatagramSocketFile) {
  runnel::testing::TempDir dir;
  const std::string path = dir.Path("d.sock");
  auto received = std::make_shared<Received>();
  DatagramOptions opts;
  opts.unix_path = path;
  opts.permissions = 0620;
  auto sock = DatagramSocket::Start(opts, [received](const Datagram& d) {
    std::lock_guard lock(received->mu);
    received->data.emplace_back(d.data);
  });
  ASSERT_TRUE(sock.has_value()) << sock.error().ToString();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0620u);
  ASSERT_TRUE(runnel::testing::SendUnixDatagram(path, "hello"));
  ASSERT_TRUE(PollUntil([&] { return received->size() == 1; }));
  EXPECT_EQ(received->data, (std::vector<std::string>{"hello"}));
  (*sock)->Stop();
  EXPECT_NE(stat(path.c_str(), &st), 0);
}

TEST(UnixServerTest, AcceptsReadsAndRefusesNonSockets) {
  runnel::testing::TempDir dir;
  const std::string file = dir.Path("plain");
  std::ofstream(file) << "x";
  UnixServerOptions opts;
  opts.path = file;
  auto refused = UnixServer::Start(opts, [](const std::shared_ptr<Connection>&) {
    return ConnectionCallbacks{.on_data = [](std::string_view) {}, .on_close = nullptr};
  });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message(), file + " exists and is not a socket (not removed)");

  opts.path = dir.Path("s.sock");
  auto received = std::make_shared<Received>();
  auto server = UnixServer::Start(opts, [received](const std::shared_ptr<Connection>& c) {
    {
      std::lock_guard lock(received->mu);
      received->peers.push_back(c->peer());
    }
    return ConnectionCallbacks{.on_data =
                                   [received](std::string_view d) {
                                     std::lock_guard lock(received->mu);
                                     received->data.emplace_back(d);
                                   },
                               .on_close = nullptr};
  });
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  Fd c = runnel::testing::ConnectUnix(opts.path);
  ASSERT_TRUE(runnel::testing::SendAll(c, "bytes"));
  ASSERT_TRUE(PollUntil([&] { return received->size() == 1; }));
  EXPECT_EQ(received->data.front(), "bytes");
  EXPECT_EQ(received->peers.front(),
            "unix:pid=" + std::to_string(getpid()) + ",uid=" + std::to_string(getuid()));
  EXPECT_EQ((*server)->connection_count(), 1u);
  (*server)->Stop();
  struct stat st {};
  EXPECT_NE(stat(opts.path.c_str(), &st), 0);
}

}  // namespace
}  // namespace runnel::net
