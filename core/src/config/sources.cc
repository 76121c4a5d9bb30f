#include "config/sources.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "config/toml_util.h"

namespace runnel::config {
namespace {

namespace fs = std::filesystem;

bool HasGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// The sorted paths matching `pattern`; empty when none.
std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      out.emplace_back(g.gl_pathv[i]);
    }
  }
  globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

// `relative` resolved against the directory of `base_file`. With `escape`, glob characters in
// that directory are escaped so that only `relative` acts as a pattern.
std::string JoinPath(const std::string& base_file, const std::string& relative,
                     bool escape = false) {
  const fs::path rel(relative);
  if (rel.is_absolute()) {
    return relative;
  }
  std::string dir = fs::path(base_file).parent_path().string();
  if (escape) {
    std::string escaped;
    for (char c : dir) {
      if (c == '*' || c == '?' || c == '[' || c == '\\') {
        escaped += '\\';
      }
      escaped += c;
    }
    dir = std::move(escaped);
  }
  if (dir.empty()) {
    return relative;
  }
  return dir.back() == '/' ? dir + relative : dir + "/" + relative;
}

bool IsRegularFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

class Reader {
 public:
  Reader(const Environment& env, DiagnosticSink& sink) : env_(env), sink_(sink) {}

  // Reads `path` and, depth first, what it includes.
  void Read(const std::string& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    const std::string key = ec ? path : canonical.string();
    if (!seen_.insert(key).second) {
      return;
    }
    auto file = std::make_unique<SourceFile>();
    file->path = path;
    if (!ParseTomlFile(path, &file->table, sink_)) {
      ++failed_;
      return;
    }
    std::vector<std::string> includes = Includes(*file);
    files_.push_back(std::move(file));
    for (const std::string& include : includes) {
      Read(include);
    }
  }

  std::vector<std::unique_ptr<SourceFile>> TakeFiles() { return std::move(files_); }
  int failed() const { return failed_; }

 private:
  // The files `file` includes, in order; reports a bad `include` value.
  std::vector<std::string> Includes(SourceFile& file) {
    std::vector<std::string> out;
    toml::node* node = file.table.get("include");
    if (node == nullptr) {
      return out;
    }
    ExpandStrings(*node, env_, "", sink_);
    toml::array* array = node->as_array();
    if (array == nullptr) {
      sink_.Error(LocationOf(*node), "",
                  "key 'include' must be an array of strings, got " + TomlTypeName(*node),
                  "e.g. include = [\"conf/extra.toml\", \"more/*.toml\"]");
      return out;
    }
    for (toml::node& element : *array) {
      const auto* str = element.as_string();
      if (str == nullptr) {
        sink_.Error(LocationOf(element), "",
                    "key 'include' must be an array of strings, got an array containing " +
                        TomlTypeName(element),
                    "e.g. include = [\"conf/extra.toml\", \"more/*.toml\"]");
        continue;
      }
      const std::string pattern = JoinPath(file.path, str->get());
      if (HasGlob(str->get())) {
        for (std::string& match : Glob(JoinPath(file.path, str->get(), /*escape=*/true))) {
          if (IsRegularFile(match)) {
            out.push_back(std::move(match));
          }
        }
      } else if (IsRegularFile(pattern)) {
        out.push_back(pattern);
      } else {
        sink_.Error(LocationOf(element), "", "included file '" + pattern + "' does not exist",
                    "paths are relative to the directory of the file that includes them");
      }
    }
    return out;
  }

  const Environment& env_;
  DiagnosticSink& sink_;
  std::set<std::string> seen_;
  std::vector<std::unique_ptr<SourceFile>> files_;
  int failed_ = 0;
};

}  // namespace

std::vector<std::unique_ptr<SourceFile>> ReadSources(const std::string& main_path,
                                                     const Environment& env, DiagnosticSink& sink,
                                                     int* failed) {
  Reader reader(env, sink);
  reader.Read(main_path);
  for (const std::string& fragment : Glob(JoinPath(main_path, "conf.d/*.toml", /*escape=*/true))) {
    if (IsRegularFile(fragment)) {
      reader.Read(fragment);
    }
  }
  if (failed != nullptr) {
    *failed = reader.failed();
  }
  return reader.TakeFiles();
}

}  // namespace runnel::config
