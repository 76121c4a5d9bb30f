#include "tests/testing/capture_emitter.h"

#include <thread>

#include "runnel/msgpack.h"

namespace runnel::testing {

std::string CapturedEvent::Get(const std::string& key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) {
      return v;
    }
  }
  return "";
}

bool CapturedEvent::Has(const std::string& key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) {
      return true;
    }
  }
  return false;
}

namespace {

CapturedBatch Decode(const Batch& batch) {
  CapturedBatch out;
  out.tag = batch.tag;
  out.id = batch.id;
  BatchReader reader(batch.data);
  while (!reader.AtEnd()) {
    CapturedEvent e;
    std::string_view record;
    if (!reader.Next(&e.time, &record).ok()) {
      e.fields.emplace_back("<error>", "undecodable entry");
      out.events.push_back(std::move(e));
      break;
    }
    MsgpackReader r(record);
    Result<uint32_t> n = r.ReadMapHeader();
    for (uint32_t i = 0; n && i < *n; ++i) {
      Result<std::string_view> key = r.ReadStr();
      Result<std::string_view> raw = key ? r.NextRaw() : Result<std::string_view>(Err(key.error()));
      if (!key || !raw) {
        break;
      }
      MsgpackReader one(*raw);  // the value's header; a map or array is shown by its type
      Result<MsgObject> value = one.Next();
      if (!value) {
        break;
      }
      std::string v = value->type == MsgType::kStr
                          ? std::string(value->data)
                          : "<" + std::string(MsgTypeName(value->type)) + ">";
      e.fields.emplace_back(std::string(*key), std::move(v));
    }
    out.events.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Status CaptureEmitter::Emit(Batch batch) {
  CapturedBatch decoded = Decode(batch);
  std::unique_lock<std::mutex> lock(mu_);
  if (blocked_) {
    ++blocked_emits_;
    cv_.wait(lock, [this] { return !blocked_ || stopping_; });
    --blocked_emits_;
  }
  if (stopping_) {
    lock.unlock();
    batch.ack.Complete(AckOutcome::kCancelled);
    return Cancelled("stopping");
  }
  events_ += decoded.events.size();
  batches_.push_back(std::move(decoded));
  if (auto_ack_) {
    lock.unlock();
    batch.ack.Complete(AckOutcome::kDelivered);
  } else {
    held_.push_back(std::move(batch.ack));
  }
  cv_.notify_all();
  return OkStatus();
}

void CaptureEmitter::Finished() {
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  cv_.notify_all();
}

bool CaptureEmitter::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

void CaptureEmitter::set_auto_ack(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  auto_ack_ = on;
}

void CaptureEmitter::set_blocked(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  blocked_ = on;
  cv_.notify_all();
}

void CaptureEmitter::set_stopping(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = on;
  cv_.notify_all();
}

size_t CaptureEmitter::held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_.size();
}

void CaptureEmitter::AckHeld(size_t index, AckOutcome outcome) {
  AckHandle h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (index >= held_.size()) {
      return;
    }
    h = std::move(held_[index]);
    held_.erase(held_.begin() + static_cast<ptrdiff_t>(index));
  }
  h.Complete(outcome);
}

void CaptureEmitter::AckAllHeld(AckOutcome outcome) {
  std::vector<AckHandle> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held.swap(held_);
  }
  for (AckHandle& h : held) {
    h.Complete(outcome);
  }
}

bool CaptureEmitter::finished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_;
}

size_t CaptureEmitter::batch_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_.size();
}

std::vector<CapturedBatch> CaptureEmitter::batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_;
}

std::vector<CapturedEvent> CaptureEmitter::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CapturedEvent> out;
  for (const CapturedBatch& b : batches_) {
    out.insert(out.end(), b.events.begin(), b.events.end());
  }
  return out;
}

std::vector<std::string> CaptureEmitter::Values(const std::string& key) const {
  std::vector<std::string> out;
  for (const CapturedEvent& e : events()) {
    out.push_back(e.Get(key));
  }
  return out;
}

size_t CaptureEmitter::event_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

size_t CaptureEmitter::blocked_emits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocked_emits_;
}

bool CaptureEmitter::WaitForEvents(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return events_ >= n; });
}

void CaptureEmitter::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  batches_.clear();
  events_ = 0;
}

bool PollUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace runnel::testing
