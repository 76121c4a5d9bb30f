#include "app/reinject.h"

#include <unistd.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "runnel/backoff.h"
#include "runnel/buffer/dead_letter.h"
#include "runnel/metrics.h"
#include "runnel/plugin.h"
#include "runnel/registry.h"

namespace runnel::app {
namespace {

using std::chrono::steady_clock;

// Collects the outcomes of the acknowledgements handed to an output that completes later.
class AckWaiter : public AckReceiver {
 public:
  void OnAck(uint64_t cookie, AckOutcome outcome) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      outcomes_[cookie] = outcome;
    }
    cv_.notify_all();
  }
  // The outcome of `cookie`, or nullopt when it has not come by `deadline`.
  std::optional<AckOutcome> Wait(uint64_t cookie, steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return outcomes_.contains(cookie); });
    auto it = outcomes_.find(cookie);
    return it == outcomes_.end() ? std::nullopt : std::optional<AckOutcome>(it->second);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, AckOutcome> outcomes_;
};

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) {
    return "localhost";
  }
  return buf;
}

// What one try of one batch came to.
struct Attempt {
  enum class Kind { kDelivered, kRejected, kRetry, kStop };
  Kind kind = Kind::kRetry;
  std::string reason;
  std::chrono::milliseconds retry_after{0};
};

class Reinjector {
 public:
  Reinjector(Output& output, const std::string& id, const ReinjectOptions& options)
      : output_(output),
        id_(id),
        options_(options),
        backoff_(options.backoff_base, options.backoff_cap, std::random_device{}()) {}

  // Sends one dead letter, with retries. Returns false when reinjection must stop.
  bool Send(buffer::DeadLetter& letter, ReinjectReport* report) {
    backoff_.Reset();
    std::string last;
    for (uint32_t attempt = 1; attempt <= options_.attempts; ++attempt) {
      Attempt a = output_.completes_later() ? Submit(letter.batch) : Write(letter.batch);
      switch (a.kind) {
        case Attempt::Kind::kDelivered: {
          ++report->batches;
          report->events += letter.batch.count;
          Status removed = buffer::RemoveDeadLetter(letter.path);
          if (!removed.ok()) {  // delivered, but it will be sent again next time
            report->kept.push_back(
                {letter.path, "delivered, but not removed: " + removed.message()});
          }
          return true;
        }
        case Attempt::Kind::kRejected:
          report->kept.push_back({letter.path, "rejected again: " + a.reason});
          return true;
        case Attempt::Kind::kStop:
          report->kept.push_back({letter.path, a.reason});
          return false;
        case Attempt::Kind::kRetry:
          last = a.reason;
          if (attempt < options_.attempts) {
            std::chrono::milliseconds wait = backoff_.Next();
            if (a.retry_after.count() > 0) {
              wait = std::min(a.retry_after, options_.backoff_cap);
            }
            std::this_thread::sleep_for(wait);
          }
          break;
      }
    }
    report->kept.push_back(
        {letter.path, "still failing after " + std::to_string(options_.attempts) +
                          (options_.attempts == 1 ? " attempt: " : " attempts: ") + last});
    return false;
  }

 private:
  Attempt Write(const Batch& batch) {
    WriteResult r = output_.Write(batch);
    switch (r.kind) {
      case WriteResult::Kind::kDelivered:
        return {Attempt::Kind::kDelivered, "", {}};
      case WriteResult::Kind::kRejected:
        return {Attempt::Kind::kRejected, r.reason, {}};
      case WriteResult::Kind::kRetry:
        break;
    }
    return {Attempt::Kind::kRetry, r.reason, r.retry_after};
  }

  Attempt Submit(const Batch& letter) {
    auto batch = std::make_shared<Batch>();
    batch->tag = letter.tag;
    batch->id = letter.id;
    batch->count = letter.count;
    batch->data = letter.data;
    const uint64_t cookie = next_cookie_++;
    Status s = output_.Submit(std::move(batch), AckHandle::Create(&waiter_, cookie));
    if (!s.ok()) {
      return {Attempt::Kind::kRetry, s.message(), {}};
    }
    const steady_clock::time_point deadline = steady_clock::now() + options_.ack_timeout;
    output_.Flush(deadline);
    std::optional<AckOutcome> outcome = waiter_.Wait(cookie, deadline);
    if (!outcome.has_value()) {
      return {Attempt::Kind::kStop,
              "not acknowledged by " + id_ + " within " +
                  std::to_string(options_.ack_timeout.count()) + " ms",
              {}};
    }
    switch (*outcome) {
      case AckOutcome::kDelivered:
        return {Attempt::Kind::kDelivered, "", {}};
      case AckOutcome::kRejected:
        return {
            Attempt::Kind::kRejected, id_ + " acknowledged it as rejected (no reason given)", {}};
      case AckOutcome::kCancelled:
        break;
    }
    return {Attempt::Kind::kRetry, id_ + " cancelled it", {}};
  }

  Output& output_;
  const std::string& id_;
  const ReinjectOptions& options_;
  Backoff backoff_;
  AckWaiter waiter_;
  uint64_t next_cookie_ = 0;
};

uint64_t CountLeft(const std::string& dir) {
  Result<std::vector<buffer::DeadLetterInfo>> left = buffer::ListDeadLetters(dir);
  return left.has_value() ? left->size() : 0;
}

}  // namespace

Result<ReinjectReport> Reinject(const ConfigNode& node, const PluginRegistry& registry,
                                const ReinjectOptions& options) {
  const PluginInfo* plugin = registry.Find(PluginKind::kOutput, node.type());
  if (plugin == nullptr || !plugin->create_output) {
    return Err(InvalidArgument(node.id() + ": unknown output type '" + node.type() + "'"));
  }
  RUNNEL_ASSIGN_OR_RETURN(std::vector<buffer::DeadLetterInfo> letters,
                          buffer::ListDeadLetters(options.dir));
  MetricsRegistry metrics;
  PluginContext ctx;
  ctx.id = node.id();
  ctx.data_dir = options.data_dir;
  ctx.hostname = Hostname();
  ctx.metrics = &metrics;
  ctx.component_metrics = ComponentMetrics::Create(metrics, ctx.id);
  RUNNEL_ASSIGN_OR_RETURN(std::unique_ptr<Output> output, plugin->create_output(node, ctx));

  ReinjectReport report;
  const bool send = !options.dry_run && !letters.empty();  // nothing to send: nothing to open
  if (send) {
    RUNNEL_RETURN_IF_ERROR(output->Start().WithPrefix(node.id()));
  }
  // The output goes before the reinjector: Stop() and its destructor may complete
  // acknowledgements it still holds, and those reach the reinjector's waiter.
  {
    Reinjector reinjector(*output, ctx.id, options);
    for (const buffer::DeadLetterInfo& info : letters) {
      if (!info.error.empty()) {
        report.kept.push_back({info.path, "damaged: " + info.error});
        continue;
      }
      Result<buffer::DeadLetter> letter = buffer::ReadDeadLetter(info.path);
      if (!letter.has_value()) {
        if (letter.error().code() != StatusCode::kNotFound) {  // NotFound: gone meanwhile
          report.kept.push_back({info.path, "damaged: " + letter.error().message()});
        }
        continue;
      }
      if (options.dry_run) {
        ++report.batches;
        report.events += letter->batch.count;
        continue;
      }
      if (!reinjector.Send(*letter, &report)) {
        report.stopped = true;
        break;
      }
    }
    if (send) {
      if (output->completes_later()) {
        output->Cancel();  // every batch was flushed; after a stop, give up on the one held
      }
      output->Stop();
    }
    output.reset();
  }
  report.left = CountLeft(options.dir);
  return report;
}

}  // namespace runnel::app
