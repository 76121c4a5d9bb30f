#pragma once
// Reinject: sends an output's dead letters (runnel/buffer/dead_letter.h) to a fresh instance of
// that output, oldest first, and deletes each one the output has taken. The engine of
// `runnel-agent dead-letter reinject`, apart from the command line so tests can drive it with
// their own plugins. Not thread-safe; runs next to a daemon writing into the same directory
// (files that appear meanwhile are left for the next run).
//
// Per dead letter:
//   - an ordinary output: Write; Delivered deletes the file; Rejected keeps it (with the new
//     reason) and goes on with the next; Retry waits (the output's hint, or a jittered
//     exponential backoff) and tries again, `attempts` tries in all.
//   - an output that completes later (Output::completes_later): Submit with an acknowledgement
//     of our own, Flush up to `ack_timeout`; kDelivered deletes the file, kRejected keeps it and
//     goes on, a failed Submit or kCancelled is tried again like a Retry.
// When the tries run out, or no acknowledgement comes within ack_timeout, the output is not
// taking anything: reinjection stops there and every later file stays too. A damaged file is
// kept and reported. What was sent is sent at least once: a crash between delivery and
// deletion sends that batch again next time.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runnel/status.h"

namespace runnel {
class ConfigNode;
class PluginRegistry;
}  // namespace runnel

namespace runnel::app {

struct ReinjectOptions {
  std::string data_dir;  // the configuration's data_dir, given to the output (PluginContext)
  std::string dir;       // the dead-letter directory
  uint32_t attempts = 5;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{10'000};
  std::chrono::milliseconds ack_timeout{30'000};
  bool dry_run = false;  // read and check each file, create the output; start and send nothing
};

struct ReinjectReport {
  struct Kept {
    std::string path;
    std::string why;  // "rejected again: <reason>", "damaged: <error>", ...
  };
  uint64_t batches = 0;  // delivered and deleted (dry run: readable, would be sent)
  uint64_t events = 0;
  std::vector<Kept> kept;  // files that stay, in the order met (not those after a stop)
  bool stopped = false;    // the output stopped taking batches; later files were not tried
  uint64_t left = 0;       // dead-letter files in `dir` at the end
};

// Creates the output `output` (a validated node of the configuration) from `registry`, starts
// it, reinjects, stops it. Errors (nothing was sent): the plugin is unknown, its factory or
// Start fails, or the directory cannot be listed.
Result<ReinjectReport> Reinject(const ConfigNode& output, const PluginRegistry& registry,
                                const ReinjectOptions& options);

}  // namespace runnel::app
