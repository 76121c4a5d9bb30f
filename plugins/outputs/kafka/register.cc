#include "kafka_config.h"
#include "kafka_output.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterKafkaOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "kafka";
  info.kind = PluginKind::kOutput;
  info.description =
      "Produces every event as a Kafka message (JSON or msgpack) with librdkafka: idempotent, "
      "acks=all, compressed; a batch is acknowledged once each of its messages is in the "
      "topic or, refused for good, in the dead letters.";
  info.stability = Stability::kBeta;
  info.schema = kafka_output::KafkaOutputSchema();
  info.create_output = [](const ConfigNode& node,
                          PluginContext& ctx) -> Result<std::unique_ptr<Output>> {
    RUNNEL_ASSIGN_OR_RETURN(kafka_output::KafkaOutputConfig config,
                            kafka_output::ParseKafkaOutputConfig(node));
    return std::make_unique<kafka_output::KafkaOutput>(std::move(config), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins
