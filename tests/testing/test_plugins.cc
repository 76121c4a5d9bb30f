#include "tests/testing/test_plugins.h"

#include <algorithm>

#include "runnel/json_writer.h"

namespace runnel::testing {

class ScriptInput : public Input, public AckReceiver {
 public:
  ScriptInput(TestPlugins* t, std::string name) : t_(t), name_(std::move(name)) {}
  Status Start(Emitter& emitter) override {
    std::lock_guard<std::mutex> lock(t_->mu_);
    t_->inputs_[name_].emitter = &emitter;
    t_->inputs_[name_].script = this;
    ++t_->lifecycle_[name_].started;
    return OkStatus();
  }
  void Stop() override {
    std::lock_guard<std::mutex> lock(t_->mu_);
    ++t_->lifecycle_[name_].stopped;
  }
  void OnAck(uint64_t cookie, AckOutcome outcome) override {
    {
      std::lock_guard<std::mutex> lock(t_->mu_);
      auto& acks = t_->inputs_[name_].acks;
      if (acks.size() <= cookie) {
        acks.resize(cookie + 1, static_cast<AckOutcome>(255));
      }
      acks[cookie] = outcome;
    }
    t_->cv_.notify_all();
  }

 private:
  TestPlugins* t_;
  std::string name_;
};

class TagFilter : public Filter {
 public:
  TagFilter(std::string key, std::string value) : key_(std::move(key)), value_(std::move(value)) {}
  void Process(EventBatch& events) override {
    events.RetainIf([](const Event& e) {
      const Value* v = e.Find("log");
      return v == nullptr || v->bytes != "drop me";
    });
    for (Event& e : events) {
      e.Set(key_, Value::String(value_));
    }
  }

 private:
  std::string key_, value_;
};

class CaptureOutput : public Output {
 public:
  CaptureOutput(TestPlugins* t, std::string name, std::string prefix, bool fail)
      : t_(t), name_(std::move(name)), prefix_(std::move(prefix)), fail_(fail) {}
  Status Start() override {
    std::lock_guard<std::mutex> lock(t_->mu_);
    ++t_->lifecycle_[name_].started;
    return OkStatus();
  }
  void Stop() override {
    std::lock_guard<std::mutex> lock(t_->mu_);
    ++t_->lifecycle_[name_].stopped;
  }
  WriteResult Write(const Batch& batch) override {
    std::unique_lock<std::mutex> lock(t_->mu_);
    TestPlugins::OutputState& s = t_->outputs_[name_];
    ++s.write_calls;
    t_->cv_.notify_all();
    t_->cv_.wait(lock, [&] { return !s.held; });
    if (s.fail_next > 0) {
      --s.fail_next;
      return WriteResult::Retry("told to fail", std::chrono::milliseconds(1));
    }
    if (s.reject_next > 0) {
      --s.reject_next;
      return WriteResult::Rejected("told to reject");
    }
    if (fail_) {
      return WriteResult::Retry("configured to fail", std::chrono::milliseconds(1));
    }
    std::string text;
    JsonWriter json("", JsonTimeFormat::kRfc3339);
    Status st = json.AppendBatchLines(batch, &text);
    if (!st.ok()) {
      return WriteResult::Rejected(st.message());
    }
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      s.lines.push_back(prefix_ + text.substr(start, nl - start));
      start = nl + 1;
    }
    t_->cv_.notify_all();
    return WriteResult::Delivered();
  }

 private:
  TestPlugins* t_;
  std::string name_;
  std::string prefix_;
  bool fail_;
};

class RemoteOutput : public Output {
 public:
  static constexpr size_t kMaxInFlight = 2;
  RemoteOutput(TestPlugins* t, std::string name, bool zstd)
      : t_(t), name_(std::move(name)), zstd_(zstd) {}
  WriteResult Write(const Batch&) override { return WriteResult::Rejected("not called"); }
  bool completes_later() const override { return true; }
  bool takes_zstd() const override { return zstd_; }
  Status Submit(std::shared_ptr<const Batch> batch, AckHandle ack) override {
    std::unique_lock<std::mutex> lock(t_->mu_);
    TestPlugins::OutputState& s = t_->outputs_[name_];
    t_->cv_.wait(lock, [&] { return s.cancelled || s.in_flight.size() < kMaxInFlight; });
    if (s.cancelled) {
      return Status(StatusCode::kCancelled, "cancelled");
    }
    s.in_flight.emplace_back(std::move(batch), std::move(ack));
    t_->cv_.notify_all();
    return OkStatus();
  }
  uint64_t Flush(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(t_->mu_);
    TestPlugins::OutputState& s = t_->outputs_[name_];
    t_->cv_.wait_until(lock, deadline, [&] { return s.cancelled || s.in_flight.empty(); });
    return s.in_flight.size();
  }
  void Cancel() override {
    {
      std::lock_guard<std::mutex> lock(t_->mu_);
      t_->outputs_[name_].cancelled = true;
    }
    t_->cv_.notify_all();
  }
  void Stop() override {
    std::deque<std::pair<std::shared_ptr<const Batch>, AckHandle>> left;
    {
      std::lock_guard<std::mutex> lock(t_->mu_);
      left.swap(t_->outputs_[name_].in_flight);
    }
    left.clear();  // outside the lock: their acknowledgements complete as kCancelled
  }

 private:
  TestPlugins* t_;
  std::string name_;
  bool zstd_;
};

