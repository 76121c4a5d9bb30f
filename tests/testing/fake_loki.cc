#include "tests/testing/fake_loki.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/testing/http_client.h"
#include "tests/testing/loopback.h"

namespace runnel::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

std::string ScriptPath() {
  const char* src = std::getenv("RUNNEL_SOURCE_DIR");
  return src == nullptr ? "" : std::string(src) + "/tests/testing/fake_loki.py";
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

FakeLoki::FakeLoki(std::string dir) : dir_(std::move(dir)) {}

FakeLoki::~FakeLoki() { Kill(); }

std::string FakeLoki::WhyUnavailable() {
  if (ScriptPath().empty()) {
    return "RUNNEL_SOURCE_DIR is not set (run through ctest)";
  }
  if (!Exists(kPython)) {
    return "/usr/bin/python3 is missing (packaging/deps installs python3)";
  }
  Result<Process> p = Process::Spawn({{kPython, "-c", "import snappy"}, "", "", ""});
  if (!p.has_value()) {
    return "cannot run /usr/bin/python3: " + p.error().ToString();
  }
  Result<ExitStatus> st = p->Wait(std::chrono::seconds(30));
  if (!st.has_value() || !st->exited || st->code != 0) {
    return "python3-snappy is missing (packaging/deps installs it)";
  }
  return "";
}

Status FakeLoki::Start(uint16_t port) {
  if (port == 0) {
    port = port_ != 0 ? port_ : FreeLoopbackPort();
  }
  Result<Process> p = Process::Spawn(
      {{kPython, ScriptPath(), "--port", std::to_string(port), "--store", dir_ + "/loki.store"},
       dir_ + "/loki.out",
       dir_ + "/loki.err",
       ""});
  if (!p.has_value()) {
    return p.error();
  }
  process_ = std::move(*p);
  port_ = port;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.running()) {
      return Unavailable("the fake Loki exited: " + ReadFileOrEmpty(dir_ + "/loki.err"));
    }
    if (ReadFileOrEmpty(dir_ + "/loki.out").find("listening on") != std::string::npos &&
        AcceptsConnections(port_)) {
      return OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, with a deadline
  }
  return DeadlineExceeded("the fake Loki did not listen on port " + std::to_string(port_) +
                          " within 10 s: " + ReadFileOrEmpty(dir_ + "/loki.err"));
}

void FakeLoki::Kill() {
  if (process_.running()) {
    process_.Kill();
  }
}

std::string FakeLoki::Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<LokiEntry> FakeLoki::Entries() const {
  std::vector<LokiEntry> out;
  std::ifstream in(dir_ + "/loki.store");
  std::string row;
  simdjson::ondemand::parser parser;
  while (std::getline(in, row)) {
    simdjson::padded_string padded(row);
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
      break;
    }
    LokiEntry e;
    std::string_view stream, ts, line, tenant;
    if (doc["stream"].get_string().get(stream) != simdjson::SUCCESS ||
        doc["ts"].get_string().get(ts) != simdjson::SUCCESS ||
        doc["line"].get_string().get(line) != simdjson::SUCCESS ||
        doc["tenant"].get_string().get(tenant) != simdjson::SUCCESS) {
      break;
    }
    e.stream = stream;
    std::from_chars(ts.data(), ts.data() + ts.size(), e.ts);
    e.line = line;
    e.tenant = tenant;
    out.push_back(std::move(e));
  }
  return out;
}

std::string FakeLoki::Stats() const {
  HttpReply r = HttpGet(port_, "/fake/stats");
  return r.status == 200 ? r.body : "";
}

Status FakeLoki::FailNext(int status, int count, int retry_after_s) {
  HttpConnection c(port_);
  if (!c.connected()) {
    return Unavailable("cannot connect to the fake Loki");
  }
  std::ostringstream path;
  path << "/fake/fail?status=" << status << "&count=" << count;
  if (retry_after_s > 0) {
    path << "&retry_after=" << retry_after_s;
  }
  c.Send("POST " + path.str() +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  HttpReply r = c.Read();
  return r.status == 200 ? OkStatus()
                         : Internal("the fake Loki answered " + std::to_string(r.status));
}

}  // namespace runnel::testing
