#pragma once
// The one place core includes standalone Asio (libasio-dev; header-only, no Boost), with its TLS
// streams. Only core/src/net includes this; public headers never do.

#include <asio.hpp>
#include <asio/ssl.hpp>
