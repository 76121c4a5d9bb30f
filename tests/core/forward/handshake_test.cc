#include "runnel/forward/handshake.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/core/forward/forward_test_util.h"

namespace runnel::forward {
namespace {

using testing::FromHex;
using testing::ToHex;

// Computed independently with Python's hashlib:
//   sha512(b"salt0123" + b"client.example" + b"nonce-16-bytes!!" + b"secret").hexdigest()
constexpr std::string_view kPingDigest =
    "469035ac248943b7da4de406c3a8e6d31566111150d02cc285c034ec85db5fdd"
    "ff0c7b639ac3e5acffd909312f7198bb84c4353ae0205f725225dddb1e3324fb";
//   sha512(b"salt0123" + b"server.example" + b"nonce-16-bytes!!" + b"secret").hexdigest()
constexpr std::string_view kPongDigest =
    "8cf2d4c73f507feaddf6a3df506007943ffdd4e5fa320fff4946f631976fedbb"
    "50a0c11465cc9b7e0ee0964049c01f7a279d7aa08508b49b659819771c8b10e8";
//   sha512(b"authsalt" + b"alice" + b"pw").hexdigest()
constexpr std::string_view kPasswordDigest =
    "7e9223ca4b94fd4ac777d3928fa140b036c186e31a6b397907ae96db320b1ece"
    "fbdef809ae83d8a744f8a96a461cd89d39aa36350b876c9f639a66b761af2537";
//   sha512(b"abc").hexdigest() (FIPS 180-2 example)
constexpr std::string_view kAbcDigest =
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

constexpr std::string_view kNonce = "nonce-16-bytes!!";
constexpr std::string_view kSalt = "salt0123";
constexpr std::string_view kKey = "secret";

Helo TestHelo(std::string auth = "") { return Helo{std::string(kNonce), std::move(auth), true}; }

TEST(Handshake, DigestsAsTheSpecBuildsThem) {
  EXPECT_EQ(Sha512Hex({"a", "bc"}), kAbcDigest);
  EXPECT_EQ(Sha512Hex({"abc"}), kAbcDigest);
  EXPECT_EQ(SharedKeyDigest(kSalt, "client.example", kNonce, kKey), kPingDigest);
  EXPECT_EQ(SharedKeyDigest(kSalt, "server.example", kNonce, kKey), kPongDigest);
  EXPECT_EQ(PasswordDigest("authsalt", "alice", "pw"), kPasswordDigest);
}

TEST(Handshake, HeloExactBytesAndDecoding) {
  const std::string want = FromHex(
      "92 a4 48454c4f 83"
      "a5 6e6f6e6365 c4 10 6e6f6e63652d31362d62797465732121"  // "nonce": bin
      "a4 61757468 c4 08 6175746873616c74"                    // "auth": bin "authsalt"
      "a9 6b656570616c697665 c3");                            // "keepalive": true
  EXPECT_EQ(ToHex(EncodeHelo(TestHelo("authsalt"))), ToHex(want));
  auto helo = DecodeHelo(want);
  ASSERT_TRUE(helo.has_value()) << helo.error().ToString();
  EXPECT_EQ(*helo, TestHelo("authsalt"));

  // A HELO with the nonce as a str, auth "" and no keepalive (keepalive defaults to true).
  auto str_helo = DecodeHelo(FromHex("92 a4 48454c4f 82 a5 6e6f6e6365 a2 6e6e a4 61757468 a0"));
  ASSERT_TRUE(str_helo.has_value()) << str_helo.error().ToString();
  EXPECT_EQ(*str_helo, (Helo{"nn", "", true}));

  EXPECT_EQ(DecodeHelo(FromHex("92 a4 48454c4f 80")).error().message(), "forward: HELO: no nonce");
  EXPECT_EQ(DecodeHelo(FromHex("92 a4 50494e47 80")).error().message(),
            "forward: HELO: first element is not \"HELO\"");
  EXPECT_EQ(DecodeHelo(FromHex("92 a4 48454c4f 05")).error().message(),
            "forward: HELO: options is an int, want a map");
}

TEST(Handshake, PingExactBytesWithoutUserAuth) {
  Ping ping = MakePing(TestHelo(), "client.example", kSalt, kKey, "alice", "pw");
  EXPECT_EQ(ping.shared_key_hexdigest, kPingDigest);
  EXPECT_EQ(ping.username, "");  // the server did not ask for users
  EXPECT_EQ(ping.password_digest, "");
  const std::string want = FromHex(
                               "96 a4 50494e47 ae 636c69656e742e6578616d706c65"
                               "a8 73616c7430313233 d9 80") +
                           std::string(kPingDigest) + FromHex("a0 a0");
  EXPECT_EQ(ToHex(EncodePing(ping)), ToHex(want));
  auto back = DecodePing(want);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, ping);
  EXPECT_EQ(DecodePing(FromHex("95 a4 50494e47 a0 a0 a0 a0")).error().message(),
            "forward: PING: has 5 elements, want 6");
}

TEST(Handshake, SuccessBothWays) {
  const Helo helo = TestHelo();
  auto ping = DecodePing(EncodePing(MakePing(helo, "client.example", kSalt, kKey, "", "")));
  ASSERT_TRUE(ping.has_value());
  Status verdict = VerifyPing(*ping, helo, kKey, {});
  EXPECT_TRUE(verdict.ok()) << verdict.ToString();
  Pong pong = MakePong(*ping, helo, "server.example", kKey, verdict);
  const std::string want = FromHex("95 a4 504f4e47 c3 a0 ae 7365727665722e6578616d706c65 d9 80") +
                           std::string(kPongDigest);
  EXPECT_EQ(ToHex(EncodePong(pong)), ToHex(want));
  auto decoded = DecodePong(want);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, pong);
  EXPECT_TRUE(VerifyPong(*decoded, helo, kSalt, kKey).ok());
}

