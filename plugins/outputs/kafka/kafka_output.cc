#include "kafka_output.h"

#include <algorithm>

#include "runnel/logging.h"

namespace runnel::plugins::kafka_output {

using Clock = std::chrono::steady_clock;

namespace {

// Errors that say nothing about the message itself: it was not delivered and is not refused.
bool NotAccountedFor(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT ||
         err == RD_KAFKA_RESP_ERR__DESTROY || err == RD_KAFKA_RESP_ERR__FATAL;
}

}  // namespace

KafkaOutput::KafkaOutput(KafkaOutputConfig config, const PluginContext& ctx)
    : config_(std::move(config)),
      id_(ctx.id),
      dead_letters_(ctx.dead_letters),
      metrics_(ctx.component_metrics),
      encoder_(config_) {
  if (ctx.metrics != nullptr) {
    kmetrics_.produced = ctx.metrics->GetCounter("kafka_messages_produced_total", ctx.id,
                                                 "Messages a broker acknowledged.");
    kmetrics_.delivery_errors = ctx.metrics->GetCounter(
        "kafka_delivery_errors_total", ctx.id,
        "Messages refused for good (dead-lettered) or lost to a fatal producer error.");
    kmetrics_.queue_messages = ctx.metrics->GetGauge(
        "kafka_queue_messages", ctx.id,
        "Messages and requests in librdkafka's queues, not yet delivered (rd_kafka_outq_len).");
  } else {
    kmetrics_.produced = &own_counters_[0];
    kmetrics_.delivery_errors = &own_counters_[1];
    kmetrics_.queue_messages = &own_gauge_;
  }
  topic_ = config_.topic;
}

KafkaOutput::~KafkaOutput() { Stop(); }

Status KafkaOutput::Start() {
  RUNNEL_ASSIGN_OR_RETURN(kafka::ConfPtr conf, kafka::BuildConf(config_.Properties()));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaOutput::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaOutput::OnError);
  rd_kafka_conf_set_opaque(conf.get(), this);
  kafka::RouteLogs(conf.get());
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof(err));
  if (rk_ == nullptr) {
    return InvalidArgument(id_ + ": cannot create the Kafka producer: " + err);
  }
  (void)conf.release();  // rd_kafka_new owns it now
  poller_ = std::thread([this] { PollLoop(); });
  return OkStatus();
}

WriteResult KafkaOutput::Write(const Batch&) {
  return WriteResult::Rejected("the kafka output takes batches through Submit");
}

Status KafkaOutput::Submit(std::shared_ptr<const Batch> batch, AckHandle ack) {
  auto owned = std::make_unique<InFlight>();
  InFlight* f = owned.get();
  f->batch = std::move(batch);
  f->ack = std::move(ack);
  f->refs.resize(f->batch->count);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) {
      return Cancelled("the output is stopping");
    }
    in_flight_.emplace(f, std::move(owned));
  }
  const Batch& b = *f->batch;
  BatchReader reader(b.data);
  bool stopped = false;
  for (uint32_t i = 0; i < b.count && !stopped; ++i) {
    const size_t start = reader.position();
    EventTime time;
    std::string_view record;
    Status s = reader.Next(&time, &record);
    if (!s.ok()) {
      // Nothing after a malformed entry can be read: the rest is refused.
      std::lock_guard<std::mutex> lock(mu_);
      for (uint32_t j = i; j < b.count; ++j) {
        f->failed.emplace_back(j, "malformed entry: " + s.message());
      }
      break;
    }
    const std::string_view entry =
        std::string_view(b.data).substr(start, reader.position() - start);
    EncodedMessage m;
    s = encoder_.Encode(time, record, entry, &m);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      f->failed.emplace_back(i, "malformed record: " + s.message());
      continue;
    }
    stopped = !Produce(f, i, m, time);
  }
  std::unique_ptr<InFlight> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped) {
      f->cancelled = true;
    }
    done = Release(f);  // Submit's own hold
  }
  if (done != nullptr) {
    Finish(std::move(done));
  }
  return stopped ? Cancelled("the output is stopping") : OkStatus();
}

bool KafkaOutput::Produce(InFlight* f, uint32_t position, const EncodedMessage& m, EventTime time) {
  MessageRef* ref = &f->refs[position];
  ref->owner = f;
  ref->position = position;
  const char* topic = topic_.c_str();
  std::string named;
  if (m.topic.data() != topic_.data()) {
    named.assign(m.topic);
    topic = named.c_str();
  }
  while (true) {
    rd_kafka_headers_t* headers = nullptr;
    if (!config_.headers.empty() || !config_.tag_header.empty()) {
      headers = rd_kafka_headers_new(config_.headers.size() + 1);
      for (const auto& [name, value] : config_.headers) {
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
      }
      if (!config_.tag_header.empty()) {
        rd_kafka_header_add(headers, config_.tag_header.data(),
                            static_cast<ssize_t>(config_.tag_header.size()), f->batch->tag.data(),
                            static_cast<ssize_t>(f->batch->tag.size()));
      }
    }
    rd_kafka_vu_t vus[6];
    size_t n = 0;
    vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
    vus[n++].u.cstr = topic;
    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[n].u.mem.ptr = const_cast<char*>(m.value.data());
    vus[n++].u.mem.size = m.value.size();
    if (m.has_key) {
      vus[n].vtype = RD_KAFKA_VTYPE_KEY;
      vus[n].u.mem.ptr = const_cast<char*>(m.key.data());
      vus[n++].u.mem.size = m.key.size();
    }
    vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    vus[n++].u.i64 = time.ToNanos() / 1'000'000;
    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vus[n++].u.ptr = ref;
    rd_kafka_error_t* error = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++f->outstanding;  // before the report can come
    }
    if (headers != nullptr) {
      rd_kafka_vu_t all[7];
      std::copy(vus, vus + n, all);
      all[n].vtype = RD_KAFKA_VTYPE_HEADERS;
      all[n].u.headers = headers;
      error = rd_kafka_produceva(rk_, all, n + 1);
    } else {
      error = rd_kafka_produceva(rk_, vus, n);
    }
    if (error == nullptr) {
      return true;
    }
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    std::string reason = rd_kafka_err2str(code);  // as a delivery report says it
    rd_kafka_error_destroy(error);
    if (headers != nullptr) {
      rd_kafka_headers_destroy(headers);  // still ours when producing failed
    }
    std::unique_lock<std::mutex> lock(mu_);
    --f->outstanding;
    if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      f->failed.emplace_back(position, std::move(reason));
      kmetrics_.delivery_errors->Add();
      return true;
    }
    // The queue is full: wait for delivery reports to make room.
    cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return cancelled_; });
    if (cancelled_) {
      return false;
    }
  }
}

