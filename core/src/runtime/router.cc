#include "runtime/router.h"

#include "runnel/logging.h"

namespace runnel::runtime {

void Fanout::Dispatch(Batch batch, std::vector<PendingSend>* sends) {
  AckHandle ack = std::move(batch.ack);
  if (outputs.empty() && chains.empty()) {
    ack.Complete(AckOutcome::kDelivered);  // nothing consumes it: the config loader warned
    return;
  }
  auto shared = std::make_shared<const Batch>(std::move(batch));
  for (OutputWorker* out : outputs) {
    sends->push_back(PendingSend{out, shared, ack.Split()});
  }
  for (auto& chain : chains) {
    chain->Run(*shared, ack.Split(), sends);
  }
  ack.Complete(AckOutcome::kDelivered);
}

void Chain::Run(const Batch& in, AckHandle ack, std::vector<PendingSend>* sends) {
  Status decoded = events_.Decode(in);
  if (!decoded.ok()) {
    // A batch an input built is malformed: a bug in that input. Count it, never crash.
    filters_.front().metrics.errors->Add(1);
    RUNNEL_LOG_EVERY(kError, filters_.front().id, std::chrono::seconds(10))
        << "dropped a malformed batch of " << in.count << " events: " << decoded.message();
    ack.Complete(AckOutcome::kRejected);
    return;
  }
  for (ChainFilter& f : filters_) {
    const size_t before = events_.size();
    f.metrics.events_in->Add(before);
    f.filter->Process(events_);
    f.metrics.events_out->Add(events_.size());
    if (events_.size() < before) {
      f.metrics.dropped->Add(before - events_.size());
    }
    if (events_.empty()) {
      break;
    }
  }
  if (events_.empty()) {
    ack.Complete(AckOutcome::kDelivered);  // everything was filtered out on purpose
    return;
  }
  Batch out;
  out.tag = in.tag;
  out.id = in.id;
  out.data.reserve(in.data.size() + in.data.size() / 4);
  events_.EncodeTo(&out);
  out.ack = std::move(ack);
  events_.Clear();
  next_.Dispatch(std::move(out), sends);
}

InputEmitter::InputEmitter(std::string id, ComponentMetrics metrics,
                           const std::atomic<bool>* stopping, std::function<void()> on_finished,
                           std::vector<std::unique_ptr<Fanout>> trees)
    : id_(std::move(id)),
      metrics_(metrics),
      stopping_(stopping),
      on_finished_(std::move(on_finished)),
      trees_(std::move(trees)) {
  if (trees_.size() > 1) {
    for (size_t i = 0; i < trees_.size(); ++i) {
      threads_.emplace_back([this, i] { WorkerLoop(i); });
    }
  }
}

InputEmitter::~InputEmitter() { Drain(); }

Status InputEmitter::Send(std::vector<PendingSend>& sends) {
  Status first;
  for (PendingSend& s : sends) {
    Status st = s.output->Enqueue(std::move(s.batch), std::move(s.ack));
    if (!st.ok() && first.ok()) {
      first = st;
    }
  }
  sends.clear();
  return first;
}

Status InputEmitter::Emit(Batch batch) {
  if (batch.count == 0) {
    batch.ack.Complete(AckOutcome::kDelivered);
    return OkStatus();
  }
  metrics_.events_out->Add(batch.count);
  metrics_.bytes_out->Add(batch.bytes());
  if (batch.tag.empty()) {
    batch.tag = id_;
  }
  if (threads_.empty()) {
    std::lock_guard<std::mutex> lock(inline_mu_);
    std::vector<PendingSend> sends;
    trees_.front()->Dispatch(std::move(batch), &sends);
    return Send(sends);
  }
  std::unique_lock<std::mutex> lock(mu_);
  // Two batches per worker in the queue keep every worker busy without holding much memory.
  space_cv_.wait(lock, [&] { return closing_ || work_.size() < 2 * threads_.size(); });
  if (closing_) {
    return Cancelled("the pipeline is stopping");
  }
  work_.push_back(Work{next_seq_++, std::move(batch)});
  work_cv_.notify_one();
  return OkStatus();
}

void InputEmitter::WorkerLoop(size_t index) {
  Fanout& tree = *trees_[index];
  std::vector<PendingSend> sends;
  while (true) {
    Work work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return closing_ || !work_.empty(); });
      if (work_.empty()) {
        return;  // closing, and everything handed over was processed
      }
      work = std::move(work_.front());
      work_.pop_front();
      space_cv_.notify_one();
    }
    tree.Dispatch(std::move(work.batch), &sends);
    {
      std::unique_lock<std::mutex> lock(mu_);
      turn_cv_.wait(lock, [&] { return next_turn_ == work.seq; });
    }
    // Only this worker queues now; outputs see batches in emission order.
    (void)Send(sends);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++next_turn_;
    }
    turn_cv_.notify_all();
  }
}

void InputEmitter::Drain() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) {
      return;
    }
    closing_ = true;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  for (std::thread& t : threads_) {
    t.join();
  }
  threads_.clear();
}

void InputEmitter::Finished() {
  if (!finished_.exchange(true) && on_finished_) {
    on_finished_();
  }
}

}  // namespace runnel::runtime
