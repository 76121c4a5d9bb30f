#include "tests/testing/http_sink.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/testing/capture_emitter.h"
#include "tests/testing/loopback.h"

namespace runnel::testing {
namespace {
constexpr char kPython[] = "/usr/bin/python3";
}  // namespace

std::string HttpSink::ScriptPath() {
  const char* source = std::getenv("RUNNEL_SOURCE_DIR");
  return source == nullptr ? "" : std::string(source) + "/tests/testing/http_sink_server.py";
}

bool HttpSink::Available() {
  return access(kPython, X_OK) == 0 && !ScriptPath().empty() &&
         access(ScriptPath().c_str(), R_OK) == 0;
}

Status HttpSink::Start(const std::vector<std::string>& args, uint16_t port) {
  const std::string port_file = dir_ + "/port";
  unlink(port_file.c_str());
  ++starts_;
  Process::Options o;
  o.argv = {kPython,       ScriptPath(), "--port", std::to_string(port),
            "--port-file", port_file,    "--out",  out_path()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.stdout_path = dir_ + "/sink." + std::to_string(starts_) + ".out";
  o.stderr_path = dir_ + "/sink." + std::to_string(starts_) + ".err";
  Result<Process> p = Process::Spawn(o);
  if (!p) {
    return p.error();
  }
  process_ = std::move(*p);
  uint16_t bound = 0;
  const bool up = PollUntil(
      [&] {
        std::ifstream in(port_file);
        int value = 0;
        if (in >> value && value > 0) {
          bound = static_cast<uint16_t>(value);
          return true;
        }
        return !process_.running();
      },
      std::chrono::seconds(30));
  if (!up || bound == 0) {
    return Unavailable("the HTTP sink did not start: " + ReadFileOrEmpty(o.stderr_path));
  }
  port_ = bound;
  return OkStatus();
}

void HttpSink::Kill() { process_.Kill(); }

std::string HttpSink::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<SinkRequest> HttpSink::Requests() const {
  std::vector<SinkRequest> out;
  // Only whole lines: the server may be appending the next record while this reads.
  std::string text = ReadFileOrEmpty(out_path());
  text.resize(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  std::istringstream in(text);
  simdjson::dom::parser parser;
  for (std::string line; std::getline(in, line);) {
    simdjson::dom::object doc;
    SinkRequest r;
    int64_t n = 0;
    int64_t status = 0;
    std::string_view method;
    std::string_view path;
    simdjson::dom::object headers;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS || doc["n"].get(n) != simdjson::SUCCESS ||
        doc["status"].get(status) != simdjson::SUCCESS ||
        doc["method"].get(method) != simdjson::SUCCESS ||
        doc["path"].get(path) != simdjson::SUCCESS ||
        doc["headers"].get(headers) != simdjson::SUCCESS) {
      ADD_FAILURE() << "bad line in " << out_path() << ": " << line;
      continue;
    }
    if (doc["t"].get(r.t) != simdjson::SUCCESS) {
      r.t = 0;
    }
    r.n = static_cast<int>(n);
    r.status = static_cast<int>(status);
    r.method = std::string(method);
    r.path = std::string(path);
    for (auto field : headers) {
      std::string_view value;
      if (field.value.get(value) == simdjson::SUCCESS) {
        r.headers[std::string(field.key)] = std::string(value);
      }
    }
    std::string_view body;
    if (doc["body"].get(body) == simdjson::SUCCESS) {
      r.body = std::string(body);
    } else if (doc["body_hex"].get(body) == simdjson::SUCCESS) {
      for (size_t i = 0; i + 1 < body.size(); i += 2) {
        unsigned byte = 0;
        std::from_chars(body.data() + i, body.data() + i + 2, byte, 16);
        r.body.push_back(static_cast<char>(byte));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace runnel::testing
