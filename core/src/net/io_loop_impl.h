#pragma once
// Private to core/src/net: what an IoLoop holds, shared with every connection made on it.

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/asio.h"
#include "runnel/net/connection.h"
#include "runnel/net/io_loop.h"

namespace runnel::net {

struct IoLoop::Impl {
  asio::io_context context{};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};

  // Open connections, so Stop can close them.
  std::mutex mu;
  std::unordered_map<uint64_t, std::weak_ptr<Connection::Impl>> connections;

  // False once the loop is stopping: the connection must close itself at once.
  bool Register(uint64_t id, std::weak_ptr<Connection::Impl> conn);
  void Unregister(uint64_t id);
};

}  // namespace runnel::net
