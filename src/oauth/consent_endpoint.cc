// POST /consent: the user's decision on a parked authorization request.

#include <algorithm>

#include "oauth/authorization_flow.h"
#include "oauth/endpoints.h"
#include "oauth/pages.h"

namespace bastion::oauth {

namespace {

// Remembers consent for (user, client): the union of what was granted before and now.
bool remember(AuthorizationServerState& s, const std::string& user,
              const AuthorizationRequest& req) {
  store::Consent consent;
  consent.user = user;
  consent.client_id = req.client_id;
  consent.scopes = req.scopes;
  if (auto before = s.deps.store->getConsent(user, req.client_id)) {
    consent.scopes.insert(consent.scopes.end(), before->scopes.begin(), before->scopes.end());
  }
  std::sort(consent.scopes.begin(), consent.scopes.end());
  consent.scopes.erase(std::unique(consent.scopes.begin(), consent.scopes.end()),
                       consent.scopes.end());
  consent.granted = s.deps.clock->now();
  return static_cast<bool>(s.deps.store->putConsent(consent));
}

}  // namespace

web::Response handleConsent(AuthorizationServerState& s, const web::Request& req) {
  FormParams form;
  std::string user;
  web::Response refusal;
  auto taken = takeFormRequest(s, req, form, true, user, refusal);
  if (!taken) {
    return refusal;
  }
  const AuthorizationRequest& request = taken->second.request;
  const auto decision = param(form, "decision");
  if (decision && *decision == "deny") {
    return errorRedirect(s.options, request.redirect_uri, request.state, "access_denied",
                         "the user denied the request", 303);
  }
  if (!decision || *decision != "allow") {
    return errorPage(400, "Malformed form", "The form carries no decision.");
  }
  if (param(form, "remember") && !remember(s, user, request)) {
    return errorRedirect(s.options, request.redirect_uri, request.state, "server_error",
                         "the consent could not be recorded", 303);
  }
  return issueCode(s, request, user, 303);
}

}  // namespace bastion::oauth
