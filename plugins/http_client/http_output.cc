// HttpOutput: the curl thread, and what Submit / Flush / Cancel share with it.
//
// Locking: State::mu guards the RequestQueue, `active` and the flags. The curl thread encodes,
// compresses, classifies and writes dead letters without it; acknowledgements are completed
// outside it too, and dead letters are written before the acknowledgement of their batch.

#include "plugins/http_client/http_output.h"

#include <curl/curl.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "plugins/http_client/curl_request.h"
#include "plugins/http_client/request_queue.h"
#include "runnel/logging.h"

namespace runnel::http_client {

using internal::Clock;
using internal::Completion;
using internal::EventRef;
using internal::Job;

struct HttpOutput::State {
  State(HttpOptions o, std::unique_ptr<HttpProtocol> p, PluginContext& ctx)
      : options(std::move(o)),
        protocol(std::move(p)),
        id(ctx.id),
        dead_letters(ctx.dead_letters),
        queue(options),
        compressor(options.compression_level) {
    registry = ctx.metrics;
    if (registry == nullptr) {
      own_registry = std::make_unique<MetricsRegistry>();
      registry = own_registry.get();
    }
    cm = ctx.component_metrics;
    if (cm.events_out == nullptr) {
      cm = ComponentMetrics::Create(*registry, id);
    }
    duration = registry->GetHistogram("http_request_duration_seconds", id,
                                      "Time from sending an HTTP request to its response.",
                                      LatencyBuckets());
    in_flight = registry->GetGauge("http_in_flight_requests", id,
                                   "HTTP requests sent and not yet answered.");
    RequestsCounter(200);
  }

  Counter* RequestsCounter(long code) {
    auto it = requests.find(code);
    if (it != requests.end()) {
      return it->second;
    }
    Counter* c = registry->GetCounter(
        "http_requests_total", id,
        "HTTP requests answered, by status code (\"error\": no response, see the log).",
        {{"code", code == 0 ? std::string("error") : std::to_string(code)}});
    requests.emplace(code, c);
    return c;
  }

  void Wake() {
    std::lock_guard<std::mutex> lock(multi_mu);
    if (multi != nullptr) {
      curl_multi_wakeup(multi);
    }
  }

  bool Full() const {
    const uint64_t bytes_bound =
        2ull * options.max_in_flight * std::max<uint64_t>(options.batch_max_bytes, 1);
    return queue.batches() > 0 && (queue.held_bytes() >= bytes_bound ||
                                   queue.ready() + active >= 2 * options.max_in_flight);
  }

  void Run();
  void StartJob(std::unique_ptr<Job> job);
  void FinishTransfer(CURL* easy, CURLcode code);
  // Applies an outcome to a job that was sent (or could not be): settles, dead-letters or
  // queues it again, and frees its slot.
  void Conclude(std::unique_ptr<Job> job, const Outcome& outcome);
  // Writes the dead letters of `rejected` (event, reason): one per batch and reason. Returns
  // the events grouped so, each with whether there was no sink (their batches are then
  // rejected whole).
  std::vector<std::pair<std::vector<EventRef>, bool>> DeadLetterAll(
      std::vector<std::pair<EventRef, std::string>>& rejected);
  void Done(std::vector<Completion>& done);

  const HttpOptions options;
  const std::unique_ptr<HttpProtocol> protocol;
  const std::string id;
  DeadLetters* const dead_letters;
  std::unique_ptr<MetricsRegistry> own_registry;
  MetricsRegistry* registry = nullptr;
  ComponentMetrics cm;
  Histogram* duration = nullptr;
  Gauge* in_flight = nullptr;
  std::map<long, Counter*> requests;  // curl thread (and the constructor)

  std::mutex mu;
  std::condition_variable cv;  // Submit and Flush wait here
  internal::RequestQueue queue;
  size_t active = 0;  // jobs taken from the queue and not concluded
  bool cancelled = false;