void TestPlugins::Register(PluginRegistry& registry) {
  PluginInfo in;
  in.name = "script";
  in.kind = PluginKind::kInput;
  in.create_input = [this](const ConfigNode& n, PluginContext&) -> Result<std::unique_ptr<Input>> {
    auto input = std::make_unique<ScriptInput>(this, n.name());
    std::lock_guard<std::mutex> lock(mu_);
    if (inputs_[n.name()].script == nullptr) {
      inputs_[n.name()].script = input.get();
    }
    ++lifecycle_[n.name()].created;
    return input;
  };
  (void)registry.Register(std::move(in));

  PluginInfo f;
  f.name = "tag";
  f.kind = PluginKind::kFilter;
  f.create_filter = [this](const ConfigNode& n,
                           PluginContext&) -> Result<std::unique_ptr<Filter>> {
    std::lock_guard<std::mutex> lock(mu_);
    ++lifecycle_[n.name()].created;
    return std::make_unique<TagFilter>(n.GetString("key"), n.GetString("value"));
  };
  (void)registry.Register(std::move(f));

  PluginInfo out;
  out.name = "capture";
  out.kind = PluginKind::kOutput;
  out.create_output = [this](const ConfigNode& n,
                             PluginContext&) -> Result<std::unique_ptr<Output>> {
    std::lock_guard<std::mutex> lock(mu_);
    ++lifecycle_[n.name()].created;
    return std::make_unique<CaptureOutput>(this, n.name(),
                                           n.Has("prefix") ? n.GetString("prefix") : "",
                                           n.Has("fail") && n.GetBool("fail"));
  };
  (void)registry.Register(std::move(out));

  for (bool zstd : {false, true}) {
    PluginInfo remote;
    remote.name = zstd ? "remote_zstd" : "remote";
    remote.kind = PluginKind::kOutput;
    remote.create_output = [this, zstd](const ConfigNode& n,
                                        PluginContext&) -> Result<std::unique_ptr<Output>> {
      return std::make_unique<RemoteOutput>(this, n.name(), zstd);
    };
    (void)registry.Register(std::move(remote));
  }
}

size_t TestPlugins::InFlight(const std::string& output) {
  std::lock_guard<std::mutex> lock(mu_);
  return outputs_[output].in_flight.size();
}

bool TestPlugins::WaitForInFlight(const std::string& output, size_t n,
                                  std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return outputs_[output].in_flight.size() == n; });
}

std::vector<std::shared_ptr<const Batch>> TestPlugins::InFlightBatches(const std::string& output) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const Batch>> batches;
  for (const auto& [batch, ack] : outputs_[output].in_flight) {
    batches.push_back(batch);
  }
  return batches;
}

void TestPlugins::AckRemote(const std::string& output, size_t n, AckOutcome outcome) {
  // The batches stay alive until their handles complete, as a real output's do.
  std::vector<std::pair<std::shared_ptr<const Batch>, AckHandle>> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& q = outputs_[output].in_flight;
    for (size_t i = 0; i < n && !q.empty(); ++i) {
      done.push_back(std::move(q.front()));
      q.pop_front();
    }
  }
  cv_.notify_all();
  for (auto& [batch, h] : done) {
    h.Complete(outcome);  // outside the lock: the input's OnAck takes it
  }
}

Status TestPlugins::Emit(const std::string& input, const std::vector<std::string>& lines) {
  Batch b;
  BatchBuilder builder(&b);
  for (const std::string& line : lines) {
    builder.BeginEntry(EventTime{1, 0}, 1);
    builder.writer().Str("log");
    builder.writer().Str(line);
  }
  return EmitBatch(input, std::move(b));
}

Status TestPlugins::EmitBatch(const std::string& input, Batch batch) {
  Emitter* emitter;
  ScriptInput* script;
  uint64_t cookie;
  {
    std::lock_guard<std::mutex> lock(mu_);
    emitter = inputs_[input].emitter;
    script = inputs_[input].script;
    cookie = inputs_[input].next_cookie++;
  }
  batch.id = BatchId::Random();
  batch.ack = AckHandle::Create(script, cookie);
  return emitter->Emit(std::move(batch));
}

void TestPlugins::Finish(const std::string& input) {
  std::lock_guard<std::mutex> lock(mu_);
  inputs_[input].emitter->Finished();
}

std::vector<AckOutcome> TestPlugins::Acks(const std::string& input) {
  std::lock_guard<std::mutex> lock(mu_);
  return inputs_[input].acks;
}

bool TestPlugins::WaitForAcks(const std::string& input, size_t n,
                              std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    const auto& acks = inputs_[input].acks;
    return acks.size() >= n &&
           std::count(acks.begin(), acks.end(), static_cast<AckOutcome>(255)) == 0;
  });
}

std::vector<std::string> TestPlugins::Delivered(const std::string& output) {
  std::lock_guard<std::mutex> lock(mu_);
  return outputs_[output].lines;
}

bool TestPlugins::WaitForDelivered(const std::string& output, size_t n,
                                   std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return outputs_[output].lines.size() >= n; });
}

void TestPlugins::FailNext(const std::string& output, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  outputs_[output].fail_next = n;
}

void TestPlugins::RejectNext(const std::string& output, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  outputs_[output].reject_next = n;
}

void TestPlugins::Hold(const std::string& output) {
  std::lock_guard<std::mutex> lock(mu_);
  outputs_[output].held = true;
}

void TestPlugins::Release(const std::string& output) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    outputs_[output].held = false;
  }
  cv_.notify_all();
}

int TestPlugins::Created(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return lifecycle_[name].created;
}

int TestPlugins::Started(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return lifecycle_[name].started;
}

int TestPlugins::Stopped(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return lifecycle_[name].stopped;
}

int TestPlugins::WriteCalls(const std::string& output) {
  std::lock_guard<std::mutex> lock(mu_);
  return outputs_[output].write_calls;
}

bool TestPlugins::WaitForWriteCalls(const std::string& output, int n,
                                    std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return outputs_[output].write_calls >= n; });
}

}  // namespace runnel::testing