TEST(Handshake, WrongSharedKeyGivesPongFalse) {
  const Helo helo = TestHelo();
  Ping ping = MakePing(helo, "client.example", kSalt, "not-the-key", "", "");
  Status verdict = VerifyPing(ping, helo, kKey, {});
  EXPECT_EQ(verdict.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(verdict.message(), "shared_key mismatch");
  Pong pong = MakePong(ping, helo, "server.example", kKey, verdict);
  // ["PONG", false, "shared_key mismatch", "server.example", ""]
  const std::string want = FromHex(
      "95 a4 504f4e47 c2 b3 7368617265645f6b6579206d69736d61746368"
      "ae 7365727665722e6578616d706c65 a0");
  EXPECT_EQ(ToHex(EncodePong(pong)), ToHex(want));
  Status client = VerifyPong(pong, helo, kSalt, "not-the-key");
  EXPECT_EQ(client.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.message(), "shared_key mismatch");
}

TEST(Handshake, UserAuthentication) {
  const Helo helo = TestHelo("authsalt");
  const std::vector<User> users = {{"bob", "x"}, {"alice", "pw"}};
  Ping good = MakePing(helo, "client.example", kSalt, kKey, "alice", "pw");
  EXPECT_EQ(good.username, "alice");
  EXPECT_EQ(good.password_digest, kPasswordDigest);
  EXPECT_TRUE(VerifyPing(good, helo, kKey, users).ok());

  Ping wrong_password = MakePing(helo, "client.example", kSalt, kKey, "alice", "nope");
  Status s = VerifyPing(wrong_password, helo, kKey, users);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "username/password mismatch");
  Pong pong = MakePong(wrong_password, helo, "server.example", kKey, s);
  EXPECT_FALSE(pong.auth_result);
  EXPECT_EQ(pong.reason, "username/password mismatch");
  EXPECT_EQ(VerifyPong(pong, helo, kSalt, kKey).message(), "username/password mismatch");

  Ping unknown_user = MakePing(helo, "client.example", kSalt, kKey, "carol", "pw");
  EXPECT_EQ(VerifyPing(unknown_user, helo, kKey, users).message(), "username/password mismatch");
  // The shared key is checked first.
  Ping both_wrong = MakePing(helo, "client.example", kSalt, "k2", "alice", "nope");
  EXPECT_EQ(VerifyPing(both_wrong, helo, kKey, users).message(), "shared_key mismatch");
}

TEST(Handshake, ClientChecksTheServersDigest) {
  const Helo helo = TestHelo();
  // A server that accepts us but does not know the key (an impostor) cannot make the digest.
  Pong impostor{true, "", "server.example",
                SharedKeyDigest(kSalt, "server.example", kNonce, "guess")};
  Status s = VerifyPong(impostor, helo, kSalt, kKey);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "shared_key mismatch");
  // The digest must be over the salt we sent, not another.
  Pong replayed{true, "", "server.example",
                SharedKeyDigest("other-salt", "server.example", kNonce, kKey)};
  EXPECT_EQ(VerifyPong(replayed, helo, kSalt, kKey).message(), "shared_key mismatch");
  Pong genuine{true, "", "server.example", std::string(kPongDigest)};
  EXPECT_TRUE(VerifyPong(genuine, helo, kSalt, kKey).ok());

  EXPECT_EQ(DecodePong(FromHex("95 a4 504f4e47 01 a0 a0 a0")).error().message(),
            "forward: PONG: auth_result is an int, want a bool");
}

TEST(Handshake, RandomNoncesAndSalts) {
  auto a = RandomBytes(16);
  auto b = RandomBytes(16);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->size(), 16u);
  EXPECT_NE(*a, *b);
  auto salt = RandomHexSalt();
  ASSERT_TRUE(salt.has_value());
  EXPECT_EQ(salt->size(), 32u);
  EXPECT_EQ(salt->find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace runnel::forward
