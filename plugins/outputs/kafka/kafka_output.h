#pragma once
// The kafka output: produces every event of a batch as one Kafka message with librdkafka, and
// completes the batch's acknowledgement once every message of it is accounted for.
//
// Delivery: librdkafka retries what fails for a passing reason (a broker down, a leader
// moving) by itself, for message_timeout (0: until it is delivered), with the idempotent
// producer so a retried message is written once. A message is accounted for when its delivery
// report says it is in the topic, or when it is refused for good (too large, an unknown topic,
// a record the broker rejects, a message_timeout that passed): those go to the pipeline's dead
// letters one by one (DeadLetters::Put, grouped by reason) while the rest of the batch is
// delivered. Then the batch completes as delivered (kRejected when the pipeline has no dead
// letters). A batch whose messages were purged (Stop) or lost to a fatal producer error
// completes as cancelled: its source keeps it and sends it again after a restart.
//
// Memory: what is produced and not delivered is bounded by max_queued_bytes and
// max_queued_messages (librdkafka's queue); when full, Submit waits (the pipeline's queue or
// disk buffer fills behind it).
//
// Threads: the pipeline's worker thread calls Submit/Flush/Stop; the output's poll thread
// serves librdkafka's callbacks (delivery reports, errors) and completes acknowledgements.
// State is under one mutex; acknowledgements and dead letters are completed outside it.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kafka_config.h"
#include "message_encoder.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"

namespace runnel::plugins::kafka_output {

class KafkaOutput final : public Output {
 public:
  KafkaOutput(KafkaOutputConfig config, const PluginContext& ctx);
  ~KafkaOutput() override;

  // Creates the producer and starts the poll thread. Brokers that cannot be reached yet are
  // not an error (messages wait). Errors: librdkafka refuses the configuration.
  Status Start() override;
  WriteResult Write(const Batch& batch) override;  // not used: completes_later
  bool completes_later() const override { return true; }
  Status Submit(std::shared_ptr<const Batch> batch, AckHandle ack) override;
  uint64_t Flush(std::chrono::steady_clock::time_point deadline) override;
  void Cancel() override;
  // Purges what is not delivered (those batches complete as cancelled) and closes the producer.
  void Stop() override;

 private:
  struct InFlight;
  struct MessageRef {
    InFlight* owner = nullptr;
    uint32_t position = 0;
  };
  struct InFlight {
    std::shared_ptr<const Batch> batch;
    AckHandle ack;
    std::vector<MessageRef> refs;
    uint32_t outstanding = 1;  // messages produced and not reported, +1 while Submit produces
    std::vector<std::pair<uint32_t, std::string>> failed;  // position, reason
    bool cancelled = false;  // purged, or a fatal producer error: not accounted for
  };
  struct Metrics {
    Counter* produced = nullptr;
    Counter* delivery_errors = nullptr;
    Gauge* queue_messages = nullptr;
  };

  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  // Produces one message; blocks while librdkafka's queue is full. Returns false when the
  // output was cancelled meanwhile. A permanent error is recorded in `f`.
  bool Produce(InFlight* f, uint32_t position, const EncodedMessage& m, EventTime time);
  // One message of `f` accounted for (with mu_ held); the batch when it was the last.
  std::unique_ptr<InFlight> Release(InFlight* f);
  // Dead-letters what failed and completes the acknowledgement. Without mu_.
  void Finish(std::unique_ptr<InFlight> f);
  void PollLoop();

  const KafkaOutputConfig config_;
  const std::string id_;
  DeadLetters* const dead_letters_;
  ComponentMetrics metrics_;
  Metrics kmetrics_;
  Counter own_counters_[2];  // used when the context has no registry
  Gauge own_gauge_;
  MessageEncoder encoder_;  // worker thread only
  std::string topic_;       // worker thread only: the topic as a C string

  rd_kafka_t* rk_ = nullptr;
  std::thread poller_;
  std::atomic<bool> stop_poll_{false};

  std::mutex mu_;
  std::condition_variable cv_;  // Submit (queue full) and Flush wait here
  bool cancelled_ = false;
  std::map<InFlight*, std::unique_ptr<InFlight>> in_flight_;
};

}  // namespace runnel::plugins::kafka_output
