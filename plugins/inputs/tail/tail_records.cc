// TailInput's records: entries built into the batch, and the per-generation assemblies that
// group lines into records (multiline, container formats) and carry Kubernetes metadata.
#include <algorithm>
#include <utility>

#include "runnel/logging.h"
#include "tail_input.h"

namespace runnel::plugins::tail {

void TailInput::OnRecord(const AssembledRecord& record) {
  AppendEntry(emitting_->path, record.text, record.time, record.stream);
}

void TailInput::AppendEntry(const std::string& path, std::string_view text, EventTime time,
                            std::string_view stream) {
  const KubernetesMetadata* k8s =
      emitting_ != nullptr && emitting_->metadata ? &*emitting_->metadata : nullptr;
  // Each entry costs the line, the path and about 30 bytes of msgpack headers.
  size_t entry_bytes =
      text.size() + path.size() + config_.key.size() + config_.path_key.size() + 32;
  if (!stream.empty()) {
    entry_bytes += stream.size() + 8;
  }
  if (k8s != nullptr) {
    entry_bytes += k8s->namespace_name.size() + k8s->pod.size() + k8s->container.size() +
                   k8s->container_id.size() + 48;
  }
  if (batch_.count > 0 && (batch_.count >= config_.batch_max_events ||
                           batch_.data.size() + entry_bytes > config_.batch_max_bytes)) {
    Flush();
  }
  if (batch_.data.capacity() == 0) {
    batch_.data.reserve(std::min<size_t>(config_.batch_max_bytes, 1 << 20) + entry_bytes);
  }
  BatchBuilder builder(&batch_);
  const bool with_path = !config_.path_key.empty();
  builder.BeginEntry(time,
                     1 + (with_path ? 1 : 0) + (stream.empty() ? 0 : 1) + (k8s != nullptr ? 4 : 0));
  MsgpackWriter& w = builder.writer();
  w.Str(config_.key);
  w.Str(text);
  if (with_path) {
    w.Str(config_.path_key);
    w.Str(path);
  }
  if (!stream.empty()) {
    w.Str(kStreamKey);
    w.Str(stream);
  }
  if (k8s != nullptr) {
    w.Str(kNamespaceKey);
    w.Str(k8s->namespace_name);
    w.Str(kPodKey);
    w.Str(k8s->pod);
    w.Str(kContainerKey);
    w.Str(k8s->container);
    w.Str(kContainerIdKey);
    w.Str(k8s->container_id);
  }
}

TailInput::Assembly* TailInput::AssemblyFor(const files::TrackedFile& file) {
  const bool grouping = config_.format != LineFormat::kText || config_.multiline != nullptr;
  if (!grouping && !config_.kubernetes_metadata) {
    return nullptr;
  }
  auto it = assemblies_.find(file.generation);
  if (it != assemblies_.end()) {
    return &it->second;
  }
  Assembly a;
  a.path = file.path;
  if (grouping) {
    a.assembler = std::make_unique<RecordAssembler>(
        config_,
        AssemblerCounters{metrics_.split_records, metrics_.rejected_cri, metrics_.rejected_docker},
        id_, file.current_path);
  }
  if (config_.kubernetes_metadata) {
    a.metadata = ParseKubernetesLogPath(file.path);
    if (!a.metadata) {
      metrics_.metadata_misses->Add();
      RUNNEL_LOG(kWarn, id_) << file.path
                             << ": not named <pod>_<namespace>_<container>-<64 hex id>.log as "
                                "the kubelet names container logs; read without Kubernetes "
                                "metadata";
    }
  }
  return &assemblies_.emplace(file.generation, std::move(a)).first->second;
}

uint64_t TailInput::SafeOffset(const files::TrackedFile& file, uint64_t consumed) const {
  auto it = assemblies_.find(file.generation);
  if (it == assemblies_.end() || it->second.assembler == nullptr) {
    return consumed;
  }
  return it->second.assembler->SafeOffset(consumed);
}

void TailInput::FinishGeneration(const files::TrackedFile& file) {
  auto it = assemblies_.find(file.generation);
  if (it == assemblies_.end()) {
    return;
  }
  if (it->second.assembler != nullptr && it->second.assembler->pending()) {
    Flush();  // whatever another file left in the batch goes in a batch of its own
    batch_generation_ = file.generation;
    emitting_ = &it->second;
    it->second.assembler->Finish(*this);
    batch_end_ = file.reader.line_offset();
    Flush(batch_end_);
  }
  emitting_ = nullptr;
  assemblies_.erase(it);
}

}  // namespace runnel::plugins::tail
