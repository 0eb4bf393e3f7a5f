#pragma once
// The embedded OAuth 2.1 authorization server (the default of `bastion serve`). It serves its
// endpoints and pages as web::Routes beside the MCP endpoint, issues short-lived ES256 JWT access
// tokens whose `aud` is our canonical resource URI, and hands the resource server a verifier for
// exactly those tokens. Everything persistent goes through store::Store.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "auth/token_verifier.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "core/web.h"
#include "net/fetcher.h"
#include "oauth/client_address.h"
#include "policy/rate_limit.h"
#include "store/store.h"

namespace bastion::audit {
class AuditSink;
}

namespace bastion::oauth {

struct AsOptions {
  std::string issuer;    // exact issuer, e.g. "http://127.0.0.1:8080" (no trailing slash)
  std::string resource;  // canonical resource URI (public_url of the MCP endpoint)
  std::vector<std::string> scopes_supported;  // what clients may ask for
  std::vector<std::string> default_scopes;    // granted when a request names none

  std::chrono::seconds access_token_ttl{std::chrono::minutes(10)};
  std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 30)};
  std::chrono::seconds code_ttl{60};
  std::chrono::seconds key_lifetime{std::chrono::hours(24 * 30)};  // signing key rotation

  // Client registration.
  bool dynamic_registration = true;                   // RFC 7591 at /register
  bool metadata_documents = true;                     // client_id as an HTTPS URL (CIMD)
  bool allow_http_redirects_to_non_loopback = false;  // redirect-URI policy for DCR
  std::chrono::seconds dynamic_client_unused_expiry{std::chrono::hours(24 * 7)};
  unsigned registrations_per_ip_per_hour = 20;

  // Login throttling (failed attempts).
  unsigned failed_logins_per_user_per_15min = 10;
  unsigned failed_logins_per_ip_per_15min = 30;

  // Requests per client address (IPv6 by /64) to every endpoint but metadata and JWKS (GCRA);
  // beyond it 429 with Retry-After. count 0 turns it off.
  policy::Rate requests_per_ip{600, std::chrono::minutes(1), 100};
  // Peers whose X-Forwarded-For names the client for the per-IP limits (oauth/client_address.h).
  // Empty: nobody; the header is ignored.
  TrustedProxies trusted_proxies;
};

// The endpoints' shared state (oauth/state.h), private to the oauth layer.
struct AuthorizationServerState;

struct AsDependencies {
  std::shared_ptr<store::Store> store;
  // Token issue and revocation events (audit/audit_log.h); null: not audited.
  std::shared_ptr<audit::AuditSink> audit;
  std::shared_ptr<net::Fetcher> fetcher;  // CIMD documents (SSRF-guarded)
  const Clock* clock = &systemClock();
  RandomSource* random = &systemRandom();
  // Where the per-IP limits count; null: a private in-memory table of 65536 addresses.
  std::shared_ptr<policy::RateBackend> rate_backend;
};

class AuthorizationServer : public web::Routes {
 public:
  // Loads or creates signing keys; fails if the store is unusable.
  [[nodiscard]] static Result<std::shared_ptr<AuthorizationServer>> create(AsOptions options,
                                                                           AsDependencies deps);
  ~AuthorizationServer() override;

  bool serves(std::string_view path) const override;
  web::Response handle(const web::Request& req) override;

  // Verifies access tokens this server issued (signature with a published key, iss, aud,
  // time claims, revocation of jti and family). For auth.mode = "embedded".
  std::shared_ptr<auth::TokenVerifier> verifier();

  // Mints an access token directly (`bastion token issue`, tests).
  [[nodiscard]] Result<std::string> issueAccessToken(const std::string& sub,
                                                     const std::vector<std::string>& scopes,
                                                     std::chrono::seconds ttl,
                                                     const std::string& client_id = "bastion-cli");

 private:
  explicit AuthorizationServer(std::unique_ptr<AuthorizationServerState> state);
  std::unique_ptr<AuthorizationServerState> state_;
};

}  // namespace bastion::oauth
