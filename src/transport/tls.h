#pragma once
// TLS for the HTTP listener, for deployments without a terminating proxy: TLS 1.2 and 1.3
// only (OpenSSL 3 through asio::ssl), certificate chain and key from PEM files.
// Transport-internal: includes Asio's SSL declarations.

#include <boost/asio/ssl/context.hpp>

#include <memory>

#include "core/error.h"
#include "transport/http_config.h"

namespace bastion::transport {

// A server context with the chain and key loaded and checked against each other. Fails, naming
// the file, when either is unreadable or malformed or they do not match.
[[nodiscard]] Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const TlsOptions& files);

}  // namespace bastion::transport