void KafkaOutput::OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<KafkaOutput*>(opaque);
  auto* ref = static_cast<MessageRef*>(msg->_private);
  if (ref == nullptr) {
    return;
  }
  InFlight* f = ref->owner;
  const rd_kafka_resp_err_t err = msg->err;
  std::unique_ptr<InFlight> done;
  {
    std::lock_guard<std::mutex> lock(self->mu_);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->kmetrics_.produced->Add();
    } else if (NotAccountedFor(err) || rd_kafka_fatal_error(rk, nullptr, 0) != 0) {
      f->cancelled = true;
      if (err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        self->kmetrics_.delivery_errors->Add();
      }
    } else {
      f->failed.emplace_back(ref->position, rd_kafka_err2str(err));
      self->kmetrics_.delivery_errors->Add();
    }
    done = self->Release(f);
  }
  if (done != nullptr) {
    self->Finish(std::move(done));
  }
}

void KafkaOutput::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaOutput*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char why[512];
    rd_kafka_fatal_error(rk, why, sizeof(why));
    RUNNEL_LOG(kError, self->id_) << "fatal producer error, nothing more is delivered until a "
                                     "restart (undelivered batches stay with their sources): "
                                  << why;
    return;
  }
  // Brokers going down and coming back are retried by librdkafka: a warning, rate-limited.
  RUNNEL_LOG_EVERY(kWarn, self->id_, std::chrono::seconds(10))
      << rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)) << ": " << reason;
}

std::unique_ptr<KafkaOutput::InFlight> KafkaOutput::Release(InFlight* f) {
  if (--f->outstanding > 0) {
    return nullptr;
  }
  auto it = in_flight_.find(f);
  std::unique_ptr<InFlight> done = std::move(it->second);
  in_flight_.erase(it);
  cv_.notify_all();
  return done;
}

void KafkaOutput::Finish(std::unique_ptr<InFlight> f) {
  if (f->cancelled) {
    return;  // the handle is destroyed uncompleted: kCancelled
  }
  const Batch& b = *f->batch;
  if (f->failed.empty()) {
    if (metrics_.events_out != nullptr) {
      metrics_.events_out->Add(b.count);
      metrics_.bytes_out->Add(b.bytes());
    }
    f->ack.Complete(AckOutcome::kDelivered);
    return;
  }
  if (dead_letters_ == nullptr) {
    RUNNEL_LOG_EVERY(kError, id_, std::chrono::seconds(10))
        << f->failed.size() << " of " << b.count
        << " messages refused and no dead letters here; the batch is rejected: "
        << f->failed.front().second;
    f->ack.Complete(AckOutcome::kRejected);
    return;
  }
  // One dead letter per reason, positions ascending.
  std::sort(f->failed.begin(), f->failed.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  for (size_t i = 0; i < f->failed.size();) {
    size_t j = i;
    std::vector<uint32_t> positions;
    while (j < f->failed.size() && f->failed[j].second == f->failed[i].second) {
      positions.push_back(f->failed[j].first);
      ++j;
    }
    (void)dead_letters_->Put(b, positions, "kafka: " + f->failed[i].second);
    i = j;
  }
  const uint64_t delivered = b.count - f->failed.size();
  if (metrics_.events_out != nullptr) {
    metrics_.events_out->Add(delivered);
    metrics_.bytes_out->Add(b.bytes());
  }
  f->ack.Complete(AckOutcome::kDelivered);
}

uint64_t KafkaOutput::Flush(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return cancelled_ || in_flight_.empty(); });
  return in_flight_.size();
}

void KafkaOutput::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

void KafkaOutput::PollLoop() {
  while (!stop_poll_.load()) {
    rd_kafka_poll(rk_, 100);
    kmetrics_.queue_messages->Set(rd_kafka_outq_len(rk_));
  }
}

void KafkaOutput::Stop() {
  if (rk_ == nullptr) {
    return;
  }
  Cancel();
  stop_poll_.store(true);
  if (poller_.joinable()) {
    poller_.join();
  }
  // What is not delivered is purged; its reports (on this thread) leave those batches cancelled.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    rd_kafka_poll(rk_, 50);
    std::lock_guard<std::mutex> lock(mu_);
    if (in_flight_.empty()) {
      break;
    }
  }
  size_t left = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left = in_flight_.size();
  }
  if (left > 0) {
    RUNNEL_LOG(kInfo, id_) << left
                           << " batches were not delivered before the stop; their sources send "
                              "them again after a restart";
  }
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  std::map<InFlight*, std::unique_ptr<InFlight>> rest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rest.swap(in_flight_);
  }
  // Destroyed here, outside the lock: their acknowledgements complete as cancelled.
}

}  // namespace runnel::plugins::kafka_output
