// dead-letter list and dead-letter reinject: the dead letters of the configuration's outputs
// (runnel/buffer/dead_letter.h), listed as text or JSON, or sent again (reinject.h).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "app/command_util.h"
#include "app/commands.h"
#include "app/reinject.h"
#include "runnel/buffer/dead_letter.h"

namespace runnel::app {
namespace {

// The dead letters of one output.
struct Section {
  std::string name;         // "es"
  bool configured = false;  // an output of the configuration (else only its directory is left)
  std::string dir;
  std::vector<buffer::DeadLetterInfo> letters;
};

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The names of the directories under <data_dir>/dead-letter, sorted.
std::vector<std::string> DeadLetterDirNames(const std::string& data_dir) {
  std::vector<std::string> out;
  const std::string root = data_dir + "/dead-letter";
  if (DIR* d = opendir(root.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.' && IsDir(root + "/" + e->d_name)) {
        out.emplace_back(e->d_name);
      }
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Right(const std::string& s, size_t width) {
  return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
}

std::string Text(const std::vector<Section>& sections) {
  std::string out;
  for (const Section& s : sections) {
    out += "outputs." + s.name + (s.configured ? "" : " (not in the configuration)") + ": ";
    if (s.letters.empty()) {
      out += "no dead letters\n";
      continue;
    }
    uint64_t events = 0, bytes = 0;
    std::vector<std::string> counts, sizes;
    size_t count_width = 6, size_width = 5;  // "EVENTS", "BYTES"
    for (const buffer::DeadLetterInfo& d : s.letters) {
      events += d.count;
      bytes += d.bytes;
      counts.push_back(d.error.empty() ? std::to_string(d.count) : "-");
      sizes.push_back(d.error.empty() ? std::to_string(d.bytes) : "-");
      count_width = std::max(count_width, counts.back().size());
      size_width = std::max(size_width, sizes.back().size());
    }
    out += std::to_string(s.letters.size()) +
           (s.letters.size() == 1 ? " dead letter, " : " dead letters, ") + std::to_string(events) +
           " events, " + std::to_string(bytes) + " bytes in " + s.dir + "\n";
    constexpr size_t kTimeWidth = 30;  // 2023-11-14T22:13:20.123456789Z
    out += "  " + std::string("REJECTED AT (UTC)") + std::string(kTimeWidth - 17, ' ') + "  " +
           Right("EVENTS", count_width) + "  " + Right("BYTES", size_width) + "  REASON\n";
    for (size_t i = 0; i < s.letters.size(); ++i) {
      const buffer::DeadLetterInfo& d = s.letters[i];
      std::string time = d.error.empty() ? FormatRfc3339(d.rejected_ns) : "-";
      time.resize(std::max(time.size(), kTimeWidth), ' ');
      out += "  " + time + "  " + Right(counts[i], count_width) + "  " +
             Right(sizes[i], size_width) + "  " +
             (d.error.empty() ? OneLine(d.reason) : "damaged: " + OneLine(d.error)) + "\n";
    }
  }
  return out;
}

std::string Json(const std::string& config_path, const std::vector<Section>& sections) {
  std::string out = "{";
  bool first = true;
  JsonKey("config", &first, &out);
  JsonString(config_path, &out);
  JsonKey("outputs", &first, &out);
  out += "[";
  for (size_t i = 0; i < sections.size(); ++i) {
    const Section& s = sections[i];
    out += i == 0 ? "{" : ",{";
    bool f = true;
    JsonKey("output", &f, &out);
    JsonString("outputs." + s.name, &out);
    JsonKey("configured", &f, &out);
    out += s.configured ? "true" : "false";
    JsonKey("dir", &f, &out);
    JsonString(s.dir, &out);
    JsonKey("dead_letters", &f, &out);
    out += "[";
    for (size_t k = 0; k < s.letters.size(); ++k) {
      const buffer::DeadLetterInfo& d = s.letters[k];
      out += k == 0 ? "{" : ",{";
      bool g = true;
      JsonKey("file", &g, &out);
      JsonString(d.path, &out);
      JsonKey("file_bytes", &g, &out);
      out += std::to_string(d.file_bytes);
      if (!d.error.empty()) {
        JsonKey("error", &g, &out);
        JsonString(d.error, &out);
      } else {
        JsonKey("rejected_at", &g, &out);
        JsonString(FormatRfc3339(d.rejected_ns), &out);
        JsonKey("rejected_ns", &g, &out);
        out += std::to_string(d.rejected_ns);
        JsonKey("output_id", &g, &out);
        JsonString(d.output_id, &out);
        JsonKey("tag", &g, &out);
        JsonString(d.tag, &out);
        JsonKey("batch_id", &g, &out);
        JsonString(d.batch_id.ToHex(), &out);
        JsonKey("events", &g, &out);
        out += std::to_string(d.count);
        JsonKey("bytes", &g, &out);
        out += std::to_string(d.bytes);
        JsonKey("reason", &g, &out);
        JsonString(d.reason, &out);
      }
      out += "}";
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

}  // namespace

int DeadLetterListCommand(const Options& options, const PluginRegistry& registry) {
  std::optional<config::PipelineConfig> cfg = LoadConfigForCommand(options, registry);
  if (!cfg.has_value()) {
    return kExitFailure;
  }
  const std::string& data_dir = cfg->global.data_dir;
  std::vector<Section> sections;
  auto configured = [&](const std::string& name) {
    return std::any_of(cfg->outputs.begin(), cfg->outputs.end(),
                       [&](const ConfigNode& n) { return n.name() == name; });
  };
  if (!options.target.empty()) {
    // An output removed from the configuration may still have dead letters.
    const bool known = configured(options.target);
    if (!known && !IsDir(buffer::DeadLetterDir(data_dir, options.target)) &&
        FindOutputOrExplain(*cfg, options.config, options.target, "dead-letter list") == nullptr) {
      return kExitUsage;
    }
    sections.push_back({options.target, known, "", {}});
  } else {
    for (const ConfigNode& n : cfg->outputs) {
      sections.push_back({n.name(), true, "", {}});
    }
    for (const std::string& name : DeadLetterDirNames(data_dir)) {
      if (!configured(name)) {
        sections.push_back({name, false, "", {}});
      }
    }
  }
  int code = kExitOk;
  for (Section& s : sections) {
    s.dir = buffer::DeadLetterDir(data_dir, s.name);
    Result<std::vector<buffer::DeadLetterInfo>> letters = buffer::ListDeadLetters(s.dir);
    if (!letters.has_value()) {
      std::cerr << "dead-letter list: " << letters.error().message() << "\n";
      code = kExitFailure;
      continue;
    }
    s.letters = std::move(*letters);
  }
  std::cout << (options.json ? Json(options.config, sections) : Text(sections));
  return code;
}

int DeadLetterReinjectCommand(const Options& options, const PluginRegistry& registry) {
  std::optional<config::PipelineConfig> cfg = LoadConfigForCommand(options, registry);
  if (!cfg.has_value()) {
    return kExitFailure;
  }
  const ConfigNode* output =
      FindOutputOrExplain(*cfg, options.config, options.target, "dead-letter reinject");
  if (output == nullptr) {
    return kExitUsage;
  }
  ReinjectOptions ro;
  ro.data_dir = cfg->global.data_dir;
  ro.dir = buffer::DeadLetterDir(ro.data_dir, output->name());
  ro.attempts = options.attempts;
  ro.dry_run = options.dry_run;
  Result<ReinjectReport> report = Reinject(*output, registry, ro);
  if (!report.has_value()) {
    std::cerr << "dead-letter reinject: " << report.error().message() << "\n";
    return kExitFailure;
  }
  for (const ReinjectReport::Kept& k : report->kept) {
    std::cerr << "kept " << k.path << ": " << OneLine(k.why) << "\n";
  }
  if (report->stopped) {
    std::cerr << "stopped: " << output->id()
              << " is not taking batches; the dead letters after that one were not tried\n";
  }
  const std::string counts = std::to_string(report->batches) +
                             (report->batches == 1 ? " batch (" : " batches (") +
                             std::to_string(report->events) + " events) to " + output->id();
  if (options.dry_run) {
    std::cout << "would reinject " << counts << "; " << report->kept.size() << " damaged in "
              << ro.dir << "\n";
    return report->kept.empty() ? kExitOk : kExitFailure;
  }
  std::cout << "reinjected " << counts << "; " << report->left << " left in " << ro.dir << "\n";
  return report->left == 0 ? kExitOk : kExitFailure;
}

}  // namespace runnel::app
