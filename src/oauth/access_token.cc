#include "oauth/access_token.h"

#include <boost/json.hpp>

#include "core/random.h"
#include "oauth/state.h"

namespace bastion::oauth {

namespace {

constexpr std::size_t kJtiBytes = 16;

std::int64_t epochSeconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Result<IssuedAccessToken> mintAccessToken(AuthorizationServerState& s,
                                          const AccessTokenGrant& grant) {
  // Whole seconds: iat/exp are NumericDate, and expires must match what a verifier reads back.
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(s.deps.clock->now());
  IssuedAccessToken out;
  out.jti = randomToken(*s.deps.random, kJtiBytes);
  out.expires = now + grant.ttl;
  boost::json::object claims;
  claims["iss"] = s.options.issuer;
  claims["aud"] = grant.resource;
  claims["sub"] = grant.sub;
  claims["client_id"] = grant.client_id;
  claims["scope"] = joinScope(grant.scopes);
  claims["jti"] = out.jti;
  claims["iat"] = epochSeconds(now);
  claims["exp"] = epochSeconds(out.expires);
  if (!grant.family_id.empty()) {
    claims[kFamilyClaim] = grant.family_id;
  }
  auto token = s.keys->sign(kAccessTokenType, boost::json::serialize(claims), out.expires);
  if (!token) {
    return token.error();
  }
  out.token = std::move(*token);
  return out;
}

}  // namespace bastion::oauth
