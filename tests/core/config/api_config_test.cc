// The [api] section: what it enables, and each way it can be wrong, with file:line:col.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/core/config/config_test_util.h"

namespace runnel::config::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(ConfigTest, ApiIsOffWithoutTheSection) {
  Write("main.toml", kValidPipeline);
  ConfigLoadResult r = Load("main.toml");
  ASSERT_TRUE(r.ok()) << r.ErrorText();
  EXPECT_FALSE(r.config.global.api.enabled);
  EXPECT_EQ(r.config.global.api.health_window, milliseconds(60'000));
}

TEST_F(ConfigTest, ApiSectionSetsTheAddressAndTheWindow) {
  Write("main.toml",
        "data_dir = \"/tmp/x\"\n[api]\naddress = \"127.0.0.1:2020\"\n"
        "health_window = \"30s\"\n\n" +
            std::string(kValidPipeline));
  ConfigLoadResult r = Load("main.toml");
  ASSERT_TRUE(r.ok()) << r.ErrorText();
  const ApiConfig& api = r.config.global.api;
  EXPECT_TRUE(api.enabled);
  EXPECT_EQ(api.address, "127.0.0.1:2020");
  EXPECT_EQ(api.host, "127.0.0.1");
  EXPECT_EQ(api.port, 2020);
  EXPECT_EQ(api.health_window, milliseconds(30'000));
}

TEST_F(ConfigTest, ApiAcceptsPortZeroIpv6DottedKeysAndTheEnvironment) {
  Write("main.toml", "api.address = \"${API:-[::1]:0}\"\n" + std::string(kValidPipeline));
  ConfigLoadResult r = Load("main.toml");
  ASSERT_TRUE(r.ok()) << r.ErrorText();
  EXPECT_EQ(r.config.global.api.host, "::1");
  EXPECT_EQ(r.config.global.api.port, 0);
  ConfigLoadResult named = Load("main.toml", {{"API", "localhost:9100"}});
  ASSERT_TRUE(named.ok()) << named.ErrorText();
  EXPECT_EQ(named.config.global.api.host, "localhost");
  EXPECT_EQ(named.config.global.api.port, 9100);
}

TEST_F(ConfigTest, ApiErrorsArePositioned) {
  EXPECT_EQ(
      Errors("[api]\nadress = \"127.0.0.1:2020\"\nlisten = 1\n\n" + std::string(kValidPipeline)),
      "main.toml:1:1: missing required key 'address' in [api]\n"
      "  hint: add e.g. address = \"127.0.0.1:2020\" (port 0 picks a free port); without "
      "[api] the admin API is off\n"
      "main.toml:2:1: unknown key 'adress' in [api]\n"
      "  hint: did you mean 'address'?\n"
      "main.toml:3:1: unknown key 'listen' in [api]\n"
      "  hint: the keys of [api] are: address, health_window\n");
  EXPECT_EQ(Errors("[api]\naddress = \"127.0.0.1:70000\"\nhealth_window = \"10ms\"\n\n" +
                   std::string(kValidPipeline)),
            "main.toml:2:11: key 'api.address' has invalid address \"127.0.0.1:70000\": the port "
            "must be an integer from 0 to 65535\n"
            "  hint: e.g. address = \"127.0.0.1:2020\" under [api]; port 0 picks a free port\n"
            "main.toml:3:17: key 'api.health_window' is out of range: 10ms\n"
            "  hint: it must be between 1s and 24h (inclusive)\n");
  EXPECT_EQ(Errors("[api]\naddress = \"127.0.0.1\"\n\n" + std::string(kValidPipeline)),
            "main.toml:2:11: key 'api.address' has invalid address \"127.0.0.1\": no port\n"
            "  hint: e.g. address = \"127.0.0.1:2020\" under [api]; port 0 picks a free port\n");
  EXPECT_EQ(Errors("[api]\naddress = \"::1:2020\"\n\n" + std::string(kValidPipeline)),
            "main.toml:2:11: key 'api.address' has invalid address \"::1:2020\": an IPv6 "
            "address needs brackets: \"[::1]:2020\"\n"
            "  hint: e.g. address = \"127.0.0.1:2020\" under [api]; port 0 picks a free port\n");
  EXPECT_EQ(Errors("[api]\naddress = 2020\n\n" + std::string(kValidPipeline)),
            "main.toml:2:11: key 'api.address' must be a string, got an integer\n"
            "  hint: e.g. api.address = \"...\"\n");
  EXPECT_EQ(Errors("api = \"127.0.0.1:2020\"\n" + std::string(kValidPipeline)),
            "main.toml:1:1: 'api' must be a table, got a string\n"
            "  hint: write [api] followed by its keys: address, health_window\n");
  EXPECT_EQ(Errors("[apii]\naddress = \"127.0.0.1:2020\"\n" + std::string(kValidPipeline)),
            "main.toml:1:2: unknown section [apii]\n"
            "  hint: did you mean [api]?\n");
}

TEST_F(ConfigTest, ApiKeysAreSetOnceAcrossFiles) {
  Write("main.toml", "include = [\"more.toml\"]\n[api]\naddress = \"127.0.0.1:1\"\n\n" +
                         std::string(kValidPipeline));
  Write("more.toml", "[api]\naddress = \"127.0.0.1:2\"\n");
  EXPECT_EQ(Relative(Load("main.toml").ErrorText()),
            "more.toml:2:1: key 'api.address' is set twice: at main.toml:3:1 and at "
            "more.toml:2:1\n"
            "  hint: set it in one file only\n");
}

}  // namespace
}  // namespace runnel::config::testing
