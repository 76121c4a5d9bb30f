#pragma once
// Session: one client's connection to the http input. It parses requests (runnel/net/http.h,
// keep-alive, pipelining), checks each (path, method, token, encodings, tag), decodes its body
// into one batch and hands it to the Receiver, then answers once the pipeline has acknowledged
// it: 200 {"events":N} when every event was taken (kDelivered or kRejected), 503 when they were
// cancelled (the pipeline stopped).
//
// One request at a time: while a request's events are in the pipeline, reading is paused
// (Connection::PauseReading), so a client that pipelines waits in TCP, and one that sends
// faster than the pipeline takes is slowed down; requests already read are answered in order
// after it. When the receiver's queue is full the request is refused at once (busy_status,
// Retry-After) instead of waiting: the loop thread never blocks.
//
// Bad input gets its status (400, 401, 404, 405, 413, 415...) with a plain-text reason, is
// counted by reason and logged (rate-limited); the connection stays open unless the request
// could not be framed (a parse error: answered, then closed).
//
// Thread-safety: OnData and OnClose run on the loop thread; OnAcked on whichever thread
// completed the acknowledgement; Finish on the input's. All state is under mu_.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "receiver.h"
#include "runnel/net/connection.h"
#include "runnel/net/http.h"

namespace runnel::plugins::http_input {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Receiver> receiver, const std::shared_ptr<net::Connection>& connection);

  void OnData(std::string_view data);
  void OnClose(const Status& reason);
  // The request in the pipeline was acknowledged.
  void OnAcked(AckOutcome outcome);
  // The input is going away: nothing more is read or answered; the connection closes once
  // what is queued has been written.
  void Finish();

 private:
  // Handles the complete requests in buffer_ until one is in the pipeline. Under mu_.
  void Process(const std::shared_ptr<net::Connection>& conn);
  // One request; true when its events went into the pipeline. Under mu_.
  bool Handle(const std::shared_ptr<net::Connection>& conn, const net::HttpRequest& request);
  // Queues a response; closes after it unless `keep_alive`. Under mu_.
  void Respond(const std::shared_ptr<net::Connection>& conn, const net::HttpResponse& response,
               bool keep_alive);
  // Counts, logs and answers a refusal. Under mu_.
  void Refuse(const std::shared_ptr<net::Connection>& conn, Reject reason, int status,
              const std::string& why, bool keep_alive, net::HttpHeaders headers = {});

  const std::shared_ptr<Receiver> receiver_;
  const std::weak_ptr<net::Connection> connection_;
  const std::string peer_;
  const std::string address_;  // the peer's IP address, for source_address_key
  const net::HttpLimits limits_;

  std::mutex mu_;
  std::string buffer_;  // bytes read and not yet parsed into a request
  bool continue_sent_ = false;
  bool head_ = false;       // the request being answered is a HEAD: its answer has no body
  bool in_flight_ = false;  // a request's events are in the pipeline
  bool in_flight_keep_alive_ = true;
  uint32_t in_flight_events_ = 0;
  bool done_ = false;  // a last response is queued, or finished: nothing more is handled
};

}  // namespace runnel::plugins::http_input
