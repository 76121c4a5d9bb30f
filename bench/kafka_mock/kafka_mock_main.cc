// runnel-kafka-mock: runs librdkafka's mock Kafka cluster (rdkafka_mock.h: real loopback TCP
// listeners speaking the Kafka protocol; not a real broker) for bench/kafka-e2e.
//   runnel-kafka-mock --topic logs --partitions 3 --expect 2000000 [--timeout 900]
// Prints "bootstraps 127.0.0.1:PORT" on its first line.
// Counts the topic's messages (the sum of its partitions' high watermarks: every message ever
// appended). Once --expect are there and the count has not moved for one second, prints
// "received N" and exits 0; exits 1 with "received N" when more than --expect come (a
// duplicate) or --timeout seconds pass first.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

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
  if (!Set(host_conf, "log_level", "3")) {  // it has no bootstrap.servers, on purpose
    return 2;
  }
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, host_conf, err, sizeof(err));
  if (host == nullptr) {
    std::fprintf(stderr, "runnel-kafka-mock: %s\n", err);
    return 2;
  }
  rd_kafka_mock_cluster_t* mock = rd_kafka_mock_cluster_new(host, 1);
  if (mock == nullptr || rd_kafka_mock_topic_create(mock, topic.c_str(), partitions, 1) !=
                             RD_KAFKA_RESP_ERR_NO_ERROR) {
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
  // The topic's messages are counted by the partitions' high watermarks, not by reading them:
  // the mock cluster drops a partition's oldest message sets past a size cap (a few MiB), so
  // a reader can fall behind what it keeps, and reading would cost the run CPU besides.
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  long long received = 0;
  long long previous = -1;
  Clock::time_point since = Clock::now();
  int rc = 1;
  while (Clock::now() < deadline) {
    long long total = 0;
    bool ok = true;
    for (int p = 0; p < partitions && ok; ++p) {
      int64_t lo = 0;
      int64_t hi = 0;
      ok = rd_kafka_query_watermark_offsets(consumer, topic.c_str(), p, &lo, &hi, 5000) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
      total += hi;
    }
    if (ok) {
      received = total;
      if (received != previous) {
        previous = received;
        since = Clock::now();
      }
      if (received > expect) {
        break;
      }
      if (received == expect && Clock::now() - since >= std::chrono::seconds(1)) {
        rc = 0;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::printf("received %lld\n", received);
  std::fflush(stdout);
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
