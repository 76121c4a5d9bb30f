// The syslog output: its config (defaults, errors naming the key), the messages it makes
// (exact bytes of RFC 5424 and RFC 3164, cleaning and truncation, a round trip through the
// syslog input's scanner) and its stream delivery on loopback (octet counting, LF framing, a
// server that is down, one that closes the connection: the batch and the resend window are
// sent again).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "plugins/formats/syslog.h"
#include "plugins/outputs/syslog/syslog_message.h"
#include "plugins/outputs/syslog/syslog_output_config.h"
#include "runnel/batch.h"
#include "runnel/registry.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/load_config.h"

namespace runnel {
namespace {

using plugins::syslog_output::MessageEncoder;
using plugins::syslog_output::SyslogOutputConfig;
using plugins::syslog_output::SyslogOutputMetrics;
using testing::LoadToml;
using testing::TempDir;

constexpr EventTime kTime{1'700'000'000, 123'456'789};  // 2023-11-14T22:13:20.123456Z

Result<config::PipelineConfig> Load(const TempDir& dir, const std::string& body) {
  return LoadToml(dir, "data_dir = \"" + dir.Path("data") +
                           "\"\n[inputs.i]\ntype = \"generate\"\n[outputs.o]\ntype = "
                           "\"syslog\"\ninputs = [\"i\"]\n" +
                           body);
}

Result<SyslogOutputConfig> Config(const TempDir& dir, const std::string& body) {
  auto cfg = Load(dir, body);
  if (!cfg) {
    return Err(cfg.error());
  }
  return plugins::syslog_output::ParseSyslogOutputConfig(cfg->outputs.at(0));
}

TEST(SyslogOutputConfigTest, Defaults) {
  TempDir dir;
  auto c = Config(dir, "host = \"logs.internal\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->transport, plugins::syslog_output::Transport::kTcp);
  EXPECT_EQ(c->port, 514);
  EXPECT_EQ(c->framing, plugins::syslog_output::Framing::kOctetCounting);
  EXPECT_EQ(c->format, plugins::syslog_output::Format::kRfc5424);
  EXPECT_EQ(c->max_message_bytes, 8192u);
  EXPECT_EQ(c->fields.facility, 1);
  EXPECT_EQ(c->fields.severity, 6);
  EXPECT_EQ(c->fields.message_key, "message");
  EXPECT_EQ(c->resend_window.count(), 2000);
  auto udp = Config(dir, "host = \"h\"\nmode = \"udp\"\n");
  ASSERT_TRUE(udp.has_value());
  EXPECT_EQ(udp->max_message_bytes, 2048u);
  auto tls = Config(dir, "host = \"h\"\ntls.enabled = true\n");
  ASSERT_TRUE(tls.has_value()) << tls.error().ToString();
  EXPECT_EQ(tls->port, 6514);
}

TEST(SyslogOutputConfigTest, ErrorsNameTheKey) {
  TempDir dir;
  struct Case {
    std::string body, error;
  };
  for (const Case& c : std::vector<Case>{
           {"host = \"h\"\nfacility = \"local9\"\n",
            "key 'facility': 'local9' is not a facility: give kern, user, ..., local7 or 0-23"},
           {"host = \"h\"\nseverity = \"loud\"\n", "key 'severity': 'loud' is not a severity"},
           {"host = \"h\"\nmode = \"udp\"\nframing = \"newline\"\n",
            "key 'framing': is for tcp; udp sends one message per datagram"},
           {"host = \"h\"\nmode = \"udp\"\ntls.enabled = true\n",
            "key 'tls.enabled': TLS needs mode = \"tcp\""},
           {"host = \"h\"\nmode = \"udp\"\nmax_message_bytes = \"100KiB\"\n",
            "key 'max_message_bytes': a UDP datagram holds at most 65507 bytes; give less"},
           {"host = \"\"\n", "key 'host': must not be empty"},
           {"host = \"[::1]\"\n", "key 'host': give a name or an address alone"},
       }) {
    SCOPED_TRACE(c.body);
    auto r = Config(dir, c.body);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message().find(c.error), std::string::npos) << r.error().message();
  }
  auto missing = Load(dir, "");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("host"), std::string::npos);
}

class EncoderTest : public ::testing::Test {
 protected:
  std::string Encode(const std::string& body, const std::function<void(Event&)>& fill) {
    auto c = Config(dir_, "host = \"h\"\n" + body);
    EXPECT_TRUE(c.has_value()) << c.error().ToString();
    MessageEncoder encoder(*c, "machine", metrics_);
    Event e;
    e.time = kTime;
    fill(e);
    std::string out;
    encoder.Append(e, &out);
    return out;
  }
  uint64_t Cleaned(plugins::syslog_output::Part p) { return metrics_.Cleaned(p)->value(); }

