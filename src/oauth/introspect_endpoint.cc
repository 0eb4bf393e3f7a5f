// POST /introspect (RFC 7662). Only confidential clients may ask (a resource server or a
// machine client with a secret): a public client cannot authenticate, and introspection reveals
// a token's subject and scopes. Access tokens are reported to any such caller; refresh tokens
// only to the client they were issued to. Anything else is {"active": false}, with no reason.

#include <boost/json.hpp>

#include "oauth/access_token.h"
#include "oauth/client_auth.h"
#include "oauth/endpoints.h"
#include "oauth/state.h"

namespace bastion::oauth {

namespace {

std::int64_t epochSeconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

web::Response inactive() { return jsonResponse(200, R"({"active":false})"); }

std::optional<web::Response> introspectAccess(AuthorizationServerState& s, std::string_view token) {
  auto claims = verifyAccessToken(s, token);
  if (!claims) {
    return std::nullopt;
  }
  boost::json::object o;
  o["active"] = true;
  o["token_type"] = "Bearer";
  o["scope"] = joinScope(claims->principal.scopes);
  o["client_id"] = claims->principal.client_id;
  o["sub"] = claims->principal.sub;
  o["iss"] = claims->principal.iss;
  o["aud"] = claims->audience;
  o["jti"] = claims->jti;
  o["iat"] = epochSeconds(claims->issued);
  o["exp"] = epochSeconds(claims->expires);
  return jsonResponse(200, boost::json::serialize(o));
}

web::Response introspectRefresh(AuthorizationServerState& s, const store::Client& caller,
                                std::string_view token) {
  auto found = s.deps.store->getRefresh(hashSecret(token));
  if (!found) {
    return found.error().code == static_cast<int>(store::StoreError::NotFound)
               ? inactive()
               : oauthError(503, "temporarily_unavailable", "the server cannot answer now");
  }
  if (found->client_id != caller.client_id || found->rotated ||
      s.deps.clock->now() >= found->expires) {
    return inactive();
  }
  auto revoked = s.revocations->isRevoked(found->family_id, {}, true);
  if (!revoked || *revoked) {
    return inactive();
  }
  boost::json::object o;
  o["active"] = true;
  o["token_type"] = "refresh_token";
  o["scope"] = joinScope(found->scopes);
  o["client_id"] = found->client_id;
  o["sub"] = found->sub;
  o["iss"] = s.options.issuer;
  o["aud"] = found->resource;
  o["exp"] = epochSeconds(found->expires);
  return jsonResponse(200, boost::json::serialize(o));
}

}  // namespace

web::Response handleIntrospect(AuthorizationServerState& s, const web::Request& req) {
  auto read = readFormPost(req);
  if (auto* refusal = std::get_if<web::Response>(&read)) {
    return std::move(*refusal);
  }
  const auto* form = &std::get<FormParams>(read);
  auto authenticated = authenticateClient(s, req, *form);
  if (auto* refusal = std::get_if<web::Response>(&authenticated)) {
    return std::move(*refusal);
  }
  const auto& caller = std::get<AuthenticatedClient>(authenticated);
  if (!caller.confidential()) {
    return oauthError(401, "invalid_client", "introspection requires client authentication");
  }
  const auto token = param(*form, "token");
  if (!token) {
    return oauthError(400, "invalid_request", "token is required");
  }
  if (auto r = introspectAccess(s, *token)) {
    return std::move(*r);
  }
  return introspectRefresh(s, caller.client, *token);
}

}  // namespace bastion::oauth
