#pragma once
// Private to core/src/net: the asio::ssl::context inside a TlsContext.

#include "net/asio.h"
#include "runnel/net/tls.h"

namespace runnel::net {

struct TlsContext::Impl {
  Impl(TlsConfig c, TlsRole r, asio::ssl::context::method method)
      : config(std::move(c)), role(r), context(method) {}
  TlsConfig config;
  TlsRole role;
  asio::ssl::context context;
};

// The OpenSSL error queue as one line ("error:0A000086:SSL routines::certificate verify failed"),
// emptied; "" when it is empty.
std::string TakeOpenSslErrors();

}  // namespace runnel::net
