#pragma once
// The journald input's configuration: its schema (the `--describe journald` text) and the
// validated form the input runs with.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runnel/config_node.h"
#include "runnel/schema.h"
#include "runnel/status.h"

namespace runnel::plugins::journald {

struct JournaldConfig {
  // Where entries are read from: `files` when set, else `directory` when set, else the local
  // machine's journal (the system and user journals journald keeps).
  std::vector<std::string> files;
  std::string directory;
  // "FIELD=value" terms: terms on the same field are alternatives, terms on different fields
  // must all hold (sd_journal_add_match). `units` adds _SYSTEMD_UNIT=<unit> terms.
  std::vector<std::string> matches;
  std::vector<std::string> units;
  bool read_from_tail = false;         // without a saved cursor: only entries written from now on
  bool lowercase = false;              // field names lower-cased
  bool strip_underscores = false;      // leading underscores of field names removed
  size_t max_field_bytes = 64 * 1024;  // longer values are cut (counted)
  uint32_t batch_max_events = 1000;
  size_t batch_max_bytes = 1 << 20;
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(5)};
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(250)};
  bool exit_on_eof = false;
};

Schema JournaldSchema();

// InvalidArgument, positioned by ConfigNode::Error, for values that do not fit together:
// `files` with `directory`, a match that is not FIELD=value with a valid field name, an empty
// unit.
Result<JournaldConfig> ParseJournaldConfig(const ConfigNode& node);

// Whether `name` is a journal field name a match may use: 1 to 64 characters of A-Z, 0-9 and
// '_', not starting with a digit (journald's own rule for field names).
bool IsJournalFieldName(std::string_view name);

}  // namespace runnel::plugins::journald
