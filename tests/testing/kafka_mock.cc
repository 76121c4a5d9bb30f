#include "tests/testing/kafka_mock.h"

#include <algorithm>

namespace runnel::testing {
namespace {

rd_kafka_t* NewClient(rd_kafka_type_t type,
                      const std::vector<std::pair<std::string, std::string>>& props,
                      std::string* error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      *error = err;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    *error = err;
  }
  return rk;
}

}  // namespace

Result<std::unique_ptr<KafkaMock>> KafkaMock::Create(int brokers) {
  std::unique_ptr<KafkaMock> m(new KafkaMock());
  std::string error;
  m->host_ = NewClient(RD_KAFKA_PRODUCER, {{"log_level", "3"}}, &error);
  if (m->host_ == nullptr) {
    return Err(Unavailable("cannot create the mock cluster's host client: " + error));
  }
  m->mock_ = rd_kafka_mock_cluster_new(m->host_, brokers);
  if (m->mock_ == nullptr) {
    return Err(Unavailable("rd_kafka_mock_cluster_new failed"));
  }
  m->bootstraps_ = rd_kafka_mock_cluster_bootstraps(m->mock_);
  return m;
}

KafkaMock::~KafkaMock() {
  if (mock_ != nullptr) {
    rd_kafka_mock_cluster_destroy(mock_);
  }
  if (host_ != nullptr) {
    rd_kafka_destroy(host_);
  }
}

Status KafkaMock::CreateTopic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mock_, topic.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable("mock topic " + topic + ": " + rd_kafka_err2str(e));
  }
  return OkStatus();
}

void KafkaMock::SetBrokerDown(int32_t id) { rd_kafka_mock_broker_set_down(mock_, id); }
void KafkaMock::SetBrokerUp(int32_t id) { rd_kafka_mock_broker_set_up(mock_, id); }

Status KafkaMock::Produce(const std::string& topic, const std::vector<std::string>& values,
                          const std::vector<std::string>& keys) {
  std::string error;
  rd_kafka_t* p = NewClient(
      RD_KAFKA_PRODUCER,
      {{"bootstrap.servers", bootstraps_}, {"acks", "all"}, {"linger.ms", "5"}, {"log_level", "3"}},
      &error);
  if (p == nullptr) {
    return Unavailable("producer: " + error);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    while (true) {
      rd_kafka_resp_err_t e =
          keys.empty()
              ? rd_kafka_producev(
                    p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_VALUE(const_cast<char*>(values[i].data()), values[i].size()),
                    RD_KAFKA_V_END)
              : rd_kafka_producev(
                    p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_VALUE(const_cast<char*>(values[i].data()), values[i].size()),
                    RD_KAFKA_V_KEY(keys[i].data(), keys[i].size()), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(p, 10);
        continue;
      }
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_destroy(p);
        return Unavailable(std::string("produce: ") + rd_kafka_err2str(e));
      }
      break;
    }
  }
  rd_kafka_resp_err_t e = rd_kafka_flush(p, 30'000);
  rd_kafka_destroy(p);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(std::string("flush: ") + rd_kafka_err2str(e));
  }
  return OkStatus();
}

std::vector<KafkaRecord> KafkaMock::ReadTopic(const std::string& topic, int partitions,
                                              size_t count, std::chrono::milliseconds timeout) {
  std::vector<KafkaRecord> out;
  std::string error;
  rd_kafka_t* c = NewClient(RD_KAFKA_CONSUMER,
                            {{"bootstrap.servers", bootstraps_},
                             {"group.id", "runnel-test-reader"},
                             {"enable.auto.commit", "false"},
                             {"log_level", "3"}},
                            &error);
  if (c == nullptr) {
    return out;
  }
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(c, list);
  rd_kafka_topic_partition_list_destroy(list);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(c, 100);
    if (msg == nullptr) {
      continue;
    }
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      KafkaRecord r;
      r.partition = msg->partition;
      r.offset = msg->offset;
      if (msg->key != nullptr) {
        r.has_key = true;
        r.key.assign(static_cast<const char*>(msg->key), msg->key_len);
      }
      if (msg->payload != nullptr) {
        r.value.assign(static_cast<const char*>(msg->payload), msg->len);
      }
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
        }
      }
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  std::sort(out.begin(), out.end(), [](const KafkaRecord& a, const KafkaRecord& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  return out;
}

std::map<int32_t, int64_t> KafkaMock::Committed(const std::string& group, const std::string& topic,
                                                int partitions) {
  std::map<int32_t, int64_t> out;
  std::string error;
  rd_kafka_t* c = NewClient(
      RD_KAFKA_CONSUMER,
      {{"bootstrap.servers", bootstraps_}, {"group.id", group}, {"log_level", "3"}}, &error);
  if (c == nullptr) {
    return out;
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  }
  if (rd_kafka_committed(c, list, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      out[list->elems[i].partition] = list->elems[i].offset;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(c);
  return out;
}

}  // namespace runnel::testing
