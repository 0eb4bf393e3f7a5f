#pragma once
// Outbound HTTP(S) for the few places Bastion must reach another server: an issuer's discovery
// document and JWKS, an introspection endpoint, a Client ID Metadata Document. Every URL here can
// be influenced by an attacker (a token's `iss`, a client_id that is a URL), so the fetcher is an
// SSRF guard first and an HTTP client second:
//   - https only, unless the policy allows http for development;
//   - the host is resolved once and EVERY resolved address is checked before connecting, and the
//     connection goes to a checked address (no second lookup a rebinding DNS could answer);
//     loopback, private (RFC 1918, ULA), link-local (incl. 169.254.169.254), CGNAT, multicast,
//     unspecified and IPv4-mapped forms of those are refused unless the policy allows them;
//   - redirects are not followed (a 3xx is returned as-is; callers treat it as failure);
//   - bounded time (connect + whole exchange) and response size.
// It is a seam: tests substitute a fake Fetcher where the network is not the point.
// (Members default-initialise with {} so designated initialisers such as {.url = u} compile
// cleanly under -Wmissing-field-initializers.)

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace bastion::net {

enum class FetchError {
  BadUrl = 1,          // not an absolute http(s) URL, userinfo present, fragment present
  SchemeNotAllowed,    // http where https is required
  ForbiddenAddress,    // a resolved address is loopback/private/link-local/... (SSRF guard)
  ResolveFailed,
  ConnectFailed,
  TlsFailed,           // handshake or certificate verification
  Timeout,
  TooLarge,            // response body over max_bytes
  ProtocolError,       // malformed HTTP response
  Cancelled,           // FetchRequest::cancelled turned true; the exchange was stopped
};

struct FetchPolicy {
  bool allow_http = false;            // development only
  bool allow_private_addresses = false;  // development only: loopback/private targets
  // With allow_private_addresses: link-local too (169.254/16, fe80::/10, where cloud metadata
  // services answer). Off by default, so allowing a private API does not open the metadata
  // service to a rebinding DNS answer.
  bool allow_link_local = false;
  std::string ca_file{};              // empty: the system trust store
};

struct FetchRequest {
  std::string url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  std::size_t max_bytes = 256 * 1024;
  // Polled while the fetch waits (every few milliseconds); once it returns true the exchange is
  // stopped at whatever step it is in and fetch() returns Cancelled. Empty: never cancelled.
  std::function<bool()> cancelled{};
};

struct FetchResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers{};  // lower-case names
  std::string body{};

  std::string_view header(std::string_view lower_name) const;  // empty if absent
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // Blocking; thread-safe. An Error's code is a FetchError; its message names no address
  // beyond the URL's own host.
  [[nodiscard]] virtual Result<FetchResponse> fetch(const FetchRequest& req) = 0;
};

// The real fetcher (Boost.Beast over Asio, OpenSSL 3 with certificate and host-name checks).
std::shared_ptr<Fetcher> makeHttpFetcher(FetchPolicy policy);

// The SSRF guard's address check, exposed for tests: true if `ip` (an IP literal, v4 or v6,
// without brackets) is a public unicast address.
bool isPublicAddress(std::string_view ip);

// Parses Cache-Control's max-age (no-store / no-cache -> 0); nullopt-like -1 when absent.
long long cacheMaxAgeSeconds(std::string_view cache_control);

}  // namespace bastion::net
