#include "kafka_input.h"

#include <algorithm>

#include "runnel/logging.h"

namespace runnel::plugins::kafka_input {

using Clock = std::chrono::steady_clock;

KafkaInput::KafkaInput(KafkaInputConfig config, std::string tag, const PluginContext& ctx)
    : config_(std::move(config)), tag_(std::move(tag)), id_(ctx.id), decoder_(config_) {
  if (ctx.metrics != nullptr) {
    MetricsRegistry& r = *ctx.metrics;
    metrics_.messages = r.GetCounter("kafka_messages_consumed_total", id_,
                                     "Messages read from the assigned partitions and emitted.");
    metrics_.decode_errors = r.GetCounter(
        "kafka_decode_errors_total", id_,
        "Messages that did not decode as `format`; each is emitted raw in message_key.");
    metrics_.commits = r.GetCounter("kafka_commits_total", id_,
                                    "Offset commits sent (one per partition that advanced).");
    metrics_.commit_errors =
        r.GetCounter("kafka_commit_errors_total", id_, "Offset commits the group refused.");
    metrics_.rebalances =
        r.GetCounter("kafka_rebalances_total", id_, "Partition assignments and revocations.");
    metrics_.paused = r.GetGauge(
        "kafka_paused", id_, "1 while the partitions are paused (max_unacked_* reached), else 0.");
  } else {
    Counter** all[] = {&metrics_.messages, &metrics_.decode_errors, &metrics_.commits,
                       &metrics_.commit_errors, &metrics_.rebalances};
    for (size_t i = 0; i < 5; ++i) {
      *all[i] = &own_counters_[i];
    }
    metrics_.paused = &own_gauge_;
  }
  events_in_ = ctx.component_metrics.events_in;
  bytes_in_ = ctx.component_metrics.bytes_in;
}

KafkaInput::~KafkaInput() {
  Stop();
  Close();
}

Status KafkaInput::Start(Emitter& emitter) {
  RUNNEL_ASSIGN_OR_RETURN(kafka::ConfPtr conf, kafka::BuildConf(config_.Properties()));
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaInput::OnRebalance);
  rd_kafka_conf_set_opaque(conf.get(), this);
  kafka::RouteLogs(conf.get());
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof(err));
  if (rk_ == nullptr) {
    return InvalidArgument(id_ + ": cannot create the Kafka consumer: " + err);
  }
  (void)conf.release();
  rd_kafka_poll_set_consumer(rk_);
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size()));
  for (const std::string& t : config_.topics) {
    rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return InvalidArgument(id_ + ": cannot subscribe to the topics: " + rd_kafka_err2str(e));
  }
  thread_ = std::thread([this, &emitter] { Run(emitter); });
  return OkStatus();
}

void KafkaInput::Stop() {
  stop_.store(true);
  if (thread_.joinable()) {
    thread_.join();
  }
}

void KafkaInput::OnDrained() { Close(); }

void KafkaInput::Close() {
  if (rk_ == nullptr || closed_) {
    return;
  }
  closed_ = true;
  DropPending();
  CommitAcknowledged(/*sync=*/true);
  // Leaving the group revokes the partitions (Rebalance commits once more) so the others take
  // them over at once rather than after the session timeout.
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
}

void KafkaInput::Run(Emitter& emitter) {
  const auto poll_wait =
      std::min<std::chrono::milliseconds>(config_.batch_timeout, std::chrono::milliseconds(100));
  while (!stop_.load() && !emitter.stopping()) {
    bool over;
    {
      std::lock_guard<std::mutex> lock(mu_);
      over = tracker_.unacked_batches() >= config_.max_unacked_batches ||
             tracker_.unacked_bytes() >= config_.max_unacked_bytes;
    }
    if (over != paused_) {
      SetPaused(over);
    }
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, static_cast<int>(poll_wait.count()));
    if (msg != nullptr) {
      if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
              << "consumer: " << rd_kafka_message_errstr(msg);
        }
        rd_kafka_message_destroy(msg);
      } else {
        bool mine;
        {
          std::lock_guard<std::mutex> lock(mu_);
          mine = assigned_.contains(TopicPartition{rd_kafka_topic_name(msg->rkt), msg->partition});
        }
        if (!mine) {
          rd_kafka_message_destroy(msg);  // fetched before its partition was revoked
        } else {
          if (pending_.empty()) {
            pending_since_ = Clock::now();
          }
          pending_.push_back(msg);
          pending_bytes_ += msg->len;
        }
      }
    }
    if (!pending_.empty() && (pending_.size() >= config_.batch_max_events ||
                              Clock::now() - pending_since_ >= config_.batch_timeout)) {
      EmitPending(emitter);
    }
    CommitAcknowledged(/*sync=*/false);
  }
  DropPending();  // never emitted, never committed: read again after a restart
}

