// runnel-kafka-mock: runs librdkafka's mock Kafka cluster (rdkafka_mock.h: real loopback TCP
// listeners speaking the Kafka protocol; not a real broker) for bench/kafka-e2e.
//   runnel-kafka-mock --topic logs --partitions 3 --expect 2000000 [--timeout 900]
// Prints "bootstraps 127.0.0.1:PORT" on its first line, then consumes the topic from the
// beginning and counts its messages. Once --expect have come and nothing more arrives for one
// second, prints "received N" and exits 0; exits 1 with "received N" when more than --expect
// come (a duplicate) or --timeout seconds pass first.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

bool Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "runnel-kafka-mock: %s: %s\n", name, err);
    return false;
  }
  return true;
}

int Run(const std::string& topic, int partitions, long long expect, int timeout_s) {
  char err[512];
  rd_kafka_conf_t* host_conf = rd_kafka_conf_new();
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, host_conf, err, sizeof(err));
  if (host == nullptr) {
    std::fprintf(stderr, "runnel-kafka-mock: %s\n", err);
    return 2;
  }
  rd_kafka_mock_cluster_t* mock = rd_kafka_mock_cluster_new(host, 1);
  if (mock == nullptr ||
      rd_kafka_mock_topic_create(mock, topic.c_str(), partitions, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "runnel-kafka-mock: cannot start the mock cluster\n");
    return 2;
  }
  const std::string bootstraps = rd_kafka_mock_cluster_bootstraps(mock);
  std::printf("bootstraps %s\n", bootstraps.c_str());
  std::fflush(stdout);

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!Set(conf, "bootstrap.servers", bootstraps) || !Set(conf, "group.id", "runnel-kafka-mock") ||
      !Set(conf, "enable.auto.commit", "false") || !Set(conf, "log_level", "3")) {
    return 2;
  }
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (consumer == nullptr) {
    std::fprintf(stderr, "runnel-kafka-mock: %s\n", err);
    return 2;
  }
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);

  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  long long received = 0;
  Clock::time_point last = Clock::now();
  int rc = 1;
  while (Clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer, 100);
    if (msg != nullptr) {
      if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++received;
        last = Clock::now();
      }
      rd_kafka_message_destroy(msg);
      if (received > expect) {
        break;
      }
      continue;
    }
    if (received == expect && Clock::now() - last >= std::chrono::seconds(1)) {
      rc = 0;
      break;
    }
  }
  std::printf("received %lld\n", received);
  std::fflush(stdout);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_mock_cluster_destroy(mock);
  rd_kafka_destroy(host);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::string topic = "logs";
  int partitions = 1;
  long long expect = -1;
  int timeout_s = 900;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--topic") == 0) {
      topic = argv[i + 1];
    } else if (std::strcmp(argv[i], "--partitions") == 0) {
      partitions = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--expect") == 0) {
      expect = std::atoll(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--timeout") == 0) {
      timeout_s = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "runnel-kafka-mock: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (expect < 0 || partitions < 1 || timeout_s < 1) {
    std::fprintf(stderr,
                 "usage: runnel-kafka-mock --expect N [--topic T] [--partitions P] "
                 "[--timeout S]\n");
    return 2;
  }
  return Run(topic, partitions, expect, timeout_s);
}
