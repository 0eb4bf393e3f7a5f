// POST /token (RFC 6749 §3.2, OAuth 2.1): authorization_code with PKCE S256, refresh_token with
// rotation and replay detection, client_credentials for confidential clients.
//
// Replays are caught by the store's atomic consumeCode / rotateRefresh; a replay revokes the
// whole family (RFC 9700 §2.2.2, §4.14.2), which kills its refresh tokens at once and its access
// tokens at their next verification (the `fid` claim).

#include <algorithm>
#include <boost/json.hpp>

#include "core/crypto.h"
#include "core/random.h"
#include "oauth/access_token.h"
#include "oauth/client_auth.h"
#include "oauth/endpoints.h"
#include "oauth/state.h"

namespace bastion::oauth {

namespace {

constexpr std::size_t kRefreshTokenBytes = 32;

bool isStoreError(const Error& e, store::StoreError code) {
  return e.code == static_cast<int>(code);
}

web::Response unavailable() {
  return oauthError(503, "temporarily_unavailable", "the server cannot answer now");
}

web::Response invalidGrant(std::string_view description) {
  return oauthError(400, "invalid_grant", description);
}

// RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
bool isValidCodeVerifier(std::string_view v) {
  if (v.size() < 43 || v.size() > 128) {
    return false;
  }
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
  });
}

// RFC 7591 §2: a client registered without grant_types may use authorization_code only.
bool clientMayUse(const store::Client& c, std::string_view grant) {
  if (c.grant_types.empty()) {
    return grant == "authorization_code";
  }
  return std::find(c.grant_types.begin(), c.grant_types.end(), grant) != c.grant_types.end();
}

// The `resource` parameter (RFC 8707), if present, must name our canonical resource URI: a
// token for any other audience is never minted here.
bool resourceAcceptable(const AuthorizationServerState& s, const FormParams& form) {
  auto resource = param(form, "resource");
  return !resource || *resource == s.options.resource;
}

web::Response invalidTarget() {
  return oauthError(400, "invalid_target", "resource is not this server's resource");
}

struct Issued {
  IssuedAccessToken access;
  std::vector<std::string> scopes;
  std::string refresh_token;  // empty: none issued
};

web::Response tokenResponse(const AuthorizationServerState& s, const Issued& issued) {
  boost::json::object o;
  o["access_token"] = issued.access.token;
  o["token_type"] = "Bearer";
  const auto left =
      std::chrono::duration_cast<std::chrono::seconds>(issued.access.expires - s.deps.clock->now());
  o["expires_in"] = std::max<std::int64_t>(left.count(), 0);
  o["scope"] = joinScope(issued.scopes);
  if (!issued.refresh_token.empty()) {
    o["refresh_token"] = issued.refresh_token;
  }
  return jsonResponse(200, boost::json::serialize(o));
}

// Mints the access token of a grant; nullopt if signing failed.
std::optional<IssuedAccessToken> mint(AuthorizationServerState& s, std::string_view grant,
                                      const std::string& sub,
                                      const std::string& client_id, const std::string& resource,
                                      const std::vector<std::string>& scopes,
                                      const std::string& family_id) {
  auto access = mintAccessToken(
      s, AccessTokenGrant{sub, client_id, resource, scopes, family_id, s.options.access_token_ttl});
  if (!access) {
    return std::nullopt;
  }
  auditIssue(s, grant, sub, client_id, scopes, access.value().jti, family_id);
  return std::move(access).value();
}

// A fresh refresh token in `family`, stored as its hash; empty on store failure.
std::string newRefreshToken(AuthorizationServerState& s, store::RefreshToken& record) {
  std::string token = randomToken(*s.deps.random, kRefreshTokenBytes);
  record.token_hash = hashSecret(token);
  record.expires = s.deps.clock->now() + s.options.refresh_token_ttl;
  record.rotated = false;
  return token;
}

void noteUse(AuthorizationServerState& s, const std::string& client_id) {
  // Keeps dynamically registered clients from expiring while used. Clients from metadata
  // documents are not stored (NotFound); a failure here must not fail the grant.
  (void)s.deps.store->touchClient(client_id, s.deps.clock->now());
}

// ---- authorization_code --------------------------------------------------------------------

// Consumes the code; on a replay, revokes everything issued from it. nullopt: refuse with `out`.
std::optional<store::AuthorizationCode> redeemCode(AuthorizationServerState& s,
                                                   std::string_view code, web::Response& out) {
  store::AuthorizationCode replayed;
  auto consumed = s.deps.store->consumeCode(hashSecret(code), &replayed);
  if (consumed) {
    return std::move(*consumed);
  }
  if (isStoreError(consumed.error(), store::StoreError::AlreadyUsed)) {
    if (!revokeFamilyAudited(s, replayed.family_id, "code_replay", replayed.client_id)) {
      out = unavailable();
      return std::nullopt;
    }
    out = invalidGrant("authorization code already used");
  } else if (isStoreError(consumed.error(), store::StoreError::NotFound)) {
    out = invalidGrant("unknown authorization code");
  } else {
    out = unavailable();
  }
  return std::nullopt;
}

