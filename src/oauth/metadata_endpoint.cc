// RFC 8414 authorization server metadata, served identically at
// /.well-known/oauth-authorization-server and /.well-known/openid-configuration (MCP clients
// try both). The issuer is exactly AsOptions::issuer; every endpoint hangs off it.

#include <boost/json.hpp>

#include "oauth/endpoints.h"
#include "oauth/state.h"

namespace bastion::oauth {

namespace {

boost::json::array strings(std::initializer_list<std::string_view> items) {
  boost::json::array a;
  for (auto s : items) {
    a.emplace_back(s);
  }
  return a;
}

std::string metadataDocument(const AsOptions& o) {
  boost::json::object m;
  m["issuer"] = o.issuer;
  m["authorization_endpoint"] = o.issuer + "/authorize";
  m["token_endpoint"] = o.issuer + "/token";
  if (o.dynamic_registration) {
    m["registration_endpoint"] = o.issuer + "/register";
  }
  m["revocation_endpoint"] = o.issuer + "/revoke";
  m["introspection_endpoint"] = o.issuer + "/introspect";
  m["jwks_uri"] = o.issuer + "/jwks";
  boost::json::array scopes;
  for (const auto& s : o.scopes_supported) {
    scopes.emplace_back(s);
  }
  m["scopes_supported"] = std::move(scopes);
  m["response_types_supported"] = strings({"code"});
  m["response_modes_supported"] = strings({"query"});
  m["grant_types_supported"] =
      strings({"authorization_code", "refresh_token", "client_credentials"});
  m["code_challenge_methods_supported"] = strings({"S256"});
  m["token_endpoint_auth_methods_supported"] =
      strings({"none", "client_secret_basic", "client_secret_post"});
  m["revocation_endpoint_auth_methods_supported"] =
      strings({"none", "client_secret_basic", "client_secret_post"});
  // Introspection reveals token contents: only confidential clients may ask.
  m["introspection_endpoint_auth_methods_supported"] =
      strings({"client_secret_basic", "client_secret_post"});
  m["authorization_response_iss_parameter_supported"] = true;
  m["client_id_metadata_document_supported"] = o.metadata_documents;
  // OpenID discovery requires these members; Bastion issues no ID tokens, but clients that read
  // only openid-configuration still find the OAuth endpoints above.
  m["subject_types_supported"] = strings({"public"});
  m["id_token_signing_alg_values_supported"] = strings({"ES256"});
  return boost::json::serialize(m);
}

}  // namespace

web::Response handleMetadata(AuthorizationServerState& s, const web::Request& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    return methodNotAllowed("GET, HEAD");
  }
  web::Response r;
  r.body = metadataDocument(s.options);
  r.set("content-type", "application/json");
  r.set("cache-control", "public, max-age=300");
  r.set("access-control-allow-origin", "*");  // public document; browsers' clients read it too
  return r;
}

web::Response handleJwks(AuthorizationServerState& s, const web::Request& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    return methodNotAllowed("GET, HEAD");
  }
  auto jwks = s.keys->jwks();
  if (!jwks) {
    return oauthError(503, "temporarily_unavailable", "keys unavailable");
  }
  web::Response r;
  r.body = std::move(*jwks);
  r.set("content-type", "application/jwk-set+json");
  // Short: a resource server refetches soon enough to see the next key before it signs.
  r.set("cache-control", "public, max-age=300");
  r.set("access-control-allow-origin", "*");
  return r;
}

}  // namespace bastion::oauth
