#include "message_encoder.h"

namespace runnel::plugins::socket_input {

void PeerKeys::Write(const Peer& peer, MsgpackWriter& w) const {
  if (!address_key.empty() && !peer.address.empty()) {
    w.Str(address_key);
    w.Str(peer.address);
  }
  if (!port_key.empty() && peer.port != 0) {
    w.Str(port_key);
    w.Int(peer.port);
  }
}

void PlainEncoder::Append(std::string_view message, bool /*truncated*/, const Peer& peer,
                          BatchBuilder& builder) {
  builder.BeginEntry(EventTime::Now(), 1 + peer_keys_.count(peer));
  builder.writer().Str(key_);
  builder.writer().Str(message);
  peer_keys_.Write(peer, builder.writer());
}

}  // namespace runnel::plugins::socket_input
