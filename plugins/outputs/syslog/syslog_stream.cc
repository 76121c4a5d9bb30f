#include "syslog_stream.h"

#include <utility>
#include <vector>

#include "runnel/logging.h"

namespace runnel::plugins::syslog_output {

using Clock = std::chrono::steady_clock;

struct StreamSender::Link {
  mutable std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
  Status reason;
  Clock::time_point closed_at{};
};

StreamSender::StreamSender(Options options, SyslogOutputMetrics metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      loop_(std::make_unique<net::IoLoop>(options_.component)) {}

StreamSender::~StreamSender() {
  Close();
  loop_->Stop();
}

bool StreamSender::connected() const {
  if (conn_ == nullptr) {
    return false;
  }
  std::lock_guard<std::mutex> lock(link_->mu);
  return !link_->closed;
}

Clock::time_point StreamSender::failed_at() const {
  if (link_ == nullptr) {
    return {};
  }
  std::lock_guard<std::mutex> lock(link_->mu);
  return link_->closed_at;
}

Result<bool> StreamSender::EnsureConnected() {
  if (connected()) {
    return false;
  }
  if (conn_ != nullptr) {
    conn_.reset();  // closed by the server or broken: its failure time stays in link_
  }
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  Result<std::vector<net::Endpoint>> endpoints = net::Resolve(options_.host, options_.port);
  if (!endpoints) {
    metrics_.connect_failures->Add();
    return Err(
        Status(StatusCode::kUnavailable, "resolve " + where + ": " + endpoints.error().message()));
  }
  net::ConnectOptions opts;
  opts.connect_timeout = options_.connect_timeout;
  opts.tls = options_.tls;
  opts.server_name = options_.host;
  opts.connection.idle_timeout = std::chrono::milliseconds(0);  // the server never speaks
  opts.connection.write_timeout = options_.write_timeout;
  opts.connection.component = options_.component;
  Status last;
  for (const net::Endpoint& e : *endpoints) {
    Result<std::shared_ptr<net::Connection>> conn = net::Connect(*loop_, e, opts);
    if (!conn) {
      last = conn.error();
      continue;
    }
    auto link = std::make_shared<Link>();
    if (link_ != nullptr) {
      link->closed_at = failed_at();
    }
    (*conn)->Start({.on_data = [](std::string_view) {},
                    .on_close =
                        [link](const Status& why) {
                          {
                            std::lock_guard<std::mutex> lock(link->mu);
                            link->closed = true;
                            link->reason =
                                why.ok() ? Status(StatusCode::kUnavailable, "closed by the server")
                                         : why;
                            link->closed_at = Clock::now();
                          }
                          link->cv.notify_all();
                        }});
    link_ = std::move(link);
    conn_ = std::move(*conn);
    metrics_.connects->Add();
    RUNNEL_LOG(kInfo, options_.component)
        << "connected to " << where << " (" << e.ToString() << (options_.tls ? ", TLS)" : ")");
    return true;
  }
  metrics_.connect_failures->Add();
  return Err(Status(StatusCode::kUnavailable, last.message()));
}

Status StreamSender::Fail(const Status& why) {
  metrics_.connection_errors->Add();
  if (conn_ != nullptr) {
    conn_->Close(why);
    conn_.reset();
  }
  if (link_ != nullptr) {
    std::lock_guard<std::mutex> lock(link_->mu);
    link_->closed = true;
    link_->closed_at = Clock::now();
  }
  return why;
}

Status StreamSender::Send(std::shared_ptr<const std::string> bytes) {
  if (conn_ == nullptr) {
    return Status(StatusCode::kFailedPrecondition, "not connected");
  }
  Status w = conn_->Write(std::move(bytes));
  if (!w.ok()) {
    std::unique_lock<std::mutex> lock(link_->mu);
    Status why = link_->closed ? link_->reason : w;
    lock.unlock();
    return Fail(why);
  }
  // Written once the connection's queue is empty. The connection closes itself when a write
  // makes no progress for write_timeout, so this ends; the wait backs off from 50us to 2ms.
  std::chrono::microseconds wait(50);
  std::unique_lock<std::mutex> lock(link_->mu);
  while (!link_->closed && conn_->queued_write_bytes() > 0) {
    link_->cv.wait_for(lock, wait);
    wait = std::min(wait * 2, std::chrono::microseconds(2'000));
  }
  if (link_->closed) {
    Status why = link_->reason;
    lock.unlock();
    return Fail(why);
  }
  return OkStatus();
}

void StreamSender::Close() {
  if (conn_ != nullptr) {
    conn_->CloseAfterWrites(OkStatus());
    conn_.reset();
  }
}

}  // namespace runnel::plugins::syslog_output