  // The curl thread's own.
  forward::Compressor compressor;
  std::mutex multi_mu;  // `multi`'s lifetime against Wake from other threads
  CURLM* multi = nullptr;
  struct Running {
    std::unique_ptr<Job> job;
    std::unique_ptr<CurlRequest> request;
    Clock::time_point started;
  };
  std::map<CURL*, Running> running;
  std::thread thread;
};

void HttpOutput::State::Run() {
  while (true) {
    std::vector<std::unique_ptr<Job>> to_start;
    int timeout_ms = 1000;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (cancelled) {
        break;
      }
      const Clock::time_point now = Clock::now();
      if (auto deadline = queue.open_deadline(); deadline.has_value() && *deadline <= now) {
        queue.SealOpen();
      }
      while (active < options.max_in_flight) {
        std::unique_ptr<Job> job = queue.PopDue(now);
        if (job == nullptr) {
          break;
        }
        ++active;
        to_start.push_back(std::move(job));
      }
      std::optional<Clock::time_point> wake = queue.open_deadline();
      if (auto due = queue.next_due(); due.has_value() && active < options.max_in_flight) {
        wake = wake.has_value() ? std::min(*wake, *due) : *due;
      }
      if (wake.has_value()) {
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*wake - now).count();
        timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 1000));
      }
    }
    cv.notify_all();  // a sealed request or a free slot may unblock Submit
    for (std::unique_ptr<Job>& job : to_start) {
      StartJob(std::move(job));
    }
    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    int left = 0;
    bool finished = false;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) {
        FinishTransfer(msg->easy_handle, msg->data.result);
        finished = true;
      }
    }
    if (!to_start.empty() || finished) {
      continue;  // slots freed, or requests queued again: look at the queue before waiting
    }
    curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  }
  // Cancelled: abandon every request. The acks of unfinished batches cancel as their last
  // reference goes.
  for (auto& [easy, r] : running) {
    curl_multi_remove_handle(multi, easy);
  }
  running.clear();
  in_flight->Set(0);
  std::vector<std::unique_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu);
    jobs = queue.TakeAll();
  }
  jobs.clear();
  cv.notify_all();
}

void HttpOutput::State::StartJob(std::unique_ptr<Job> job) {
  std::vector<Event> events;
  events.reserve(job->events.size());
  for (const EventRef& ref : job->events) {
    events.push_back(ref.event);
  }
  HttpProtocol::Encoded encoded;
  Status s = protocol->Encode(events, &encoded);
  if (!s.ok()) {
    Conclude(std::move(job), Outcome::Rejected(s.message()));
    return;
  }
  if (!encoded.rejected.empty()) {
    std::sort(encoded.rejected.begin(), encoded.rejected.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<EventRef> kept;
    std::vector<std::pair<EventRef, std::string>> rejected;
    size_t next = 0;
    for (uint32_t i = 0; i < job->events.size(); ++i) {
      if (next < encoded.rejected.size() && encoded.rejected[next].first == i) {
        rejected.emplace_back(std::move(job->events[i]), std::move(encoded.rejected[next].second));
        while (next < encoded.rejected.size() && encoded.rejected[next].first == i) {
          ++next;
        }
      } else {
        kept.push_back(std::move(job->events[i]));
      }
    }
    std::vector<Completion> done;
    const auto refused = DeadLetterAll(rejected);
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [events, no_sink] : refused) {
        queue.Settle(events, false, no_sink, &done);
      }
    }
    Done(done);
    job->events = std::move(kept);
    if (job->events.empty()) {
      Conclude(std::move(job), Outcome::Delivered());
      return;
    }
  }
  std::string body;
  std::string_view encoding;
  if (encoded.request.compress && options.compression != forward::Compression::kNone) {
    if (Status c = compressor.Compress(options.compression, encoded.request.body, &body); !c.ok()) {
      Conclude(std::move(job), Outcome::Retry("compressing the body: " + c.message()));
      return;
    }
    encoding = forward::CompressionName(options.compression);
  } else {
    body = std::move(encoded.request.body);
  }
  Result<std::unique_ptr<CurlRequest>> request =
      CurlRequest::Create(options, encoded.request, std::move(body), encoding);
  if (!request) {
    Conclude(std::move(job), Outcome::Retry(request.error().message()));
    return;
  }
  ++job->attempts;
  CURL* easy = (*request)->easy();
  running[easy] = Running{std::move(job), std::move(*request), Clock::now()};
  curl_multi_add_handle(multi, easy);
  in_flight->Set(static_cast<int64_t>(running.size()));
}

