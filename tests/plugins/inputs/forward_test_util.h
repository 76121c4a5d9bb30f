#pragma once
// Shared pieces of the forward input tests: an input built through the real loader and
// registry, a Forward client over net::Connect that collects the server's responses (HELO,
// PONG, acks), and frame builders.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plugins/inputs/forward/forward_input.h"
#include "runnel/forward/frame_decoder.h"
#include "runnel/msgpack.h"
#include "runnel/net/tcp_client.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/load_config.h"

namespace runnel::testing {

// A connection to the input that keeps every response the server sends.
class ForwardClient {
 public:
  static std::unique_ptr<ForwardClient> Open(net::IoLoop& loop, uint16_t port,
                                             std::shared_ptr<const net::TlsContext> tls = nullptr,
                                             std::string* error = nullptr) {
    net::ConnectOptions opts;
    opts.tls = std::move(tls);
    opts.server_name = "localhost";
    auto conn = net::Connect(loop, {.address = "127.0.0.1", .port = port}, opts);
    if (!conn) {
      if (error != nullptr) {
        *error = conn.error().ToString();
      }
      return nullptr;
    }
    auto client = std::unique_ptr<ForwardClient>(new ForwardClient());
    client->conn_ = *conn;
    auto state = client->state_;
    client->conn_->Start({.on_data =
                              [state](std::string_view d) {
                                std::lock_guard<std::mutex> lock(state->mu);
                                state->decoder.Feed(d);
                                while (true) {
                                  auto raw = state->decoder.NextRaw();
                                  if (!raw || !*raw) {
                                    break;
                                  }
                                  state->responses.emplace_back(**raw);
                                }
                                state->cv.notify_all();
                              },
                          .on_close =
                              [state](const Status& why) {
                                std::lock_guard<std::mutex> lock(state->mu);
                                state->closed = true;
                                state->close_reason = why;
                                state->cv.notify_all();
                              }});
    return client;
  }

  Status Send(std::string bytes) { return conn_->Write(std::move(bytes)); }
  net::Connection& connection() { return *conn_; }

  // The next response not yet taken, or nullopt when none arrives within `timeout`.
  std::optional<std::string> Next(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(state_->mu);
    if (!state_->cv.wait_for(lock, timeout,
                             [&] { return state_->taken < state_->responses.size(); })) {
      return std::nullopt;
    }
    return state_->responses[state_->taken++];
  }
  // Responses received and not taken.
  size_t pending() {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->responses.size() - state_->taken;
  }
  // True when the server closed the connection within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->closed; });
  }
  bool closed() {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->closed;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    forward::FrameDecoder decoder{forward::DecoderLimits{}, forward::Side::kClient};
    std::vector<std::string> responses;
    size_t taken = 0;
    bool closed = false;
    Status close_reason;
  };
  ForwardClient() = default;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::shared_ptr<net::Connection> conn_;
};

// ["<tag>", <sec as int>, {"log": "<log>"}] and, with a chunk, {"chunk": "<chunk>"}.
inline std::string MessageFrame(std::string_view tag, uint32_t sec, std::string_view log,
                                std::string_view chunk = "") {
  std::string out;
  MsgpackWriter w(&out);
  w.ArrayHeader(chunk.empty() ? 3 : 4);
  w.Str(tag);
  w.Uint(sec);
  w.MapHeader(1);
  w.Str("log");
  w.Str(log);
  if (!chunk.empty()) {
    w.MapHeader(1);
    w.Str("chunk");
    w.Str(chunk);
  }
  return out;
}

// A batch of `n` events {"log": "<prefix><i>"} at time (sec, i).
inline Batch LogBatch(std::string_view tag, uint32_t sec, int n, std::string_view prefix) {
  Batch b;
  b.tag = std::string(tag);
  b.id = BatchId::Random();
  BatchBuilder builder(&b);
  for (int i = 0; i < n; ++i) {
    builder.BeginEntry(EventTime{sec, static_cast<uint32_t>(i)}, 1);
    builder.writer().Str("log");
    builder.writer().Str(std::string(prefix) + std::to_string(i));
  }
  return b;
}

// {"ack": "<chunk>"}.
inline std::string AckFor(std::string_view chunk) {
  std::string out;
  MsgpackWriter w(&out);
  w.MapHeader(1);
  w.Str("ack");
  w.Str(chunk);
  return out;
}

// A forward input named "fwd" on 127.0.0.1, port 0, with `body` added to its config.
class ForwardInputHarness {
 public:
  Result<std::unique_ptr<Input>> Make(const std::string& body) {
    auto cfg = LoadToml(dir_, "[inputs.fwd]\ntype = \"forward\"\nhost = \"127.0.0.1\"\nport = 0\n" +
                                  body + "[outputs.o]\ntype = \"null\"\ninputs = [\"fwd\"]\n");
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    PluginContext ctx = TestContext(dir_, &metrics_, "inputs.fwd");
    return BuiltinRegistry()
        .Find(PluginKind::kInput, "forward")
        ->create_input(cfg->inputs.at(0), ctx);
  }
  static uint16_t PortOf(Input& in) {
    return dynamic_cast<plugins::forward_input::ForwardInput&>(in).port();
  }
  uint64_t Count(const std::string& name) {
    return metrics_.GetCounter(name, "inputs.fwd", "")->value();
  }

  TempDir dir_;
  MetricsRegistry metrics_;
};

}  // namespace runnel::testing