  TempDir dir_;
  SyslogOutputMetrics metrics_ = SyslogOutputMetrics::Create(nullptr, "outputs.o");
  std::string sd_;
};

TEST_F(EncoderTest, Rfc5424WithEveryPart) {
  MsgpackWriter w(&sd_);
  w.MapHeader(1);
  w.Str("ex@1");
  w.MapHeader(2);
  w.Str("a");
  w.Str("x\"]\\y");
  w.Str("n");
  w.Int(7);
  const std::string msg = Encode("", [&](Event& e) {
    e.Set("facility", Value::String("local0"));
    e.Set("severity", Value::String("err"));
    e.Set("hostname", Value::String("h1"));
    e.Set("appname", Value::String("app"));
    e.Set("procid", Value::Int(42));
    e.Set("msgid", Value::String("M1"));
    e.Set("structured_data", Value::Raw(sd_));
    e.Set("message", Value::String("hello\nworld"));
  });
  EXPECT_EQ(msg,
            "<131>1 2023-11-14T22:13:20.123456Z h1 app 42 M1 [ex@1 a=\"x\\\"\\]\\\\y\" n=\"7\"] "
            "hello\nworld");
}

TEST_F(EncoderTest, Rfc5424DefaultsAndNilValues) {
  EXPECT_EQ(Encode("", [](Event&) {}), "<14>1 2023-11-14T22:13:20.123456Z machine - - - -");
  EXPECT_EQ(Encode("hostname = \"fixed\"\nappname = \"runnel\"\nfacility = \"daemon\"\n"
                   "severity = \"3\"\nmessage_key = \"log\"\n",
                   [](Event& e) { e.Set("log", Value::String("line")); }),
            "<27>1 2023-11-14T22:13:20.123456Z fixed runnel - - - line");
}

TEST_F(EncoderTest, Rfc3164) {
  EXPECT_EQ(Encode("format = \"rfc3164\"\n",
                   [](Event& e) {
                     e.Set("severity", Value::String("WARN"));
                     e.Set("appname", Value::String("cron"));
                     e.Set("procid", Value::String("77"));
                     e.Set("message", Value::String("ran"));
                   }),
            "<12>Nov 14 22:13:20 machine cron[77]: ran");
  EXPECT_EQ(
      Encode("format = \"rfc3164\"\n", [](Event& e) { e.Set("message", Value::String("no tag")); }),
      "<14>Nov 14 22:13:20 machine no tag");
}

TEST_F(EncoderTest, InvalidPartsAreCleanedAndCounted) {
  using plugins::syslog_output::Part;
  const std::string long_app(49, 'x');
  const std::string msg = Encode("", [&](Event& e) {
    e.Set("facility", Value::Int(24));
    e.Set("severity", Value::String("loud"));
    e.Set("hostname", Value::String("a host"));
    e.Set("appname", Value::String(long_app));
    e.Set("msgid", Value::String("\x01id"));
  });
  EXPECT_EQ(msg, "<14>1 2023-11-14T22:13:20.123456Z a_host " + std::string(48, 'x') + " - _id -");
  EXPECT_EQ(Cleaned(Part::kFacility), 1u);
  EXPECT_EQ(Cleaned(Part::kSeverity), 1u);
  EXPECT_EQ(Cleaned(Part::kHostname), 1u);
  EXPECT_EQ(Cleaned(Part::kAppname), 1u);
  EXPECT_EQ(Cleaned(Part::kMsgid), 1u);
  EXPECT_EQ(Cleaned(Part::kProcid), 0u);
  // structured data that is not a map is left out
  EXPECT_EQ(Encode("", [](Event& e) { e.Set("structured_data", Value::String("[x]")); }),
            "<14>1 2023-11-14T22:13:20.123456Z machine - - - -");
  EXPECT_EQ(Cleaned(Part::kStructuredData), 1u);
}

TEST_F(EncoderTest, TruncatesAtACharacterBoundary) {
  // The header is 49 bytes; 480 in all leaves 430 for " " and the message.
  std::string text(429, 'm');
  text += "\xC3\xA9\xC3\xA9";  // é é: the first one is bytes 480 and 481: it goes whole
  const std::string msg =
      Encode("max_message_bytes = 480\n", [&](Event& e) { e.Set("message", Value::String(text)); });
  EXPECT_EQ(msg.size(), 479u);
  EXPECT_EQ(msg, "<14>1 2023-11-14T22:13:20.123456Z machine - - - - " + std::string(429, 'm'));
  EXPECT_EQ(metrics_.truncated->value(), 1u);
}

TEST_F(EncoderTest, UdpMessagesAreCutAt2048BytesByDefault) {
  const std::string text(3'000, 'u');
  const std::string msg =
      Encode("mode = \"udp\"\n", [&](Event& e) { e.Set("message", Value::String(text)); });
  EXPECT_EQ(msg, "<14>1 2023-11-14T22:13:20.123456Z machine - - - - " + std::string(1'998, 'u'));
  EXPECT_EQ(metrics_.truncated->value(), 1u);
}

TEST_F(EncoderTest, RoundTripsThroughTheSyslogInputsScanner) {
  MsgpackWriter w(&sd_);
  w.MapHeader(1);
  w.Str("id@1");
  w.MapHeader(1);
  w.Str("k");
  w.Str("v]\"");
  const std::string msg = Encode("", [&](Event& e) {
    e.Set("facility", Value::String("mail"));
    e.Set("severity", Value::String("notice"));
    e.Set("hostname", Value::String("h"));
    e.Set("appname", Value::String("a"));
    e.Set("procid", Value::String("1"));
    e.Set("msgid", Value::String("m"));
    e.Set("structured_data", Value::Raw(sd_));
    e.Set("message", Value::String("text"));
  });
  Arena arena;
  std::vector<Field> fields;
  EventTime time;
  ASSERT_EQ(formats::ScanSyslog5424(msg, {}, arena, &fields, &time), nullptr);
  EXPECT_EQ(time, (EventTime{1'700'000'000, 123'456'000}));
  Event back;
  for (const Field& f : fields) {
    back.Set(f.key, f.value);
  }
  for (const char* key :
       {"facility", "severity", "hostname", "appname", "procid", "msgid", "message"}) {
    ASSERT_NE(back.Find(key), nullptr) << key;
  }
  EXPECT_EQ(back.Find("facility")->bytes, "mail");
  EXPECT_EQ(back.Find("severity")->bytes, "notice");
  EXPECT_EQ(back.Find("message")->bytes, "text");
  ASSERT_NE(back.Find("structured_data"), nullptr);
  // Encoded again from what the scanner read, the message is the same.
  auto c = Config(dir_, "host = \"h\"\n");
  ASSERT_TRUE(c.has_value());
  MessageEncoder encoder(*c, "machine", metrics_);
  back.time = time;
  std::string again;
  encoder.Append(back, &again);
  EXPECT_EQ(again, msg);
}

// A TCP server on loopback that keeps what each connection sent.
class Receiver {
 public:
  Receiver() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this] { Run(); });
  }
  ~Receiver() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  // Closes the connection being read once it has `bytes` bytes.
  void CloseAfter(size_t bytes) { close_after_ = bytes; }
  std::vector<std::string> connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  size_t total() {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const std::string& s : received_) {
      n += s.size();
    }
    return n;
  }

 private:
  void Run() {
    for (;;) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.emplace_back();
      }
      char buf[65536];
      for (;;) {
        const ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) {
          break;
        }
        std::lock_guard<std::mutex> lock(mu_);
        received_.back().append(buf, static_cast<size_t>(n));
        if (close_after_ > 0 && received_.back().size() >= close_after_) {
          close_after_ = 0;
          break;
        }
      }
      close(c);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<size_t> close_after_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> received_;
};

Batch Lines(int first, int n) {
  Batch b;
  BatchBuilder builder(&b);
  for (int i = first; i < first + n; ++i) {
    builder.BeginEntry(kTime, 1);
    builder.writer().Str("message");
    builder.writer().Str("m" + std::to_string(i));
  }
  return b;
}

class StreamTest : public ::testing::Test {
 protected:
  std::unique_ptr<Output> Make(const std::string& body) {
    auto cfg = Load(dir_, "host = \"127.0.0.1\"\nhostname = \"h\"\n" + body);
    EXPECT_TRUE(cfg.has_value()) << cfg.error().ToString();
    PluginContext ctx = testing::TestContext(dir_, &metrics_, "outputs.o");
    auto out = testing::BuiltinRegistry()
                   .Find(PluginKind::kOutput, "syslog")
                   ->create_output(cfg->outputs.at(0), ctx);
    EXPECT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_TRUE((*out)->Start().ok());
    return std::move(*out);
  }
  uint64_t Count(const std::string& name) {
    return metrics_.GetCounter(name, "outputs.o", "")->value();
  }
  TempDir dir_;
  MetricsRegistry metrics_;
};

std::string Frame(int i) {
  const std::string m = "<14>1 2023-11-14T22:13:20.123456Z h - - - - m" + std::to_string(i);
  return std::to_string(m.size()) + " " + m;
}

TEST_F(StreamTest, OctetCountedAndNewlineFramesOnOneConnection) {
  Receiver r;
  auto out = Make("port = " + std::to_string(r.port()) + "\n");
  ASSERT_EQ(out->Write(Lines(0, 2)).kind, WriteResult::Kind::kDelivered);
  ASSERT_EQ(out->Write(Lines(2, 1)).kind, WriteResult::Kind::kDelivered);
  const std::string want = Frame(0) + Frame(1) + Frame(2);
  ASSERT_TRUE(
      testing::PollUntil([&] { return r.total() >= want.size(); }, std::chrono::seconds(10)));
  EXPECT_EQ(r.connections(), std::vector<std::string>{want});
  out->Stop();

  Receiver lf;
  auto nl = Make("port = " + std::to_string(lf.port()) + "\nframing = \"newline\"\n");
  Batch b;
  BatchBuilder builder(&b);
  builder.BeginEntry(kTime, 1);
  builder.writer().Str("message");
  builder.writer().Str("two\nlines");
  ASSERT_EQ(nl->Write(b).kind, WriteResult::Kind::kDelivered);
  const std::string line = "<14>1 2023-11-14T22:13:20.123456Z h - - - - two lines\n";
  ASSERT_TRUE(
      testing::PollUntil([&] { return lf.total() >= line.size(); }, std::chrono::seconds(10)));
  EXPECT_EQ(lf.connections(), std::vector<std::string>{line});
  EXPECT_EQ(
      metrics_.GetCounter("syslog_output_cleaned_total", "outputs.o", "", {{"part", "message"}})
          ->value(),
      1u);
}

TEST_F(StreamTest, ServerDownIsARetry) {
  const uint16_t port = [] {
    Receiver r;
    return r.port();
  }();  // closed again: nothing listens there
  auto out = Make("port = " + std::to_string(port) + "\n");
  WriteResult w = out->Write(Lines(0, 1));
  EXPECT_EQ(w.kind, WriteResult::Kind::kRetry);
  EXPECT_NE(w.reason.find("Connection refused"), std::string::npos) << w.reason;
  EXPECT_EQ(Count("syslog_output_connect_failures_total"), 1u);
}

TEST_F(StreamTest, AServerThatDoesNotReadTimesTheWriteOut) {
  // Listening, never accepting nor reading: the connection is made (the kernel's backlog), and
  // once both socket buffers are full the write makes no progress.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ASSERT_EQ(listen(fd, 8), 0);
  auto out = Make("port = " + std::to_string(ntohs(a.sin_port)) +
                  "\nwrite_timeout = \"300ms\"\nmax_message_bytes = \"64KiB\"\n");
  Batch big;
  BatchBuilder builder(&big);
  const std::string text(60'000, 'x');
  for (int i = 0; i < 1'000; ++i) {  // 60 MB: more than any loopback socket buffers
    builder.BeginEntry(kTime, 1);
    builder.writer().Str("message");
    builder.writer().Str(text);
  }
  const auto start = std::chrono::steady_clock::now();
  WriteResult w = out->Write(big);
  EXPECT_EQ(w.kind, WriteResult::Kind::kRetry);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(Count("syslog_output_connection_errors_total"), 1u);
  EXPECT_EQ(w.retry_after, std::chrono::milliseconds(100));
  close(fd);
}

TEST_F(StreamTest, AClosedConnectionSendsTheResendWindowAgain) {
  Receiver r;
  auto out = Make("port = " + std::to_string(r.port()) + "\n");
  ASSERT_EQ(out->Write(Lines(0, 1)).kind, WriteResult::Kind::kDelivered);
  ASSERT_TRUE(
      testing::PollUntil([&] { return r.total() == Frame(0).size(); }, std::chrono::seconds(10)));
  r.CloseAfter(1);  // the next bytes read end the connection
  // Delivered when the bytes were in the socket before the close was seen; otherwise a Retry
  // (core would write it again): both are right for a stream without acknowledgements.
  const bool first_delivered = out->Write(Lines(1, 1)).kind == WriteResult::Kind::kDelivered;
  ASSERT_TRUE(testing::PollUntil(
      [&] { return r.connections().size() == 1 && r.total() == Frame(0).size() + Frame(1).size(); },
      std::chrono::seconds(10)));
  // Once the output has seen the close, what was written within resend_window before it goes
  // first on the new connection.
  for (int batch = first_delivered ? 2 : 1; batch <= 2; ++batch) {
    WriteResult w = WriteResult::Retry("not written yet");
    ASSERT_TRUE(testing::PollUntil(
        [&] {
          w = out->Write(Lines(batch, 1));
          return w.kind == WriteResult::Kind::kDelivered;
        },
        std::chrono::seconds(10)));
  }
  ASSERT_TRUE(testing::PollUntil(
      [&] {
        return r.connections().size() == 2 && r.connections()[1].size() >= 3 * Frame(0).size();
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(r.connections()[1], Frame(0) + Frame(1) + Frame(2));
  EXPECT_EQ(Count("syslog_output_resent_events_total"), first_delivered ? 2u : 1u);
  EXPECT_EQ(Count("syslog_output_connects_total"), 2u);
}

}  // namespace
}  // namespace runnel