void KafkaInput::EmitPending(Emitter& emitter) {
  Batch batch;
  batch.tag = tag_;
  batch.id = BatchId::Random();
  std::vector<std::pair<TopicPartition, int64_t>> last;
  const EventTime now = EventTime::Now();
  uint64_t bad = 0;
  for (rd_kafka_message_t* msg : pending_) {
    Message m;
    if (msg->payload != nullptr) {
      m.value = std::string_view(static_cast<const char*>(msg->payload), msg->len);
    }
    if (msg->key != nullptr) {
      m.has_key = true;
      m.key = std::string_view(static_cast<const char*>(msg->key), msg->key_len);
    }
    m.topic = rd_kafka_topic_name(msg->rkt);
    m.partition = msg->partition;
    m.offset = msg->offset;
    rd_kafka_timestamp_type_t type;
    m.timestamp_ms = rd_kafka_message_timestamp(msg, &type);
    if (!decoder_.Append(m, now, &batch)) {
      ++bad;
    }
    TopicPartition tp{std::string(m.topic), m.partition};
    auto it = std::find_if(last.begin(), last.end(), [&](const auto& e) { return e.first == tp; });
    if (it == last.end()) {
      last.emplace_back(std::move(tp), m.offset);
    } else {
      it->second = std::max(it->second, m.offset);
    }
  }
  const size_t n = pending_.size();
  DropPending();
  metrics_.messages->Add(n);
  if (bad > 0) {
    metrics_.decode_errors->Add(bad);
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(60))
        << bad << " messages did not decode as "
        << "the configured format; kept raw in \"" << config_.message_key << "\"";
  }
  if (events_in_ != nullptr) {
    events_in_->Add(batch.count);
    bytes_in_->Add(batch.bytes());
  }
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = tracker_.Add(last, batch.bytes());
  }
  batch.ack = AckHandle::Create(this, seq);
  (void)emitter.Emit(std::move(batch));  // Cancelled: the acknowledgement says so
}

void KafkaInput::DropPending() {
  for (rd_kafka_message_t* msg : pending_) {
    rd_kafka_message_destroy(msg);
  }
  pending_.clear();
  pending_bytes_ = 0;
}

void KafkaInput::OnAck(uint64_t cookie, AckOutcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  tracker_.Ack(cookie, outcome != AckOutcome::kCancelled);
}

void KafkaInput::CommitAcknowledged(bool sync) {
  OffsetTracker::Commits commits;
  {
    std::lock_guard<std::mutex> lock(mu_);
    commits = tracker_.TakeCommits();
  }
  Commit(commits, sync);
}

void KafkaInput::Commit(const OffsetTracker::Commits& commits, bool sync) {
  if (commits.empty()) {
    return;
  }
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(commits.size()));
  for (const auto& [tp, offset] : commits) {
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = offset;
  }
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_, list, sync ? 0 : 1);
  rd_kafka_topic_partition_list_destroy(list);
  metrics_.commits->Add(commits.size());
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    metrics_.commit_errors->Add();
    RUNNEL_LOG_EVERY(kWarn, id_, std::chrono::seconds(10))
        << "offset commit: " << rd_kafka_err2str(e);
  }
}

void KafkaInput::SetPaused(bool pause) {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  if (pause) {
    rd_kafka_pause_partitions(rk_, parts);
  } else {
    rd_kafka_resume_partitions(rk_, parts);
  }
  rd_kafka_topic_partition_list_destroy(parts);
  paused_ = pause;
  metrics_.paused->Set(pause ? 1 : 0);
}

void KafkaInput::OnRebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<KafkaInput*>(opaque)->Rebalance(err, partitions);
}

void KafkaInput::Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  metrics_.rebalances->Add();
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk_)) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int i = 0; i < partitions->cnt; ++i) {
        TopicPartition tp{partitions->elems[i].topic, partitions->elems[i].partition};
        tracker_.Assign(tp);
        assigned_.insert(tp);
      }
    }
    RUNNEL_LOG(kInfo, id_) << "assigned " << partitions->cnt << " partitions";
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, partitions);
      if (e != nullptr) {
        RUNNEL_LOG(kError, id_) << "assign: " << rd_kafka_error_string(e);
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk_, partitions);
      paused_ = false;  // a new assignment starts resumed
      metrics_.paused->Set(0);
    }
    return;
  }
  // Revoked (or lost): commit what is acknowledged, then let the partitions go. Messages of
  // theirs read and not emitted are dropped: their next owner reads them from the commit.
  std::set<TopicPartition> revoked;
  OffsetTracker::Commits commits;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < partitions->cnt; ++i) {
      TopicPartition tp{partitions->elems[i].topic, partitions->elems[i].partition};
      if (std::optional<int64_t> offset = tracker_.Revoke(tp)) {
        commits.emplace_back(tp, *offset);
      }
      assigned_.erase(tp);
      revoked.insert(std::move(tp));
    }
  }
  std::erase_if(pending_, [&](rd_kafka_message_t* msg) {
    if (!revoked.contains(TopicPartition{rd_kafka_topic_name(msg->rkt), msg->partition})) {
      return false;
    }
    pending_bytes_ -= msg->len;
    rd_kafka_message_destroy(msg);
    return true;
  });
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || !rd_kafka_assignment_lost(rk_)) {
    Commit(commits, /*sync=*/true);
  }
  RUNNEL_LOG(kInfo, id_) << "revoked " << partitions->cnt << " partitions";
  if (cooperative) {
    rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, partitions);
    if (e != nullptr) {
      rd_kafka_error_destroy(e);
    }
  } else {
    rd_kafka_assign(rk_, nullptr);
  }
}

}  // namespace runnel::plugins::kafka_input
