#include "api/admin_server.h"

#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "runnel/logging.h"

namespace runnel::api {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kAllow[] = "GET, HEAD";

HttpResponse ProbeResponse(const Probe& probe) {
  HttpResponse r;
  r.status = probe.ok ? 200 : 503;
  r.content_type = "application/json";
  r.body = probe.json + "\n";
  return r;
}

HttpResponse ErrorResponse(int status, const std::string& why) {
  HttpResponse r;
  r.status = status;
  r.body = std::to_string(status) + " " + std::string(ReasonPhrase(status)) + ": " + why + "\n";
  return r;
}

// One connection: its unparsed bytes and when the request they begin started.
struct Session {
  std::weak_ptr<net::Connection> conn;
  std::mutex mu;
  std::string buffer;
  std::optional<Clock::time_point> request_started;
  bool done = false;  // a last response is queued; nothing more is read
};

}  // namespace

struct AdminServer::Shared {
  AdminServerOptions options;
  std::shared_mutex handlers_mu;  // shared while a handler runs
  AdminHandlers handlers;

  std::mutex mu;
  std::condition_variable cv;  // the sweeper waits here
  bool stopping = false;
  std::map<uint64_t, std::shared_ptr<Session>> sessions;

  HttpResponse Route(const HttpRequest& request) {
    std::shared_lock<std::shared_mutex> lock(handlers_mu);
    const bool known =
        request.path == "/metrics" || request.path == "/health" || request.path == "/ready";
    if (!known) {
      HttpResponse r;
      r.status = 404;
      r.body = "404 Not Found: the admin API serves /metrics, /health and /ready\n";
      return r;
    }
    if (request.method != "GET" && request.method != "HEAD") {
      HttpResponse r = ErrorResponse(405, request.method + " is not allowed; use GET or HEAD");
      r.allow = kAllow;
      return r;
    }
    if (request.path == "/metrics" && handlers.metrics) {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = handlers.metrics();
      return r;
    }
    if (request.path == "/health" && handlers.health) {
      return ProbeResponse(handlers.health());
    }
    if (request.path == "/ready" && handlers.ready) {
      return ProbeResponse(handlers.ready());
    }
    return ErrorResponse(503, request.path + " has no handler");
  }

  // Queues `bytes` on the session's connection; when `last`, closes it once they are written.
  void Send(Session& s, const std::shared_ptr<net::Connection>& conn, std::string bytes,
            bool last) {
    Status written = conn->Write(std::move(bytes));
    if (!written.ok()) {
      s.done = true;
      conn->Close(written);  // a client that does not read its responses
      return;
    }
    if (last) {
      s.done = true;
      conn->CloseAfterWrites(OkStatus());
    }
  }

  void OnData(Session& s, std::string_view data) {
    std::shared_ptr<net::Connection> conn = s.conn.lock();
    std::lock_guard<std::mutex> lock(s.mu);
    if (conn == nullptr || s.done) {
      return;
    }
    const bool had_bytes = !s.buffer.empty();
    s.buffer.append(data);
    size_t offset = 0;
    while (!s.done) {
      HttpParse p = ParseHttpRequest(std::string_view(s.buffer).substr(offset), options.limits);
      if (p.state == HttpParse::State::kIncomplete) {
        break;
      }
      const std::string date = HttpDate(static_cast<long>(time(nullptr)));
      if (p.state == HttpParse::State::kError) {
        RUNNEL_LOG(kDebug, options.component) << conn->peer() << ": " << p.status << " " << p.error;
        Send(s, conn, SerializeResponse(ErrorResponse(p.status, p.error), false, false, date),
             true);
        break;
      }
      offset += p.consumed;
      const HttpResponse response = Route(p.request);
      Send(s, conn,
           SerializeResponse(response, p.request.method == "HEAD", p.request.keep_alive, date),
           !p.request.keep_alive);
    }
    s.buffer.erase(0, offset);
    if (s.buffer.empty()) {
      s.request_started.reset();
    } else if (offset > 0 || !had_bytes) {
      s.request_started = Clock::now();
    }
  }

