// runnel-fake-elasticsearch: the fake Elasticsearch (tests/testing/fake_elasticsearch.h) as a
// process, for integration tests that kill and restart it and for benchmarks.
//   runnel-fake-elasticsearch [--port N] [--data-file PATH] [--pipeline NAME]...
//       [--mapping INDEX:FIELD:TYPE]... [--accept-type] [--max-content-length BYTES]
//       [--user U --password P] [--api-key KEY] [--bearer-token T]
// Prints "listening on 127.0.0.1:<port>" once it accepts connections; SIGTERM or SIGINT stop it
// (exit 0). Bad arguments: a message on stderr and exit 2.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/testing/fake_elasticsearch.h"

int main(int argc, char** argv) {
  runnel::testing::FakeElasticsearchOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--port") {
      options.port = static_cast<uint16_t>(std::stoi(value()));
    } else if (arg == "--data-file") {
      options.store.data_file = value();
    } else if (arg == "--pipeline") {
      options.store.pipelines.insert(value());
    } else if (arg == "--mapping") {
      const std::string m = value();
      const size_t a = m.find(':');
      const size_t b = m.find(':', a + 1);
      if (a == std::string::npos || b == std::string::npos) {
        std::fprintf(stderr, "--mapping wants INDEX:FIELD:TYPE, not %s\n", m.c_str());
        return 2;
      }
      options.store.mappings.push_back(
          {m.substr(0, a), m.substr(a + 1, b - a - 1), m.substr(b + 1)});
    } else if (arg == "--accept-type") {
      options.store.accept_type = true;
    } else if (arg == "--max-content-length") {
      options.max_content_length = std::stoull(value());
    } else if (arg == "--user") {
      options.user = value();
    } else if (arg == "--password") {
      options.password = value();
    } else if (arg == "--api-key") {
      options.api_key = value();
    } else if (arg == "--bearer-token") {
      options.bearer_token = value();
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server's threads start
  runnel::testing::FakeElasticsearch server(options);
  if (runnel::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "cannot start: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop();
  return 0;
}