void HttpOutput::State::FinishTransfer(CURL* easy, CURLcode code) {
  auto it = running.find(easy);
  if (it == running.end()) {
    return;
  }
  Running r = std::move(it->second);
  running.erase(it);
  curl_multi_remove_handle(multi, easy);
  in_flight->Set(static_cast<int64_t>(running.size()));
  const Response response = r.request->Finish(code);
  duration->Observe(std::chrono::duration<double>(Clock::now() - r.started).count());
  RequestsCounter(response.status)->Add(1);
  std::vector<Event> events;
  events.reserve(r.job->events.size());
  for (const EventRef& ref : r.job->events) {
    events.push_back(ref.event);
  }
  Outcome outcome = protocol->Classify(events, response);
  if (outcome.kind == Outcome::Kind::kPerEvent && outcome.events.size() != events.size()) {
    outcome = Outcome::Retry("the store's answer reads " + std::to_string(outcome.events.size()) +
                             " results for " + std::to_string(events.size()) + " events");
  }
  Conclude(std::move(r.job), outcome);
}

void HttpOutput::State::Conclude(std::unique_ptr<Job> job, const Outcome& outcome) {
  std::vector<EventRef> delivered;
  std::vector<EventRef> retry;
  std::string retry_reason;
  std::vector<std::pair<EventRef, std::string>> rejected;
  switch (outcome.kind) {
    case Outcome::Kind::kDelivered:
      delivered = std::move(job->events);
      break;
    case Outcome::Kind::kRejected:
      for (EventRef& ref : job->events) {
        rejected.emplace_back(std::move(ref), outcome.reason);
      }
      break;
    case Outcome::Kind::kRetry:
      retry = std::move(job->events);
      retry_reason = outcome.reason;
      break;
    case Outcome::Kind::kPerEvent:
      for (size_t i = 0; i < job->events.size(); ++i) {
        const Outcome::PerEvent& pe = outcome.events[i];
        if (pe.kind == Outcome::Kind::kRejected) {
          rejected.emplace_back(std::move(job->events[i]), pe.reason);
        } else if (pe.kind == Outcome::Kind::kRetry) {
          if (retry_reason.empty()) {
            retry_reason = pe.reason;
          }
          retry.push_back(std::move(job->events[i]));
        } else {
          delivered.push_back(std::move(job->events[i]));
        }
      }
      break;
  }
  job->events.clear();
  if (!retry.empty() && options.retry_limit > 0 && job->attempts >= options.retry_limit) {
    RUNNEL_LOG_EVERY(kError, id, std::chrono::seconds(10))
        << "giving up on " << retry.size() << " events after " << job->attempts
        << " attempts: " << retry_reason << "; they go to the dead letters";
    const std::string reason =
        "gave up after " + std::to_string(job->attempts) + " attempts: " + retry_reason;
    for (EventRef& ref : retry) {
      rejected.emplace_back(std::move(ref), reason);
    }
    retry.clear();
  }
  const auto refused = DeadLetterAll(rejected);
  if (!retry.empty()) {
    std::chrono::milliseconds wait = outcome.retry_after;
    if (wait.count() > 0) {
      wait = std::min(wait, options.retry_max);
    } else {
      wait = job->backoff.Next();
    }
    cm.retries->Add(1);
    cm.errors->Add(1);
    RUNNEL_LOG_EVERY(kWarn, id, std::chrono::seconds(10))
        << "request of " << retry.size() << " events failed (attempt " << job->attempts
        << "): " << retry_reason << "; sending again in " << wait.count() << " ms";
    job->events = std::move(retry);
    job->due = Clock::now() + wait;
  } else if (!refused.empty()) {
    cm.errors->Add(1);
    RUNNEL_LOG_EVERY(kWarn, id, std::chrono::seconds(10))
        << "the server refused events: "
        << (outcome.kind == Outcome::Kind::kRejected ? outcome.reason : "see the dead letters");
  }
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mu);
    queue.Settle(delivered, true, false, &done);
    for (const auto& [events, no_sink] : refused) {
      queue.Settle(events, false, no_sink, &done);
    }
    if (!job->events.empty()) {
      queue.Requeue(std::move(job));
    }
    --active;
  }
  Done(done);
}

