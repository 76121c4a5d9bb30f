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

}  // namespace runnel::runtime
