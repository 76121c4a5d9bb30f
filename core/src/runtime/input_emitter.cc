#include "runtime/input_emitter.h"

#include "runnel/check.h"
#include "runnel/logging.h"

namespace runnel::runtime {

using std::chrono::steady_clock;

// ---- Routing ----

Routing::Routing(std::vector<std::unique_ptr<Fanout>> trees, const CancelFlag* cancel)
    : trees_(std::move(trees)), cancel_(cancel) {
  if (trees_.size() > 1) {
    running_ = trees_.size();
    for (size_t i = 0; i < trees_.size(); ++i) {
      threads_.emplace_back([this, i] { WorkerLoop(i); });
    }
  }
}

Routing::~Routing() {
  Close();
  for (std::thread& t : threads_) {
    t.join();
  }
}

void Routing::Enter() {
  std::lock_guard<std::mutex> lock(mu_);
  ++entered_;
}

void Routing::Leave() {
  bool idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle = --entered_ == 0;
  }
  if (idle) {
    idle_cv_.notify_all();
    work_cv_.notify_all();  // a closing worker may exit now
  }
}

Status Routing::Send(std::vector<PendingSend>& sends) {
  Status first;
  for (PendingSend& s : sends) {
    Status st = s.output->Enqueue(std::move(s.batch), std::move(s.ack), cancel_);
    if (!st.ok() && first.ok()) {
      first = st;
    }
  }
  sends.clear();
  return first;
}

Status Routing::Emit(Batch batch) {
  if (threads_.empty()) {
    Status s;
    {
      std::lock_guard<std::mutex> lock(inline_mu_);
      std::vector<PendingSend> sends;
      trees_.front()->Dispatch(std::move(batch), &sends);
      s = Send(sends);
    }
    Leave();
    return s;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Two batches per worker in the queue keep every worker busy without holding much memory.
    space_cv_.wait(lock, [&] { return work_.size() < 2 * threads_.size(); });
    work_.push_back(Work{next_seq_++, std::move(batch)});
  }
  work_cv_.notify_one();
  Leave();
  return OkStatus();
}

void Routing::WorkerLoop(size_t index) {
  Fanout& tree = *trees_[index];
  std::vector<PendingSend> sends;
  while (true) {
    Work work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return !work_.empty() || (closing_ && entered_ == 0); });
      if (work_.empty()) {
        // Closing, nothing more can come, and everything handed over was processed.
        --running_;
        idle_cv_.notify_all();
        return;
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

void Routing::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  work_cv_.notify_all();
}

bool Routing::WaitDrained(std::optional<steady_clock::time_point> deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  auto drained = [&] { return closing_ && entered_ == 0 && running_ == 0; };
  if (!deadline.has_value()) {
    idle_cv_.wait(lock, drained);
    return true;
  }
  return idle_cv_.wait_until(lock, *deadline, drained);
}

// ---- InputEmitter ----

// The source's own handle, kept while the relayed one travels; the cookie is its address.
struct InputEmitter::Relay {
  AckHandle source;
};

InputEmitter::InputEmitter(std::string id, ComponentMetrics metrics,
                           const std::atomic<bool>* stopping, std::function<void()> on_finished,
                           std::vector<std::unique_ptr<Fanout>> trees)
    : id_(std::move(id)),
      metrics_(metrics),
      stopping_(stopping),
      on_finished_(std::move(on_finished)),
      routing_(std::make_unique<Routing>(std::move(trees), &aborted_)) {}

InputEmitter::~InputEmitter() {
  Drain();
  // A relayed handle still travelling would call a destroyed receiver.
  RUNNEL_CHECK(outstanding_.load() == 0);
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
  if (!batch.ack.empty()) {
    auto* relay = new Relay{std::move(batch.ack)};
    outstanding_.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(relay_mu_);
      relays_.insert(relay);
    }
    batch.ack = AckHandle::Create(this, reinterpret_cast<uintptr_t>(relay));
  }
  Routing* routing;
  {
    std::unique_lock<std::mutex> lock(mu_);
    gate_cv_.wait(lock, [&] { return !gated_ || drained_; });
    if (drained_ || IsSet(&aborted_)) {
      return Cancelled("the pipeline is stopping");  // the batch's handle completes as cancelled
    }
    routing = routing_.get();
    routing->Enter();
  }
  return routing->Emit(std::move(batch));
}

void InputEmitter::OnAck(uint64_t cookie, AckOutcome outcome) {
  auto* relay = reinterpret_cast<Relay*>(static_cast<uintptr_t>(cookie));
  AckHandle source;
  {
    std::lock_guard<std::mutex> lock(relay_mu_);
    relays_.erase(relay);
    source = std::move(relay->source);  // empty once detached
  }
  delete relay;
  source.Complete(outcome);
  if (outstanding_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(mu_);
    settled_cv_.notify_all();
  }
}

bool InputEmitter::WaitSettled(steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return settled_cv_.wait_until(lock, deadline, [&] { return outstanding_.load() == 0; });
}

std::unique_ptr<Routing> InputEmitter::Replace(std::vector<std::unique_ptr<Fanout>> trees,
                                               steady_clock::time_point deadline,
                                               const std::function<void()>& on_timeout) {
  Routing* old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    gated_ = true;
    old = routing_.get();
  }
  old->Close();
  bool drained = old->WaitDrained(deadline);
  if (!drained) {
    on_timeout();
    // What is left waits on outputs that stay: it finishes in the background.
    drained = old->WaitDrained(steady_clock::now() + std::chrono::seconds(1));
  }
  std::unique_ptr<Routing> previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    previous = std::move(routing_);
    routing_ = std::make_unique<Routing>(std::move(trees), &aborted_);
    gated_ = false;
  }
  gate_cv_.notify_all();
  if (drained) {
    return nullptr;  // `previous` is destroyed here: its workers have exited
  }
  RUNNEL_LOG(kWarn, id_) << "the previous routing is still waiting for an output; it finishes "
                            "in the background";
  return previous;
}

void InputEmitter::Drain() {
  Routing* routing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (drained_) {
      return;
    }
    drained_ = true;
    routing = routing_.get();
  }
  gate_cv_.notify_all();
  routing->Close();
  (void)routing->WaitDrained();
}

void InputEmitter::Abort() { aborted_.store(true, std::memory_order_release); }

void InputEmitter::Detach() {
  std::vector<AckHandle> sources;
  {
    std::lock_guard<std::mutex> lock(relay_mu_);
    for (Relay* r : relays_) {
      sources.push_back(std::move(r->source));
    }
  }
  for (AckHandle& h : sources) {
    h.Complete(AckOutcome::kCancelled);
  }
}

void InputEmitter::Finished() {
  if (!finished_.exchange(true) && on_finished_) {
    on_finished_();
  }
}

}  // namespace runnel::runtime