std::vector<std::pair<std::vector<EventRef>, bool>> HttpOutput::State::DeadLetterAll(
    std::vector<std::pair<EventRef, std::string>>& rejected) {
  // One dead letter per batch and reason, positions ascending.
  std::vector<std::pair<std::vector<EventRef>, bool>> out;
  std::vector<bool> taken(rejected.size(), false);
  for (size_t i = 0; i < rejected.size(); ++i) {
    if (taken[i]) {
      continue;
    }
    const std::string& reason = rejected[i].second;
    const Batch* batch = rejected[i].first.event.batch;
    std::vector<EventRef> group;
    for (size_t j = i; j < rejected.size(); ++j) {
      if (!taken[j] && rejected[j].first.event.batch == batch && rejected[j].second == reason) {
        taken[j] = true;
        group.push_back(rejected[j].first);
      }
    }
    std::sort(group.begin(), group.end(), [](const EventRef& a, const EventRef& b) {
      return a.event.position < b.event.position;
    });
    bool no_sink = true;
    if (dead_letters != nullptr) {
      std::vector<uint32_t> positions;
      for (const EventRef& ref : group) {
        positions.push_back(ref.event.position);
      }
      (void)dead_letters->Put(*batch, positions, reason);  // a failure is counted and logged
      no_sink = false;
    }
    out.emplace_back(std::move(group), no_sink);
  }
  return out;
}

void HttpOutput::State::Done(std::vector<Completion>& done) {
  if (done.empty()) {
    return;
  }
  for (Completion& c : done) {
    cm.events_out->Add(c.events);
    cm.bytes_out->Add(c.bytes);
    c.ack.Complete(c.outcome);
  }
  done.clear();
  cv.notify_all();
}

HttpOutput::HttpOutput(HttpOptions options, std::unique_ptr<HttpProtocol> protocol,
                       PluginContext& ctx)
    : state_(std::make_unique<State>(std::move(options), std::move(protocol), ctx)) {}

HttpOutput::~HttpOutput() { Stop(); }

Status HttpOutput::Start() {
  GlobalCurlInit();
  {
    std::lock_guard<std::mutex> lock(state_->multi_mu);
    state_->multi = curl_multi_init();
  }
  if (state_->multi == nullptr) {
    return Internal(state_->id + ": curl_multi_init failed");
  }
  state_->thread = std::thread([s = state_.get()] { s->Run(); });
  return OkStatus();
}

void HttpOutput::Stop() {
  Cancel();
  if (state_->thread.joinable()) {
    state_->thread.join();
  }
  std::lock_guard<std::mutex> lock(state_->multi_mu);
  if (state_->multi != nullptr) {
    curl_multi_cleanup(state_->multi);
    state_->multi = nullptr;
  }
}

Status HttpOutput::Submit(std::shared_ptr<const Batch> batch, AckHandle ack) {
  State& s = *state_;
  std::vector<Completion> done;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.cv.wait(lock, [&s] { return s.cancelled || !s.Full(); });
    if (s.cancelled) {
      return Cancelled(s.id + " is stopping");
    }
    if (Status st = s.queue.Add(std::move(batch), &ack, &done); !st.ok()) {
      lock.unlock();
      RUNNEL_LOG_EVERY(kError, s.id, std::chrono::seconds(10))
          << "a batch cannot be read: " << st.message() << "; it is rejected";
      ack.Complete(AckOutcome::kRejected);
      return OkStatus();
    }
  }
  s.Done(done);
  s.Wake();
  return OkStatus();
}

uint64_t HttpOutput::Flush(std::chrono::steady_clock::time_point deadline) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.queue.SealOpen();
  s.Wake();
  s.cv.wait_until(lock, deadline, [&s] { return s.cancelled || s.queue.batches() == 0; });
  return s.queue.batches();
}

void HttpOutput::Cancel() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->cancelled = true;
  }
  state_->cv.notify_all();
  state_->Wake();
}

WriteResult HttpOutput::Write(const Batch& batch) {
  (void)batch;
  return WriteResult::Rejected("the HTTP output takes batches through Submit");
}

}  // namespace runnel::http_client
