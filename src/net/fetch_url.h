#pragma once
// The first half of the SSRF guard: what a URL may look like before anything is resolved.
// Exposed (net-internal, but tests and the fuzz target use it) so it can be tested without
// sockets.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "net/fetcher.h"

namespace bastion::net {

// Where one request goes, taken from a URL that passed the checks.
struct FetchTarget {
  bool tls = true;
  std::string host;         // lower-case DNS name, or an IP literal without brackets
  bool host_is_ip = false;  // SNI is sent only for names (RFC 6066)
  std::uint16_t port = 443;
  std::string target;       // origin-form request target: path (at least "/") and ?query
  std::string host_header;  // Host header value: host (bracketed if IPv6), ":port" if not default
};

// Accepts absolute http(s) URLs with a non-empty registered name or IPv4/IPv6 literal host and
// no userinfo or fragment. Errors: BadUrl, or SchemeNotAllowed for http unless policy.allow_http.
// Does NOT check addresses (a name is only checked once it is resolved) and does not decode
// percent-encoding in the path or query (they are sent as written).
[[nodiscard]] Result<FetchTarget> parseFetchUrl(std::string_view url, const FetchPolicy& policy);

}  // namespace bastion::net
