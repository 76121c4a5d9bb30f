#include "runnel/forward/handshake.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "forward/type_names.h"
#include "runnel/check.h"
#include "runnel/msgpack.h"

namespace runnel::forward {
namespace {

using internal::WithArticle;

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

bool SameDigest(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status Bad(std::string_view what, std::string_view msg) {
  return DataLoss("forward: " + std::string(what) + ": " + std::string(msg));
}

// Reads a message array whose first element is the str `type` and returns its element count.
Result<uint32_t> ReadHead(MsgpackReader& r, std::string_view type) {
  RUNNEL_ASSIGN_OR_RETURN(MsgObject a, r.Next());
  if (a.type != MsgType::kArray || a.count == 0) {
    return Err(Bad(type, "not a non-empty array"));
  }
  RUNNEL_ASSIGN_OR_RETURN(MsgObject t, r.Next());
  if (t.type != MsgType::kStr || t.data != type) {
    return Err(Bad(type, "first element is not \"" + std::string(type) + "\""));
  }
  return a.count;
}

// A str, or with `bin_ok` a bin too.
Result<std::string> ReadString(MsgpackReader& r, std::string_view type, std::string_view field,
                               bool bin_ok) {
  RUNNEL_ASSIGN_OR_RETURN(MsgObject v, r.Next());
  if (v.type != MsgType::kStr && !(bin_ok && v.type == MsgType::kBin)) {
    return Err(Bad(type, std::string(field) + " is " + WithArticle(MsgTypeName(v.type)) +
                             (bin_ok ? ", want a str or a bin" : ", want a str")));
  }
  return std::string(v.data);
}

Status CheckEnd(const MsgpackReader& r, std::string_view type) {
  if (!r.AtEnd()) {
    return Bad(type, std::to_string(r.remaining()) + " bytes after the message");
  }
  return OkStatus();
}

}  // namespace

std::string Sha512Hex(std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  RUNNEL_CHECK(ctx != nullptr);
  RUNNEL_CHECK(EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1);
  for (std::string_view p : parts) {
    RUNNEL_CHECK(EVP_DigestUpdate(ctx, p.data(), p.size()) == 1);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  RUNNEL_CHECK(EVP_DigestFinal_ex(ctx, md, &len) == 1);
  EVP_MD_CTX_free(ctx);
  return Hex(md, len);
}

std::string SharedKeyDigest(std::string_view salt, std::string_view hostname,
                            std::string_view nonce, std::string_view shared_key) {
  return Sha512Hex({salt, hostname, nonce, shared_key});
}

std::string PasswordDigest(std::string_view auth_salt, std::string_view username,
                           std::string_view password) {
  return Sha512Hex({auth_salt, username, password});
}

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return Err(Internal("RAND_bytes failed"));
  }
  return out;
}

Result<std::string> RandomHexSalt() {
  RUNNEL_ASSIGN_OR_RETURN(std::string raw, RandomBytes(16));
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string EncodeHelo(const Helo& helo) {
  std::string out;
  MsgpackWriter w(&out);
  w.ArrayHeader(2);
  w.Str("HELO");
  w.MapHeader(3);
  w.Str("nonce");
  w.Bin(helo.nonce);
  w.Str("auth");
  w.Bin(helo.auth);
  w.Str("keepalive");
  w.Bool(helo.keepalive);
  return out;
}

Result<Helo> DecodeHelo(std::string_view frame) {
  MsgpackReader r(frame);
  RUNNEL_ASSIGN_OR_RETURN(uint32_t n, ReadHead(r, "HELO"));
  if (n != 2) {
    return Err(Bad("HELO", "has " + std::to_string(n) + " elements, want 2"));
  }
  RUNNEL_ASSIGN_OR_RETURN(MsgObject m, r.Next());
  if (m.type != MsgType::kMap) {
    return Err(Bad("HELO", "options is " + WithArticle(MsgTypeName(m.type)) + ", want a map"));
  }
  Helo helo;
  bool has_nonce = false;
  for (uint32_t i = 0; i < m.count; ++i) {
    RUNNEL_ASSIGN_OR_RETURN(std::string key, ReadString(r, "HELO", "option key", false));
    if (key == "nonce") {
      RUNNEL_ASSIGN_OR_RETURN(helo.nonce, ReadString(r, "HELO", "nonce", true));
      has_nonce = true;
    } else if (key == "auth") {
      RUNNEL_ASSIGN_OR_RETURN(helo.auth, ReadString(r, "HELO", "auth", true));
    } else if (key == "keepalive") {
      RUNNEL_ASSIGN_OR_RETURN(MsgObject v, r.Next());
      if (v.type != MsgType::kBool) {
        return Err(
            Bad("HELO", "keepalive is " + WithArticle(MsgTypeName(v.type)) + ", want a bool"));
      }
      helo.keepalive = v.boolean;
    } else {
      RUNNEL_RETURN_IF_ERROR(r.Skip());
    }
  }
  if (!has_nonce) {
    return Err(Bad("HELO", "no nonce"));
  }
  RUNNEL_RETURN_IF_ERROR(CheckEnd(r, "HELO"));
  return helo;
}

std::string EncodePing(const Ping& ping) {
  std::string out;
  MsgpackWriter w(&out);
  w.ArrayHeader(6);
  w.Str("PING");
  w.Str(ping.client_hostname);
  w.Str(ping.shared_key_salt);
  w.Str(ping.shared_key_hexdigest);
  w.Str(ping.username);
  w.Str(ping.password_digest);
  return out;
}

Result<Ping> DecodePing(std::string_view frame) {
  MsgpackReader r(frame);
  RUNNEL_ASSIGN_OR_RETURN(uint32_t n, ReadHead(r, "PING"));
  if (n != 6) {
    return Err(Bad("PING", "has " + std::to_string(n) + " elements, want 6"));
  }
  Ping p;
  RUNNEL_ASSIGN_OR_RETURN(p.client_hostname, ReadString(r, "PING", "client_hostname", false));
  RUNNEL_ASSIGN_OR_RETURN(p.shared_key_salt, ReadString(r, "PING", "shared_key_salt", true));
  RUNNEL_ASSIGN_OR_RETURN(p.shared_key_hexdigest,
                          ReadString(r, "PING", "shared_key_hexdigest", false));
  RUNNEL_ASSIGN_OR_RETURN(p.username, ReadString(r, "PING", "username", false));
  RUNNEL_ASSIGN_OR_RETURN(p.password_digest, ReadString(r, "PING", "password", false));
  RUNNEL_RETURN_IF_ERROR(CheckEnd(r, "PING"));
  return p;
}

std::string EncodePong(const Pong& pong) {
  std::string out;
  MsgpackWriter w(&out);
  w.ArrayHeader(5);
  w.Str("PONG");
  w.Bool(pong.auth_result);
  w.Str(pong.reason);
  w.Str(pong.server_hostname);
  w.Str(pong.shared_key_hexdigest);
  return out;
}

Result<Pong> DecodePong(std::string_view frame) {
  MsgpackReader r(frame);
  RUNNEL_ASSIGN_OR_RETURN(uint32_t n, ReadHead(r, "PONG"));
  if (n != 5) {
    return Err(Bad("PONG", "has " + std::to_string(n) + " elements, want 5"));
  }
  Pong p;
  RUNNEL_ASSIGN_OR_RETURN(MsgObject ok, r.Next());
  if (ok.type != MsgType::kBool) {
    return Err(
        Bad("PONG", "auth_result is " + WithArticle(MsgTypeName(ok.type)) + ", want a bool"));
  }
  p.auth_result = ok.boolean;
  RUNNEL_ASSIGN_OR_RETURN(p.reason, ReadString(r, "PONG", "reason", false));
  RUNNEL_ASSIGN_OR_RETURN(p.server_hostname, ReadString(r, "PONG", "server_hostname", false));
  RUNNEL_ASSIGN_OR_RETURN(p.shared_key_hexdigest,
                          ReadString(r, "PONG", "shared_key_hexdigest", false));
  RUNNEL_RETURN_IF_ERROR(CheckEnd(r, "PONG"));
  return p;
}

Ping MakePing(const Helo& helo, std::string_view client_hostname, std::string_view salt,
              std::string_view shared_key, std::string_view username, std::string_view password) {
  Ping p;
  p.client_hostname = client_hostname;
  p.shared_key_salt = salt;
  p.shared_key_hexdigest = SharedKeyDigest(salt, client_hostname, helo.nonce, shared_key);
  if (!helo.auth.empty()) {
    p.username = username;
    p.password_digest = PasswordDigest(helo.auth, username, password);
  }
  return p;
}

Status VerifyPing(const Ping& ping, const Helo& helo, std::string_view shared_key,
                  std::span<const User> users) {
  const std::string want =
      SharedKeyDigest(ping.shared_key_salt, ping.client_hostname, helo.nonce, shared_key);
  if (!SameDigest(want, ping.shared_key_hexdigest)) {
    return InvalidArgument("shared_key mismatch");
  }
  if (helo.auth.empty()) {
    return OkStatus();
  }
  for (const User& u : users) {
    if (u.username == ping.username &&
        SameDigest(PasswordDigest(helo.auth, u.username, u.password), ping.password_digest)) {
      return OkStatus();
    }
  }
  return InvalidArgument("username/password mismatch");
}

Pong MakePong(const Ping& ping, const Helo& helo, std::string_view server_hostname,
              std::string_view shared_key, const Status& verdict) {
  Pong p;
  p.auth_result = verdict.ok();
  p.reason = verdict.ok() ? "" : verdict.message();
  p.server_hostname = server_hostname;
  if (verdict.ok()) {
    p.shared_key_hexdigest =
        SharedKeyDigest(ping.shared_key_salt, server_hostname, helo.nonce, shared_key);
  }
  return p;
}

Status VerifyPong(const Pong& pong, const Helo& helo, std::string_view salt,
                  std::string_view shared_key) {
  if (!pong.auth_result) {
    return InvalidArgument(pong.reason.empty() ? "authentication failed" : pong.reason);
  }
  const std::string want = SharedKeyDigest(salt, pong.server_hostname, helo.nonce, shared_key);
  if (!SameDigest(want, pong.shared_key_hexdigest)) {
    return InvalidArgument("shared_key mismatch");
  }
  return OkStatus();
}

}  // namespace runnel::forward
