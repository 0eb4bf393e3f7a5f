#pragma once
// The embedded authorization server's endpoints, one function each, all taking the shared
// State (oauth/state.h). authorization_server.cc routes paths to them. Each endpoint's file is
// named after it (token_endpoint.cc, authorize_endpoint.cc, ...).

#include "core/web.h"

namespace bastion::oauth {

struct AuthorizationServerState;

// RFC 8414 and OpenID discovery documents (same content, exact issuer).
web::Response handleMetadata(AuthorizationServerState& s, const web::Request& req);
// Published signing keys (current, next, and retired-but-unexpired).
web::Response handleJwks(AuthorizationServerState& s, const web::Request& req);
// authorization_code, refresh_token, client_credentials.
web::Response handleToken(AuthorizationServerState& s, const web::Request& req);
// RFC 7009.
web::Response handleRevoke(AuthorizationServerState& s, const web::Request& req);
// RFC 7662, client-authenticated.
web::Response handleIntrospect(AuthorizationServerState& s, const web::Request& req);

// GET /authorize: validates client and redirect_uri first, then shows login or consent.
web::Response handleAuthorize(AuthorizationServerState& s, const web::Request& req);
// POST /login and POST /consent (forms with CSRF tokens).
web::Response handleLogin(AuthorizationServerState& s, const web::Request& req);
web::Response handleConsent(AuthorizationServerState& s, const web::Request& req);
// RFC 7591 dynamic client registration.
web::Response handleRegister(AuthorizationServerState& s, const web::Request& req);

}  // namespace bastion::oauth