web::Response authorizationCodeGrant(AuthorizationServerState& s, const AuthenticatedClient& ac,
                                     const FormParams& form) {
  const auto code = param(form, "code");
  const auto redirect_uri = param(form, "redirect_uri");
  const auto verifier = param(form, "code_verifier");
  if (!code || !redirect_uri) {
    return oauthError(400, "invalid_request", "code and redirect_uri are required");
  }
  // PKCE is mandatory (OAuth 2.1): without a well-formed verifier the code is not even looked
  // at, so such a request cannot burn the legitimate client's code.
  if (!verifier || !isValidCodeVerifier(*verifier)) {
    return oauthError(400, "invalid_request", "a valid code_verifier is required");
  }
  if (!resourceAcceptable(s, form)) {
    return invalidTarget();
  }
  web::Response refusal;
  auto grant = redeemCode(s, *code, refusal);
  if (!grant) {
    return refusal;
  }
  // The code is spent from here on: every refusal below leaves it unusable.
  if (grant->client_id != ac.client.client_id) {
    return invalidGrant("authorization code was issued to another client");
  }
  if (s.deps.clock->now() >= grant->expires) {
    return invalidGrant("authorization code expired");
  }
  if (*redirect_uri != grant->redirect_uri) {
    return invalidGrant("redirect_uri does not match the authorization request");
  }
  if (!crypto::constantTimeEqual(crypto::pkceChallenge(*verifier), grant->code_challenge)) {
    return invalidGrant("code_verifier does not match the code_challenge");
  }
  if (grant->resource != s.options.resource) {
    return invalidTarget();
  }
  Issued issued;
  issued.scopes = grant->scopes;
  auto access =
      mint(s, "authorization_code", grant->sub, ac.client.client_id, grant->resource, grant->scopes, grant->family_id);
  if (!access) {
    return unavailable();
  }
  issued.access = std::move(*access);
  if (clientMayUse(ac.client, "refresh_token")) {
    store::RefreshToken record{
        {},   grant->family_id, ac.client.client_id, grant->sub, grant->resource, grant->scopes, {},
        false};
    std::string token = newRefreshToken(s, record);
    if (!s.deps.store->putRefresh(record)) {
      return unavailable();
    }
    issued.refresh_token = std::move(token);
  }
  noteUse(s, ac.client.client_id);
  return tokenResponse(s, issued);
}

// ---- refresh_token -------------------------------------------------------------------------

// Checks a presented refresh token; nullopt: refuse with `out`. A rotated token presented again
// is a replay: its family is revoked here.
std::optional<store::RefreshToken> checkRefresh(AuthorizationServerState& s,
                                                const AuthenticatedClient& ac,
                                                std::string_view token, web::Response& out) {
  auto looked_up = s.deps.store->getRefresh(hashSecret(token));
  if (!looked_up) {
    out = isStoreError(looked_up.error(), store::StoreError::NotFound)
              ? invalidGrant("unknown refresh token")
              : unavailable();
    return std::nullopt;
  }
  // Moved out rather than used through operator->: GCC 12 -O2 sees a null path there.
  store::RefreshToken found = std::move(looked_up).value();
  if (found.client_id != ac.client.client_id) {
    out = invalidGrant("refresh token was issued to another client");
    return std::nullopt;
  }
  if (found.rotated) {
    out = revokeFamilyAudited(s, found.family_id, "refresh_replay", found.client_id)
              ? invalidGrant("refresh token already used")
              : unavailable();
    return std::nullopt;
  }
  if (s.deps.clock->now() >= found.expires) {
    out = invalidGrant("refresh token expired");
    return std::nullopt;
  }
  auto revoked = s.revocations->isRevoked(found.family_id, {}, true);
  if (!revoked || *revoked) {
    out = revoked ? invalidGrant("refresh token revoked") : unavailable();
    return std::nullopt;
  }
  return found;
}

