// GET /authorize: the start of the authorization code flow in the user's browser.

#include "core/random.h"
#include "oauth/authorization_flow.h"
#include "oauth/clients.h"
#include "oauth/endpoints.h"
#include "oauth/pages.h"

namespace bastion::oauth {
namespace {

web::Response clientRefused(const Error& e) {
  if (e.code == static_cast<int>(ClientError::StoreUnavailable)) {
    return errorPage(503, "Temporarily unavailable", "The server cannot read its records now.");
  }
  // The reason is about the client's own registration: safe and useful to show to its user.
  return errorPage(400, "Unknown or invalid application", e.message);
}

web::Response showLogin(AuthorizationServerState& s, const std::string& session_id,
                        AuthorizationRequest req) {
  LoginView v;
  v.client_name = req.client_name;
  v.client_host = req.metadata_document ? uriHost(req.client_id) : std::string();
  v.form_action = formActionSource(req.redirect_uri);
  auto pending = s.browser.sessions.addPending(session_id, std::move(req), *s.deps.random,
                                               s.deps.clock->now());
  if (!pending) {
    return errorPage(400, "Your session has expired", "Start again from your application.");
  }
  v.request_id = pending->id;
  v.csrf = pending->csrf;
  return loginPage(v);
}

}  // namespace

web::Response handleAuthorize(AuthorizationServerState& s, const web::Request& req) {
  if (req.method != "GET") {
    web::Response r = errorPage(405, "Method not allowed", "Use GET for /authorize.");
    r.set("allow", "GET");
    return r;
  }
  // A malformed or repeated parameter may be client_id or redirect_uri: nothing can be trusted
  // enough to redirect to, so the error is shown here.
  auto query = parseUniqueForm(req.query());
  if (!query) {
    return errorPage(400, "Malformed request",
                     "The request's parameters are malformed or repeated.");
  }
  const auto client_id = param(*query, "client_id");
  if (!client_id) {
    return errorPage(400, "Unknown application", "The request names no client_id.");
  }
  auto client = s.clients->resolve(*client_id);
  if (!client) {
    return clientRefused(client.error());
  }
  auto outcome = validateAuthorizeParams(*query, *client, s.options);
  if (auto* rejection = std::get_if<AuthorizeRejection>(&outcome)) {
    return rejectionResponse(s.options, *rejection);
  }
  auto& request = std::get<AuthorizationRequest>(outcome);

  if (auto session = currentSession(s, req)) {
    if (!session->second.user.empty()) {
      return continueAsUser(s, session->first, session->second.user, std::move(request), 302);
    }
    return showLogin(s, session->first, std::move(request));
  }
  auto fresh = s.browser.sessions.create(*s.deps.random, s.deps.clock->now());
  if (!fresh) {
    return errorPage(503, "Too many sign-ins in progress", "Try again in a few minutes.");
  }
  web::Response r = showLogin(s, *fresh, std::move(request));
  r.headers.emplace_back("set-cookie", sessionCookie(*fresh, req.tls));
  return r;
}

}  // namespace bastion::oauth
