#pragma once
// Small edits of a decoded Forward batch: the batch id a frame's `chunk` stands for, and string
// fields added to every record. Stateless; thread-safe.

#include <string>
#include <string_view>
#include <utility>

#include "runnel/batch.h"
#include "runnel/status.h"

namespace runnel::plugins::forward_input {

// The id of the batch a `chunk` option names, the same for every resend of the frame: the
// 16 bytes a runnel or Fluentd sender encodes in base64 (24 characters, big-endian hi then lo),
// otherwise the first 128 bits of SHA-512 over the chunk's bytes.
BatchId BatchIdForChunk(std::string_view chunk);

// Appends `key = value` (strings) to every record of `batch`, e.g. the tag under tag_key.
// One pass, one output buffer: `scratch` receives the new entries and is swapped with
// batch->data (so the caller reuses the old buffer next time). A key already in a record is not
// removed. DataLoss when an entry is not `[time, map]` (the decoder never produces one).
Status AddStringFields(Batch* batch,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> fields,
                       std::string* scratch);

// "10.0.0.7" from "10.0.0.7:50312", "::1" from "[::1]:50312".
std::string_view PeerAddress(std::string_view peer);

}  // namespace runnel::plugins::forward_input
