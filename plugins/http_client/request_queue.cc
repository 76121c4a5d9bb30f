#include "plugins/http_client/request_queue.h"

#include <utility>

namespace runnel::http_client::internal {

Status RequestQueue::Add(std::shared_ptr<const Batch> batch, AckHandle* ack,
                         std::vector<Completion>* done) {
  if (batch->count == 0) {
    done->push_back({std::move(*ack), AckOutcome::kDelivered, 0, 0});
    return OkStatus();
  }
  // Read every entry first: a corrupt batch adds nothing.
  std::vector<Event> events;
  events.reserve(batch->count);
  BatchReader reader(batch->data);
  while (!reader.AtEnd()) {
    Event e;
    e.batch = batch.get();
    e.position = static_cast<uint32_t>(events.size());
    RUNNEL_RETURN_IF_ERROR(reader.Next(&e.time, &e.record));
    events.push_back(e);
  }
  if (events.size() != batch->count) {
    return DataLoss("the batch holds " + std::to_string(events.size()) + " entries, not " +
                    std::to_string(batch->count));
  }
  auto owner = std::make_shared<TrackedBatch>();
  owner->outstanding = batch->count;
  owner->ack = std::move(*ack);
  held_bytes_ += batch->bytes();
  ++batches_;
  owner->batch = std::move(batch);
  if (options_.one_tag_per_request && open_ != nullptr &&
      open_->events.front().event.batch->tag != owner->batch->tag) {
    Seal();
  }
  for (const Event& e : events) {
    if (open_ != nullptr && open_->raw_bytes + e.record.size() > options_.batch_max_bytes) {
      Seal();
    }
    if (open_ == nullptr) {
      open_ = std::make_unique<Job>(options_, next_seq_++);
      open_since_ = Clock::now();
    }
    open_->events.push_back({owner, e});
    open_->raw_bytes += e.record.size();
    if (open_->events.size() >= options_.batch_max_events ||
        open_->raw_bytes >= options_.batch_max_bytes) {
      Seal();
    }
  }
  return OkStatus();
}

void RequestQueue::Seal() {
  const uint64_t seq = open_->seq;
  ready_.emplace(seq, std::move(open_));
}

void RequestQueue::SealOpen() {
  if (open_ != nullptr) {
    Seal();
  }
}

std::optional<Clock::time_point> RequestQueue::open_deadline() const {
  if (open_ == nullptr) {
    return std::nullopt;
  }
  return open_since_ + options_.batch_timeout;
}

std::unique_ptr<Job> RequestQueue::PopDue(Clock::time_point now) {
  if (ready_.empty() || ready_.begin()->second->due > now) {
    return nullptr;
  }
  std::unique_ptr<Job> job = std::move(ready_.begin()->second);
  ready_.erase(ready_.begin());
  return job;
}

std::optional<Clock::time_point> RequestQueue::next_due() const {
  if (ready_.empty()) {
    return std::nullopt;
  }
  return ready_.begin()->second->due;
}

void RequestQueue::Requeue(std::unique_ptr<Job> job) {
  const uint64_t seq = job->seq;
  ready_.emplace(seq, std::move(job));
}

void RequestQueue::Settle(std::span<const EventRef> events, bool delivered, bool refused,
                          std::vector<Completion>* done) {
  for (const EventRef& ref : events) {
    TrackedBatch& t = *ref.owner;
    if (delivered) {
      ++t.delivered_events;
      t.delivered_bytes += ref.event.record.size();
    } else if (refused) {
      t.reject = true;
    }
    if (--t.outstanding == 0) {
      held_bytes_ -= t.batch->bytes();
      --batches_;
      done->push_back({std::move(t.ack), t.reject ? AckOutcome::kRejected : AckOutcome::kDelivered,
                       t.delivered_events, t.delivered_bytes});
    }
  }
}

std::vector<std::unique_ptr<Job>> RequestQueue::TakeAll() {
  std::vector<std::unique_ptr<Job>> jobs;
  if (open_ != nullptr) {
    jobs.push_back(std::move(open_));
  }
  for (auto& [seq, job] : ready_) {
    jobs.push_back(std::move(job));
  }
  ready_.clear();
  return jobs;
}

}  // namespace runnel::http_client::internal
