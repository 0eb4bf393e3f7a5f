#pragma once
// auth.mode = "introspection": bearer tokens (opaque or not) are checked by asking the
// authorization server (RFC 7662). Bastion authenticates to the endpoint with
// client_secret_basic and POSTs `token=...&token_type_hint=access_token`.
//
// A token is accepted only if the answer is a 200 JSON object with `active: true`, a string
// `sub`, `exp` (when present) not past, `nbf` (when present) not in the future, `aud` (when
// present) containing our canonical resource URI, `iss` equal to the configured issuer (when one
// is configured), and not `token_type: refresh_token`. Scopes come from `scope`.
//
// Active verdicts are cached under SHA-256 of the token (the token itself is never stored) for
// at most min(exp, max_cache_lifetime): that bound is how late a revocation at the authorization
// server is noticed. The cache holds at most max_cache_entries. Refusals are not cached. Any
// failure to get a well-formed answer (unreachable, timeout, non-200, bad JSON, missing
// `active`) is IntrospectionFailed: fail closed, never "assume active".
//
// Does NOT check scopes (the resource server does, per operation), and does not limit how often
// unknown tokens are introspected (rate limiting sits in front).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "auth/token_verifier.h"
#include "core/clock.h"
#include "core/error.h"
#include "net/fetcher.h"

namespace bastion::auth {

struct IntrospectionOptions {
  std::string endpoint;       // the introspection URL; the fetcher's policy decides http/private
  std::string client_id;      // Bastion's client at the authorization server
  std::string client_secret;  // from the environment (the config layer reads it); never logged
  std::string resource;       // our canonical resource URI, which `aud` must contain if present
  std::string issuer{};       // if set, `iss` must be present and equal to it
  std::chrono::seconds clock_skew{30};          // leeway for exp / nbf
  std::chrono::seconds max_cache_lifetime{60};  // an active verdict is reused at most this long
  std::size_t max_cache_entries = 10'000;
  std::size_t max_token_bytes = 8 * 1024;  // larger tokens are refused without asking
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  std::size_t max_response_bytes = 64 * 1024;
};

enum class IntrospectionConfigError {
  InvalidEndpoint = 1,  // not an absolute http(s) URL without userinfo or fragment
  MissingCredentials,   // client_id or client_secret empty
  MissingResource,
  MissingFetcher,
};

// The verifier. Thread-safe; `clock` must outlive it.
[[nodiscard]] Result<std::unique_ptr<TokenVerifier>> makeIntrospectionVerifier(
    IntrospectionOptions options, std::shared_ptr<net::Fetcher> fetcher, const Clock& clock);

}  // namespace bastion::auth
