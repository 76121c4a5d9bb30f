#pragma once
// KafkaMock: librdkafka's own mock Kafka cluster (rdkafka_mock.h), owned by a test or bench
// process. Its brokers listen on real loopback TCP ports (bootstraps()), so runnel-agent and
// runnel-aggregator started by the test connect to it as to any cluster. It speaks the Kafka
// protocol for producers (idempotent too), consumers and consumer groups with offset commits;
// it is not a real broker (no persistence beyond the process, no replication), and it drops a
// partition's oldest message sets past a size cap of a few MiB: tests keep what they read back
// under that.
// Helpers produce into it and read topics back with librdkafka clients.
// Not thread-safe: one thread drives it (the cluster itself runs on librdkafka's threads).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runnel/status.h"

namespace runnel::testing {

struct KafkaRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  bool has_key = false;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

class KafkaMock {
 public:
  // A cluster of `brokers` brokers. Errors: librdkafka cannot create it.
  static Result<std::unique_ptr<KafkaMock>> Create(int brokers = 1);
  ~KafkaMock();

  // "127.0.0.1:port,..."
  const std::string& bootstraps() const { return bootstraps_; }
  Status CreateTopic(const std::string& topic, int partitions);
  // Takes broker `id` (1..brokers) down: its connections are closed and new ones refused.
  void SetBrokerDown(int32_t id);
  void SetBrokerUp(int32_t id);
  rd_kafka_mock_cluster_t* cluster() { return mock_; }

  // Produces `values` (acks=all, keyed when `keys` is not empty) and waits for every delivery.
  Status Produce(const std::string& topic, const std::vector<std::string>& values,
                 const std::vector<std::string>& keys = {});
  // Reads every partition of `topic` from the beginning until `count` records came or
  // `timeout` passed; returns what came, in partition then offset order.
  std::vector<KafkaRecord> ReadTopic(const std::string& topic, int partitions, size_t count,
                                     std::chrono::milliseconds timeout);
  // The offsets `group` committed for `topic`'s partitions (-1001 where none).
  std::map<int32_t, int64_t> Committed(const std::string& group, const std::string& topic,
                                       int partitions);

 private:
  KafkaMock() = default;
  rd_kafka_t* host_ = nullptr;  // the instance the cluster is created on
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  std::string bootstraps_;
};

}  // namespace runnel::testing
