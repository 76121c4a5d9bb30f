#pragma once
// The shared-key handshake of the Fluent Forward protocol v1:
//   server → client  HELO ["HELO", {"nonce": bin, "auth": bin, "keepalive": bool}]
//   client → server  PING ["PING", client_hostname, shared_key_salt, shared_key_hexdigest,
//                          username, password_digest]
//   server → client  PONG ["PONG", auth_result, reason, server_hostname, shared_key_hexdigest]
// Digests are lowercase hex SHA-512:
//   PING shared_key_hexdigest = sha512(salt + client_hostname + nonce + shared_key)
//   PING password_digest      = sha512(auth_salt + username + password)  ("" without users)
//   PONG shared_key_hexdigest = sha512(salt + server_hostname + nonce + shared_key)
// Decoders accept str or bin wherever the spec allows both; they take one complete frame (from
// FrameDecoder::NextRaw) and return DataLoss naming what is wrong. Verify* compare digests in
// constant time and return InvalidArgument with the reason a PONG carries
// ("shared_key mismatch", "username/password mismatch"). Thread-safe (no shared state).

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::forward {

struct Helo {
  std::string nonce;  // random bytes from the server
  std::string auth;   // salt for password digests; empty: no user authentication
  bool keepalive = true;
  friend bool operator==(const Helo&, const Helo&) = default;
};

struct Ping {
  std::string client_hostname;
  std::string shared_key_salt;
  std::string shared_key_hexdigest;
  std::string username;         // "" when the server does not authenticate users
  std::string password_digest;  // "" when the server does not authenticate users
  friend bool operator==(const Ping&, const Ping&) = default;
};

struct Pong {
  bool auth_result = false;
  std::string reason;  // why authentication failed; "" on success
  std::string server_hostname;
  std::string shared_key_hexdigest;
  friend bool operator==(const Pong&, const Pong&) = default;
};

struct User {
  std::string username;
  std::string password;
};

// Lowercase hex of SHA-512 over the concatenation of `parts`.
std::string Sha512Hex(std::initializer_list<std::string_view> parts);
// hex(sha512(salt + hostname + nonce + shared_key)): PING with the client's hostname, PONG with
// the server's.
std::string SharedKeyDigest(std::string_view salt, std::string_view hostname,
                            std::string_view nonce, std::string_view shared_key);
// hex(sha512(auth_salt + username + password)).
std::string PasswordDigest(std::string_view auth_salt, std::string_view username,
                           std::string_view password);
// `n` cryptographically random bytes (OpenSSL RAND_bytes), for nonces and auth salts; and a salt
// of 32 lowercase hex characters for PING (printable, so peers that expect a str accept it).
Result<std::string> RandomBytes(size_t n);
Result<std::string> RandomHexSalt();

std::string EncodeHelo(const Helo& helo);  // nonce and auth as bin
Result<Helo> DecodeHelo(std::string_view frame);
std::string EncodePing(const Ping& ping);  // every field as str
Result<Ping> DecodePing(std::string_view frame);
std::string EncodePong(const Pong& pong);
Result<Pong> DecodePong(std::string_view frame);

// Client: the PING answering `helo`. `username`/`password` are used only when helo.auth is not
// empty (the server asks for user authentication).
Ping MakePing(const Helo& helo, std::string_view client_hostname, std::string_view salt,
              std::string_view shared_key, std::string_view username, std::string_view password);

// Server: checks a PING against the HELO it sent. With a non-empty helo.auth, the username must be
// one of `users` and its password digest must match.
Status VerifyPing(const Ping& ping, const Helo& helo, std::string_view shared_key,
                  std::span<const User> users);

// Server: the PONG for a PING, success when `verdict` is OK, else its message as the reason.
Pong MakePong(const Ping& ping, const Helo& helo, std::string_view server_hostname,
              std::string_view shared_key, const Status& verdict);

// Client: OK when the server accepted us and proved it knows the shared key; otherwise
// InvalidArgument with the server's reason or "shared_key mismatch".
Status VerifyPong(const Pong& pong, const Helo& helo, std::string_view salt,
                  std::string_view shared_key);

}  // namespace runnel::forward
