#pragma once
// auth.mode = "jwt": access tokens are JWTs (RFC 9068) signed by an authorization server whose
// keys come from its JWK Set, and the same checks over a fixed local key set for the embedded
// authorization server.
//
// Per token: the cache (auth/token_cache.h) first; then parse, claims (typ when required, exp,
// nbf, iat with bounded skew, iss exact, sub, aud containing our resource URI), then the
// signature by the one JWK whose kid AND alg match (auth/jwt.h). Claims are checked before the
// signature so that tokens for another issuer or audience never cause a key fetch.
//
// Remote keys: the JWK Set is fetched through the given net::Fetcher (the SSRF guard) from
// `jwks_uri`, or from the `jwks_uri` of the issuer's metadata found by discovery, in this order
// (MCP authorization, "Authorization Server Metadata Discovery"):
//   RFC 8414 with path insertion  https://h/.well-known/oauth-authorization-server/<path>
//   OpenID, path insertion        https://h/.well-known/openid-configuration/<path>
//   OpenID, path appended         https://h/<path>/.well-known/openid-configuration
// (without a path: the first two only). The metadata's `issuer` must equal ours exactly, and
// its `jwks_uri` must be https. Keys are fetched on first use, again when older than
// `keys_max_age`, and on an unknown kid, but never more often than `min_refresh_interval`
// (an attacker inventing kids gets at most one fetch per interval). If a refresh fails, the
// keys already held stay in use; with none, tokens fail closed with KeysUnavailable.
//
// verify() runs on the server's I/O threads, so it waits for the network only while no keys are
// held at all (the first request; call refreshKeys() at start-up to avoid even that). Later
// refreshes run on a thread the verifier owns: a token signed by a key published since the last
// fetch is refused (UnknownKid) until that fetch lands. Issuers publish keys ahead of use, and
// keys_max_age bounds how long we stay behind.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "auth/jwt.h"
#include "auth/token_cache.h"
#include "auth/token_verifier.h"
#include "core/clock.h"
#include "core/error.h"
#include "net/fetcher.h"

namespace bastion::auth {

struct JwtVerifierOptions {
  std::string issuer;    // exact `iss`; also where discovery starts
  std::string audience;  // our canonical resource URI
  std::vector<JwsAlg> allowed_algs{JwsAlg::RS256, JwsAlg::PS256, JwsAlg::ES256, JwsAlg::EdDSA};
  std::chrono::seconds skew{60};
  std::string required_typ{};  // e.g. "at+jwt"; empty accepts any typ
  std::size_t max_token_bytes = kMaxTokenBytes;
  TokenCacheOptions cache{};

  // Remote keys only.
  std::string jwks_uri{};  // empty: discovery from `issuer`
  std::chrono::seconds min_refresh_interval{30};
  std::chrono::seconds keys_max_age{std::chrono::hours(1)};
  bool allow_http = false;  // development: http issuer/jwks_uri (the fetcher must allow it too)
  bool fetch_in_background = true;  // false: refreshes run inline in verify() (tests, tools)
};

enum class JwtVerifierError {
  BadIssuer = 1,  // empty, or (remote keys) not an absolute http(s) URL without query/fragment
  BadAudience,    // empty
  NoAlgorithms,   // allowed_algs empty
  BadJwksUri,     // not an absolute https URL
  MissingFetcher,
  MissingKeys,  // local verifier without a key set
  BadInterval,  // negative skew or refresh interval
};

class JwtVerifier : public TokenVerifier {
 public:
  struct Stats {
    std::uint64_t signature_checks = 0;  // signatures actually verified (cache misses)
    std::uint64_t cache_hits = 0;
    std::uint64_t key_fetches = 0;  // JWK Set fetches attempted (remote keys)
  };
  [[nodiscard]] virtual Stats stats() const = 0;

  // Replaces the key set atomically: verifications in flight finish with the old set. Cached
  // verdicts are dropped when a kid of the old set is missing from the new one (a withdrawn
  // key stops working at once).
  virtual void replaceKeys(std::shared_ptr<const JwkSet> keys) = 0;

  // Remote keys: fetches the JWK Set now, ignoring the refresh interval, and waits for it
  // (start-up: fail fast, or warm the keys before the first request). Local keys: nothing.
  [[nodiscard]] virtual Result<void> refreshKeys() = 0;
};

// Keys from the issuer's JWK Set through `fetcher`. Nothing is fetched here. Thread-safe;
// `clock` must outlive the verifier.
[[nodiscard]] Result<std::shared_ptr<JwtVerifier>> makeJwksVerifier(
    JwtVerifierOptions options, std::shared_ptr<net::Fetcher> fetcher, const Clock& clock);

// Keys given by the caller (the embedded server's published keys), replaced with replaceKeys.
// The remote-key options are ignored. Thread-safe; `clock` must outlive the verifier.
[[nodiscard]] Result<std::shared_ptr<JwtVerifier>> makeLocalJwtVerifier(
    JwtVerifierOptions options, std::shared_ptr<const JwkSet> keys, const Clock& clock);

// The metadata URLs discovery tries for `issuer`, in order (see above); empty if the issuer is
// not an absolute URL without query or fragment. Exposed for tests.
std::vector<std::string> discoveryUrls(std::string_view issuer);

}  // namespace bastion::auth
