#pragma once
// MessageEncoder: turns one received message (a line, an octet-counted frame, a datagram) into
// one record appended to a batch. The tcp, udp and unix inputs use PlainEncoder; the syslog
// input has its own (syslog fields). One encoder per reading thread or connection: encoders
// keep scratch space and are not thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runnel/batch.h"

namespace runnel::plugins::socket_input {

// Where a message came from: an IP address and port, or nothing (unix sockets).
struct Peer {
  std::string_view address;
  uint16_t port = 0;
};

// Which peer fields a record gets; empty keys leave them out.
struct PeerKeys {
  std::string address_key;
  std::string port_key;
  uint32_t count(const Peer& peer) const {
    return (!address_key.empty() && !peer.address.empty() ? 1 : 0) +
           (!port_key.empty() && peer.port != 0 ? 1 : 0);
  }
  // Writes the pairs count() announced.
  void Write(const Peer& peer, MsgpackWriter& w) const;
};

class MessageEncoder {
 public:
  virtual ~MessageEncoder() = default;
  // Appends one entry for `message` (not empty). `truncated`: it was cut to the size limit.
  virtual void Append(std::string_view message, bool truncated, const Peer& peer,
                      BatchBuilder& builder) = 0;
};

using EncoderFactory = std::function<std::unique_ptr<MessageEncoder>()>;

// `{key: message, [address_key: address], [port_key: port]}`, timed now.
class PlainEncoder : public MessageEncoder {
 public:
  PlainEncoder(std::string key, PeerKeys peer_keys)
      : key_(std::move(key)), peer_keys_(std::move(peer_keys)) {}
  void Append(std::string_view message, bool truncated, const Peer& peer,
              BatchBuilder& builder) override;

 private:
  const std::string key_;
  const PeerKeys peer_keys_;
};

}  // namespace runnel::plugins::socket_input