  // Answers 408 and closes every connection whose request is older than request_timeout.
  void Expire(Clock::time_point now) {
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [id, s] : sessions) {
        open.push_back(s);
      }
    }
    for (const std::shared_ptr<Session>& s : open) {
      std::shared_ptr<net::Connection> conn = s->conn.lock();
      std::lock_guard<std::mutex> lock(s->mu);
      if (conn == nullptr || s->done || !s->request_started.has_value() ||
          now - *s->request_started < options.request_timeout) {
        continue;
      }
      RUNNEL_LOG(kDebug, options.component) << conn->peer() << ": request timeout";
      const HttpResponse r =
          ErrorResponse(408, "the request was not complete within " +
                                 std::to_string(options.request_timeout.count()) + "ms");
      Send(*s, conn, SerializeResponse(r, false, false, HttpDate(static_cast<long>(time(nullptr)))),
           true);
    }
  }
};

Result<std::unique_ptr<AdminServer>> AdminServer::Start(AdminServerOptions options,
                                                        AdminHandlers handlers) {
  auto shared = std::make_shared<Shared>();
  shared->options = options;
  shared->handlers = std::move(handlers);
  net::TcpServerOptions o;
  o.host = options.host;
  o.port = options.port;
  o.io_threads = 1;
  o.max_connections = options.max_connections;
  o.connection.component = options.component;
  o.connection.idle_timeout = options.idle_timeout;
  o.connection.write_timeout = options.write_timeout;
  o.connection.max_write_queue_bytes = options.max_write_queue_bytes;
  o.connection.read_buffer_bytes = 16u << 10;
  std::weak_ptr<Shared> weak = shared;
  auto server =
      net::TcpServer::Start(std::move(o), [weak](const std::shared_ptr<net::Connection>& conn) {
        auto session = std::make_shared<Session>();
        session->conn = conn;
        const uint64_t id = conn->id();
        if (auto shared = weak.lock()) {
          std::lock_guard<std::mutex> lock(shared->mu);
          shared->sessions[id] = session;
        }
        return net::ConnectionCallbacks{.on_data =
                                            [weak, session](std::string_view data) {
                                              if (auto shared = weak.lock()) {
                                                shared->OnData(*session, data);
                                              }
                                            },
                                        .on_close =
                                            [weak, id](const Status&) {
                                              if (auto shared = weak.lock()) {
                                                std::lock_guard<std::mutex> lock(shared->mu);
                                                shared->sessions.erase(id);
                                              }
                                            }};
      });
  if (!server.has_value()) {
    return Err(server.error());
  }
  std::unique_ptr<AdminServer> admin(new AdminServer(std::move(shared), std::move(*server)));
  admin->sweeper_ = std::thread([raw = admin.get()] { raw->Sweep(); });
  return admin;
}

AdminServer::AdminServer(std::shared_ptr<Shared> shared, std::unique_ptr<net::TcpServer> server)
    : shared_(std::move(shared)), server_(std::move(server)) {}

AdminServer::~AdminServer() { Stop(); }

uint16_t AdminServer::port() const { return server_->port(); }

void AdminServer::SetHandlers(AdminHandlers handlers) {
  std::unique_lock<std::shared_mutex> lock(shared_->handlers_mu);
  shared_->handlers = std::move(handlers);
}

void AdminServer::Sweep() {
  const auto period = std::clamp<std::chrono::milliseconds>(shared_->options.request_timeout / 4,
                                                            std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(1000));
  std::unique_lock<std::mutex> lock(shared_->mu);
  while (!shared_->stopping) {
    shared_->cv.wait_for(lock, period, [&] { return shared_->stopping; });
    lock.unlock();
    shared_->Expire(Clock::now());
    lock.lock();
  }
}

void AdminServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->cv.notify_all();
  if (sweeper_.joinable()) {
    sweeper_.join();
  }
  server_->Stop();
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->sessions.clear();
}

}  // namespace runnel::api
