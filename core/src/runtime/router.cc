#include "runtime/router.h"

#include "runnel/logging.h"

namespace runnel::runtime {

Status Fanout::Dispatch(Batch batch) {
  AckHandle ack = std::move(batch.ack);
  if (outputs.empty() && chains.empty()) {
    ack.Complete(AckOutcome::kDelivered);  // nothing consumes it: the config loader warned
    return OkStatus();
  }
  auto shared = std::make_shared<const Batch>(std::move(batch));
  Status first;
  for (OutputWorker* out : outputs) {
    Status s = out->Enqueue(shared, ack.Split());
    if (!s.ok() && first.ok()) {
      first = s;
    }
  }
  for (auto& chain : chains) {
    Status s = chain->Run(*shared, ack.Split());
    if (!s.ok() && first.ok()) {
      first = s;
    }
  }
  ack.Complete(AckOutcome::kDelivered);
  return first;
}

Status Chain::Run(const Batch& in, AckHandle ack) {
  Status decoded = events_.Decode(in);
  if (!decoded.ok()) {
    // A batch an input built is malformed: a bug in that input. Count it, never crash.
    filters_.front().metrics.errors->Add(1);
    RUNNEL_LOG_EVERY(kError, filters_.front().id, std::chrono::seconds(10))
        << "dropped a malformed batch of " << in.count << " events: " << decoded.message();
    ack.Complete(AckOutcome::kRejected);
    return OkStatus();
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
    return OkStatus();
  }
  Batch out;
  out.tag = in.tag;
  out.id = in.id;
  out.data.reserve(in.data.size() + in.data.size() / 4);
  events_.EncodeTo(&out);
  out.ack = std::move(ack);
  events_.Clear();
  return next_.Dispatch(std::move(out));
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
  std::lock_guard<std::mutex> lock(mu_);
  return root_.Dispatch(std::move(batch));
}

void InputEmitter::Finished() {
  if (!finished_.exchange(true) && on_finished_) {
    on_finished_();
  }
}

}  // namespace runnel::runtime
