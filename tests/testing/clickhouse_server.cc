#include "tests/testing/clickhouse_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/testing/loopback.h"

namespace runnel::testing {
namespace {

using Clock = std::chrono::steady_clock;

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

std::string ConfigXml(const std::string& dir, uint16_t http_port, uint16_t tcp_port) {
  return "<?xml version=\"1.0\"?>\n<yandex>\n"
         "  <logger><level>information</level><log>" +
         dir + "/log/server.log</log><errorlog>" + dir +
         "/log/server.err.log</errorlog><console>0</console></logger>\n"
         "  <http_port>" +
         std::to_string(http_port) + "</http_port>\n  <tcp_port>" + std::to_string(tcp_port) +
         "</tcp_port>\n"
         "  <listen_host>127.0.0.1</listen_host>\n"
         "  <path>" +
         dir + "/data/</path>\n  <tmp_path>" + dir + "/tmp/</tmp_path>\n  <user_files_path>" + dir +
         "/user_files/</user_files_path>\n  <format_schema_path>" + dir +
         "/format_schemas/</format_schema_path>\n"
         "  <users_config>" +
         dir +
         "/users.xml</users_config>\n"
         "  <default_profile>default</default_profile>\n"
         "  <default_database>default</default_database>\n"
         "  <mark_cache_size>268435456</mark_cache_size>\n"
         "  <uncompressed_cache_size>268435456</uncompressed_cache_size>\n"
         "  <timezone>UTC</timezone>\n"
         "  <mlock_executable>false</mlock_executable>\n"
         "</yandex>\n";
}

constexpr char kUsersXml[] = R"(<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <writer><password>secret</password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></writer>
  </users>
  <quotas><default></default></quotas>
</yandex>
)";

std::string Tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

}  // namespace

bool ClickHouseInstalled() {
  std::error_code ec;
  return std::filesystem::exists(kClickHouseServerPath, ec);
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

RawHttpAnswer RawHttpPost(uint16_t port, std::string_view target, std::string_view body,
                          std::chrono::milliseconds timeout) {
  RawHttpAnswer answer;
  const auto deadline = Clock::now() + timeout;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return answer;
  }
  sockaddr_in addr = LoopbackAddress(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return answer;
  }
  std::string request =
      std::string(body.empty() ? "GET " : "POST ") + std::string(target) +
      " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + std::string(body);
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return answer;
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::close(fd);
      return answer;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      ::close(fd);
      return answer;
    }
    if (n == 0) {
      break;
    }
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos || raw.size() < 12 || !raw.starts_with("HTTP/1.")) {
    return answer;
  }
  answer.status = std::atoi(raw.c_str() + 9);
  answer.headers = raw.substr(0, end);
  answer.body = raw.substr(end + 4);
  return answer;
}

ClickHouseServer::ClickHouseServer() {
  http_port_ = FreeLoopbackPort();
  tcp_port_ = FreeLoopbackPort();
  while (tcp_port_ == http_port_) {
    tcp_port_ = FreeLoopbackPort();
  }
  std::filesystem::create_directories(dir_.Path("log"));
  WriteText(dir_.Path("config.xml"), ConfigXml(dir_.path(), http_port_, tcp_port_));
  WriteText(dir_.Path("users.xml"), kUsersXml);
}

ClickHouseServer::~ClickHouseServer() { Kill(); }

std::string ClickHouseServer::url() const {
  return "http://127.0.0.1:" + std::to_string(http_port_);
}

Status ClickHouseServer::Start(std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  Process::Options options;
  options.argv = {kClickHouseServerPath, "--config-file=" + dir_.Path("config.xml")};
  options.stdout_path = dir_.Path("log/stdout.log");
  options.stderr_path = dir_.Path("log/stderr.log");
  options.cwd = dir_.path();
  RUNNEL_ASSIGN_OR_RETURN(process_, Process::Spawn(options));
  while (Clock::now() - start < timeout) {
    if (!process_.running()) {
      return Unavailable("clickhouse-server exited: " + Logs());
    }
    if (RawHttpPost(http_port_, "/ping", "", std::chrono::seconds(2)).body == "Ok.\n") {
      last_start_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      return OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling interval
  }
  return Unavailable("clickhouse-server did not answer /ping: " + Logs());
}

void ClickHouseServer::Kill() { process_.Kill(); }

void ClickHouseServer::Stop(std::chrono::milliseconds timeout) {
  if (!process_.running()) {
    return;
  }
  (void)process_.Signal(SIGTERM);
  if (!process_.Wait(timeout).has_value()) {
    process_.Kill();
  }
}

bool ClickHouseServer::running() { return process_.running(); }

Result<std::string> ClickHouseServer::Query(std::string_view sql) {
  RawHttpAnswer answer = RawHttpPost(http_port_, "/", sql);
  if (answer.status == 0) {
    return Err(Unavailable("no answer from clickhouse-server"));
  }
  if (answer.status != 200) {
    return Err(InvalidArgument("HTTP " + std::to_string(answer.status) + ": " + answer.body));
  }
  return answer.body;
}

int64_t ClickHouseServer::Count(std::string_view table) {
  Result<std::string> r = Query("SELECT count() FROM " + std::string(table));
  if (!r.has_value()) {
    return -1;
  }
  return std::atoll(r->c_str());
}

std::string ClickHouseServer::Logs() const {
  return "stderr: " + Tail(ReadFileOrEmpty(dir_.Path("log/stderr.log")), 2000) +
         "\nerror log: " + Tail(ReadFileOrEmpty(dir_.Path("log/server.err.log")), 3000);
}

}  // namespace runnel::testing