web::Response refreshTokenGrant(AuthorizationServerState& s, const AuthenticatedClient& ac,
                                const FormParams& form) {
  const auto token = param(form, "refresh_token");
  if (!token) {
    return oauthError(400, "invalid_request", "refresh_token is required");
  }
  std::optional<std::vector<std::string>> requested;
  if (auto scope = param(form, "scope")) {
    requested = parseScope(*scope);
    if (!requested) {
      return oauthError(400, "invalid_scope", "malformed scope");
    }
  }
  if (!resourceAcceptable(s, form)) {
    return invalidTarget();
  }
  web::Response refusal;
  auto old = checkRefresh(s, ac, *token, refusal);
  if (!old) {
    return refusal;
  }
  if (old->resource != s.options.resource) {
    return invalidTarget();  // issued for a resource URI this server no longer serves
  }
  // No escalation (RFC 6749 §6): a narrower scope may be asked for, never a wider one. The new
  // refresh token keeps the original grant's scope.
  const std::vector<std::string> scopes = requested ? *requested : old->scopes;
  if (!isSubset(scopes, old->scopes)) {
    return oauthError(400, "invalid_scope", "scope exceeds the original grant");
  }
  store::RefreshToken next = *old;
  std::string next_token = newRefreshToken(s, next);
  store::RefreshToken replayed;
  auto rotated = s.deps.store->rotateRefresh(old->token_hash, next, &replayed);
  if (!rotated) {
    if (isStoreError(rotated.error(), store::StoreError::AlreadyUsed)) {
      // Lost a race with another presentation of the same token: a replay all the same.
      return revokeFamilyAudited(s, replayed.family_id, "refresh_replay", replayed.client_id)
                 ? invalidGrant("refresh token already used")
                 : unavailable();
    }
    return isStoreError(rotated.error(), store::StoreError::NotFound)
               ? invalidGrant("unknown refresh token")
               : unavailable();
  }
  auto access = mint(s, "refresh_token", old->sub, ac.client.client_id, old->resource, scopes, old->family_id);
  if (!access) {
    return unavailable();
  }
  noteUse(s, ac.client.client_id);
  return tokenResponse(s, Issued{std::move(*access), scopes, std::move(next_token)});
}

// ---- client_credentials --------------------------------------------------------------------

// The scopes a client may hold: its registered ones that this server supports, or every
// supported scope if it registered none.
std::vector<std::string> allowedScopes(const AuthorizationServerState& s, const store::Client& c) {
  if (c.scopes.empty()) {
    return s.options.scopes_supported;
  }
  std::vector<std::string> out;
  for (const auto& scope : c.scopes) {
    if (isSubset({scope}, s.options.scopes_supported)) {
      out.push_back(scope);
    }
  }
  return out;
}

web::Response clientCredentialsGrant(AuthorizationServerState& s, const AuthenticatedClient& ac,
                                     const FormParams& form) {
  // A public client proves nothing about itself: it may not act on its own behalf.
  if (!ac.confidential()) {
    return oauthError(400, "unauthorized_client",
                      "client_credentials requires a confidential client");
  }
  if (!resourceAcceptable(s, form)) {
    return invalidTarget();
  }
  const auto allowed = allowedScopes(s, ac.client);
  std::vector<std::string> scopes;
  if (auto scope = param(form, "scope")) {
    auto requested = parseScope(*scope);
    if (!requested || !isSubset(*requested, allowed)) {
      return oauthError(400, "invalid_scope", "scope not allowed for this client");
    }
    scopes = std::move(*requested);
  } else {
    for (const auto& d : s.options.default_scopes) {
      if (isSubset({d}, allowed)) {
        scopes.push_back(d);
      }
    }
  }
  auto access = mint(s, "client_credentials", ac.client.client_id, ac.client.client_id, s.options.resource, scopes, "");
  if (!access) {
    return unavailable();
  }
  noteUse(s, ac.client.client_id);
  return tokenResponse(s, Issued{std::move(*access), scopes, ""});
}

}  // namespace

web::Response handleToken(AuthorizationServerState& s, const web::Request& req) {
  auto read = readFormPost(req);
  if (auto* refusal = std::get_if<web::Response>(&read)) {
    return std::move(*refusal);
  }
  const auto* form = &std::get<FormParams>(read);
  const auto grant_type = param(*form, "grant_type");
  if (!grant_type) {
    return oauthError(400, "invalid_request", "grant_type is required");
  }
  auto authenticated = authenticateClient(s, req, *form);
  if (auto* refusal = std::get_if<web::Response>(&authenticated)) {
    return std::move(*refusal);
  }
  const auto& client = std::get<AuthenticatedClient>(authenticated);
  const bool known = *grant_type == "authorization_code" || *grant_type == "refresh_token" ||
                     *grant_type == "client_credentials";
  if (!known) {
    return oauthError(400, "unsupported_grant_type", "unsupported grant_type");
  }
  if (!clientMayUse(client.client, *grant_type)) {
    return oauthError(400, "unauthorized_client", "grant_type not allowed for this client");
  }
  if (*grant_type == "authorization_code") {
    return authorizationCodeGrant(s, client, *form);
  }
  if (*grant_type == "refresh_token") {
    return refreshTokenGrant(s, client, *form);
  }
  return clientCredentialsGrant(s, client, *form);
}

}  // namespace bastion::oauth
