// POST /revoke (RFC 7009). A refresh token revokes its whole family (its refresh tokens at once,
// its access tokens through `fid`); an access token revokes its jti until it expires. Only the
// client the token was issued to may revoke it.
//
// The answer is 200 whether or not the token was known, valid, or the caller's (RFC 7009 §2.2):
// a caller learns nothing about tokens it does not hold. A token of another client is left alone
// rather than reported as an error, for the same reason.

#include "oauth/access_token.h"
#include "oauth/client_auth.h"
#include "oauth/endpoints.h"
#include "oauth/state.h"

#include <boost/json/object.hpp>

#include "audit/audit_log.h"

namespace bastion::oauth {

namespace {

web::Response revoked() {
  web::Response r;
  r.set("cache-control", "no-store");
  return r;
}

web::Response unavailable() {
  return oauthError(503, "temporarily_unavailable", "the server cannot answer now");
}

// nullopt: not a refresh token of ours. Otherwise the response (200 or a store failure).
std::optional<web::Response> revokeRefresh(AuthorizationServerState& s, const store::Client& c,
                                           std::string_view token) {
  auto found = s.deps.store->getRefresh(hashSecret(token));
  if (!found) {
    if (found.error().code == static_cast<int>(store::StoreError::NotFound)) {
      return std::nullopt;
    }
    return unavailable();
  }
  if (found->client_id != c.client_id) {
    return revoked();
  }
  return revokeFamilyAudited(s, found->family_id, "client_request", c.client_id) ? revoked()
                                                                                 : unavailable();
}

web::Response revokeAccess(AuthorizationServerState& s, const store::Client& c,
                           std::string_view token) {
  auto claims = verifyAccessToken(s, token);
  if (!claims || claims->principal.client_id != c.client_id) {
    return revoked();  // unknown, expired, already revoked, or not the caller's
  }
  const bool ok = s.revocations->revokeJti(claims->jti, claims->expires).has_value();
  if (s.deps.audit != nullptr) {
    boost::json::object event;
    event["type"] = "token_revoke";
    event["jti"] = claims->jti;
    event["reason"] = "client_request";
    event["client_id"] = c.client_id;
    event["stored"] = ok;
    s.deps.audit->record(std::move(event));
  }
  return ok ? revoked() : unavailable();
}

}  // namespace

web::Response handleRevoke(AuthorizationServerState& s, const web::Request& req) {
  auto read = readFormPost(req);
  if (auto* refusal = std::get_if<web::Response>(&read)) {
    return std::move(*refusal);
  }
  const auto* form = &std::get<FormParams>(read);
  auto authenticated = authenticateClient(s, req, *form);
  if (auto* refusal = std::get_if<web::Response>(&authenticated)) {
    return std::move(*refusal);
  }
  const auto& client = std::get<AuthenticatedClient>(authenticated).client;
  const auto token = param(*form, "token");
  if (!token) {
    return oauthError(400, "invalid_request", "token is required");
  }
  // token_type_hint only orders the lookups (RFC 7009 §2.1); both kinds are always tried.
  if (auto r = revokeRefresh(s, client, *token)) {
    return std::move(*r);
  }
  return revokeAccess(s, client, *token);
}

}  // namespace bastion::oauth
