#pragma once
// Shared pieces of the http input tests: an input built through the real loader and registry
// on 127.0.0.1 port 0, and a runner for the real curl (Debian package curl) that returns the
// final response's status, headers and body.

#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "plugins/inputs/http/http_input.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/load_config.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"

namespace runnel::testing {

inline constexpr char kCurl[] = "/usr/bin/curl";
inline constexpr char kZstdCli[] = "/usr/bin/zstd";
inline constexpr char kGzipCli[] = "/bin/gzip";

inline bool Installed(const char* path) { return access(path, X_OK) == 0; }

struct CurlReply {
  int exit_code = -1;
  int status = 0;                              // of the last response; 0 when none
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string err;  // curl's stderr
};

// Splits what `curl -i` printed (interim 1xx responses, then the final one per URL) into the
// replies, in order.
inline std::vector<CurlReply> ParseCurlOutput(const std::string& out) {
  std::vector<CurlReply> replies;
  size_t pos = 0;
  while (pos < out.size()) {
    const size_t end = out.find("\r\n\r\n", pos);
    if (end == std::string::npos || out.compare(pos, 5, "HTTP/") != 0) {
      break;
    }
    CurlReply r;
    const std::string head = out.substr(pos, end - pos);
    r.status = std::atoi(head.substr(head.find(' ') + 1, 3).c_str());
    size_t line = head.find("\r\n");
    while (line != std::string::npos) {
      const size_t next = head.find("\r\n", line + 2);
      const std::string h =
          head.substr(line + 2, next == std::string::npos ? std::string::npos : next - line - 2);
      const size_t colon = h.find(':');
      if (colon != std::string::npos) {
        std::string name = h.substr(0, colon);
        for (char& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        r.headers[name] = h.substr(h.find_first_not_of(' ', colon + 1));
      }
      line = next;
    }
    pos = end + 4;
    if (r.status >= 100 && r.status < 200) {
      continue;
    }
    const size_t length = std::stoul(
        r.headers.count("content-length") > 0 ? r.headers["content-length"] : std::string("0"));
    r.body = out.substr(pos, length);
    pos += length;
    replies.push_back(std::move(r));
  }
  return replies;
}

// Runs curl -sS -i with `args` and returns the last reply.
inline CurlReply Curl(const TempDir& tmp, std::vector<std::string> args) {
  std::vector<std::string> argv = {kCurl, "-sS", "-i"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = RunToExit(argv, "", tmp, std::chrono::seconds(60));
  std::vector<CurlReply> replies = ParseCurlOutput(r.out);
  CurlReply last = replies.empty() ? CurlReply{} : replies.back();
  last.exit_code = r.status.exited ? r.status.code : -1;
  last.err = r.err;
  return last;
}

// An http input named "web" on 127.0.0.1, port 0, with `body` added to its config.
class HttpInputHarness {
 public:
  Result<std::unique_ptr<Input>> Make(const std::string& body) {
    auto cfg = LoadToml(dir_, "[inputs.web]\ntype = \"http\"\nhost = \"127.0.0.1\"\nport = 0\n" +
                                  body + "[outputs.o]\ntype = \"null\"\ninputs = [\"web\"]\n");
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    PluginContext ctx = TestContext(dir_, &metrics_, "inputs.web");
    return BuiltinRegistry().Find(PluginKind::kInput, "http")->create_input(cfg->inputs.at(0), ctx);
  }
  static uint16_t PortOf(Input& in) {
    return dynamic_cast<plugins::http_input::HttpInput&>(in).port();
  }
  std::string Url(Input& in, const std::string& path, bool tls = false) {
    return std::string(tls ? "https://localhost:" : "http://127.0.0.1:") +
           std::to_string(PortOf(in)) + path;
  }
  uint64_t Count(const std::string& name, const MetricLabels& labels = {}) {
    return metrics_.GetCounter(name, "inputs.web", "", labels)->value();
  }
  uint64_t Rejected(const std::string& reason) {
    return Count("http_rejected_requests_total", {{"reason", reason}});
  }
  int64_t GaugeValue(const std::string& name) {
    return metrics_.GetGauge(name, "inputs.web", "")->value();
  }
  // Writes `text` to a file in the test's directory and returns its path.
  std::string File(const std::string& name, const std::string& text) {
    const std::string path = dir_.Path(name);
    WriteFile(path, text);
    return path;
  }

  TempDir dir_;
  MetricsRegistry metrics_;
};

}  // namespace runnel::testing
