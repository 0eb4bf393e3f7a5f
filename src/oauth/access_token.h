#pragma once
// The embedded server's access tokens (RFC 9068 profile): ES256 JWTs with header typ "at+jwt"
// and claims iss, aud (the canonical resource URI), sub, client_id, scope, jti, iat, exp, and
// `fid`, the token family, when the token came from an authorization grant (revoking the family
// revokes the token). Minting here; verification in embedded_verifier.cc.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_error.h"
#include "auth/principal.h"
#include "auth/token_verifier.h"
#include "core/clock.h"
#include "core/error.h"

namespace bastion::oauth {

struct AuthorizationServerState;

inline constexpr std::string_view kFamilyClaim = "fid";
inline constexpr std::string_view kAccessTokenType = "at+jwt";

struct AccessTokenGrant {
  std::string sub;
  std::string client_id;
  std::string resource;  // becomes aud
  std::vector<std::string> scopes;
  std::string family_id;  // empty: no family (client_credentials, `bastion token issue`)
  std::chrono::seconds ttl{0};
};

struct IssuedAccessToken {
  std::string token;
  std::string jti;
  Clock::time_point expires;
};

struct AccessTokenClaims {
  auth::Principal principal;  // iss, sub, client_id, scopes
  std::string audience;
  std::string jti;
  std::string family_id;  // empty if the token has no `fid`
  Clock::time_point issued;
  Clock::time_point expires;
};

// Signs a new access token with the key that signs now. Checks nothing about the grant.
[[nodiscard]] Result<IssuedAccessToken> mintAccessToken(AuthorizationServerState& s,
                                                        const AccessTokenGrant& grant);

// Every check of the embedded verifier below, uncached, with the store consulted for revocation:
// what /revoke and /introspect use. The AuthError says why a token is refused.
[[nodiscard]] boost::system::result<AccessTokenClaims, auth::AuthError> verifyAccessToken(
    AuthorizationServerState& s, std::string_view token);

// The verifier for tokens minted here: signature by a published key (kid and alg must both
// match), typ at+jwt, iss = our issuer, aud contains our resource, exp/iat with bounded skew,
// then the jti and family not revoked. Verdicts are cached until the token expires; a cached
// token is re-checked against the in-memory revocation list on every call. `s` must outlive it.
std::shared_ptr<auth::TokenVerifier> makeEmbeddedVerifier(AuthorizationServerState& s);

}  // namespace bastion::oauth
