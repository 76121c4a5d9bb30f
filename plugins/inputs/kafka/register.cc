#include "kafka_config.h"
#include "kafka_input.h"
#include "runnel/registry.h"

namespace runnel::plugins {

void RegisterKafkaInput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "kafka";
  info.kind = PluginKind::kInput;
  info.description =
      "Consumes topics as a member of a Kafka consumer group (librdkafka) and commits a "
      "partition's offsets only once the pipeline acknowledged the batches up to them: "
      "several aggregators in one group share the partitions.";
  info.stability = Stability::kBeta;
  info.schema = kafka_input::KafkaInputSchema();
  info.create_input = [](const ConfigNode& node,
                         PluginContext& ctx) -> Result<std::unique_ptr<Input>> {
    RUNNEL_ASSIGN_OR_RETURN(kafka_input::KafkaInputConfig c,
                            kafka_input::ParseKafkaInputConfig(node));
    return std::make_unique<kafka_input::KafkaInput>(std::move(c), node.name(), ctx);
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins
