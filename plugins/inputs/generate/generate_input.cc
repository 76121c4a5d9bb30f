#include "generate_input.h"

#include <algorithm>

namespace runnel::plugins::generate {

using Clock = std::chrono::steady_clock;

Schema GenerateSchema() {
  Schema s;
  s.Enum("format", {"json", "apache", "plain"}, "\"json\"",
         "The kind of line: json (application logs, ~210 bytes), apache (combined access "
         "log), plain (free text).")
      .Optional("count", FieldType::kInt, "0",
                "How many lines to generate; 0 generates without end. When the count is "
                "reached the input finishes, and the process exits once everything is "
                "delivered (if every input has finished).")
      .Range(0, INT64_MAX)
      .Optional("rate", FieldType::kInt, "10",
                "Lines per second; 0 generates as fast as the pipeline takes them.")
      .Range(0, 100'000'000)
      .Optional("seed", FieldType::kInt, "1",
                "Seed of the generator: the same seed, the same lines.")
      .Optional("key", FieldType::kString, "\"log\"", "Field that holds the line.")
      .Optional("batch_max_events", FieldType::kInt, "1000", "Most lines in one batch.")
      .Range(1, 1'000'000)
      .Optional("exit_on_count", FieldType::kBool, "true",
                "With a count: true finishes the input once the count is reached; false keeps "
                "it (and so the process) running, idle, until it is stopped: for a test or a "
                "benchmark that reads the admin API after the last line.");
  return s;
}

Result<GenerateConfig> ParseGenerateConfig(const ConfigNode& node) {
  GenerateConfig c;
  RUNNEL_ASSIGN_OR_RETURN(c.format, LogGenerator::ParseFormat(node.GetString("format")));
  c.count = static_cast<uint64_t>(node.GetInt("count"));
  c.rate = static_cast<uint64_t>(node.GetInt("rate"));
  c.seed = static_cast<uint64_t>(node.GetInt("seed"));
  c.key = node.GetString("key");
  if (c.key.empty()) {
    return Err(node.Error("key", "must not be empty"));
  }
  c.batch_max_events = static_cast<uint32_t>(node.GetInt("batch_max_events"));
  c.exit_on_count = node.GetBool("exit_on_count");
  return c;
}

Status GenerateInput::Start(Emitter& emitter) {
  thread_ = std::thread([this, &emitter] { Run(emitter); });
  return OkStatus();
}

void GenerateInput::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void GenerateInput::Run(Emitter& emitter) {
  LogGenerator gen(config_.format, config_.seed);
  // With a rate, batches are small enough to leave ten times a second.
  const uint64_t per_batch =
      config_.rate == 0 ? config_.batch_max_events
                        : std::clamp<uint64_t>(config_.rate / 10, 1, config_.batch_max_events);
  const auto start = Clock::now();
  uint64_t produced = 0;
  std::string line;
  while (!stop_.load() && !emitter.stopping()) {
    if (config_.count > 0 && produced >= config_.count) {
      if (config_.exit_on_count) {
        emitter.Finished();
      } else {
        std::unique_lock<std::mutex> lock(stop_mu_);
        stop_cv_.wait(lock, [this] { return stop_.load(); });
      }
      return;
    }
    uint64_t n = per_batch;
    if (config_.count > 0) {
      n = std::min(n, config_.count - produced);
    }
    if (config_.rate > 0) {
      // Wait until these lines are due; stop_ is checked at least every 100 ms.
      const auto due =
          start + std::chrono::nanoseconds((produced + n) * 1'000'000'000ull / config_.rate);
      while (!stop_.load() && Clock::now() < due) {
        std::this_thread::sleep_for(
            std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
      }
      if (stop_.load()) {
        return;
      }
    }
    Batch batch;
    batch.tag = id_;
    batch.id = BatchId::Random();
    BatchBuilder builder(&batch);
    const EventTime now = EventTime::Now();
    for (uint64_t i = 0; i < n; ++i) {
      line.clear();
      gen.NextLine(&line);
      builder.BeginEntry(now, 1);
      builder.writer().Str(config_.key);
      builder.writer().Str(line);
    }
    produced += n;
    if (!emitter.Emit(std::move(batch)).ok()) {
      return;  // the pipeline is stopping
    }
  }
}

}  // namespace runnel::plugins::generate
