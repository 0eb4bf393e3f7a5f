// POST /login: the login form of the authorization flow. Failed attempts are limited per user
// and per IP (AsOptions, 15-minute windows); an unknown user name costs an argon2id
// verification like a known one, so timing does not tell which names exist.

#include <chrono>

#include "oauth/authorization_flow.h"
#include "oauth/clients.h"
#include "oauth/endpoints.h"
#include "oauth/pages.h"
#include "oauth/users.h"

namespace bastion::oauth {
namespace {

constexpr std::chrono::minutes kLoginWindow{15};

web::Response loginAgain(const PendingAuthorization& p, std::string user, std::string error,
                         int status) {
  LoginView v;
  v.request_id = p.id;
  v.csrf = p.csrf;
  v.client_name = p.request.client_name;
  v.client_host = p.request.metadata_document ? uriHost(p.request.client_id) : std::string();
  v.user = std::move(user);
  v.error = std::move(error);
  v.form_action = formActionSource(p.request.redirect_uri);
  return loginPage(v, status);
}

// False if the user name or password does not check out. Always verifies one argon2id hash.
bool checkPassword(AuthorizationServerState& s, const std::optional<store::User>& user,
                   std::string_view password) {
  if (!user) {
    (void)verifyPassword(s.browser.dummyHash(*s.deps.random), password);
    return false;
  }
  return verifyPassword(user->password_hash, password);
}

}  // namespace

web::Response handleLogin(AuthorizationServerState& s, const web::Request& req) {
  FormParams form;
  std::string ignored;
  web::Response refusal;
  auto taken = takeFormRequest(s, req, form, false, ignored, refusal);
  if (!taken) {
    return refusal;
  }
  auto& [session_id, pending] = *taken;
  const std::string name(param(form, "username").value_or(""));
  const std::string password(param(form, "password").value_or(""));
  const auto now = s.deps.clock->now();
  const std::string ip_key = addressKey(req.remote_address);

  if (!s.browser.failed_logins_by_ip.tryAcquire(ip_key, s.options.failed_logins_per_ip_per_15min,
                                                kLoginWindow, now)) {
    s.browser.sessions.putBack(session_id, pending);
    web::Response r = loginAgain(pending, name,
                                 "Too many failed sign-in attempts from your network. Try "
                                 "again later.",
                                 429);
    r.set("retry-after",
          std::to_string(
              s.browser.failed_logins_by_ip
                  .retryAfter(ip_key, s.options.failed_logins_per_ip_per_15min, kLoginWindow, now)
                  .count()));
    return r;
  }
  std::optional<store::User> user;
  if (checkUserName(name)) {
    auto found = s.deps.store->getUser(name);
    if (found) {
      user = std::move(*found);
    } else if (found.error().code != static_cast<int>(store::StoreError::NotFound)) {
      s.browser.failed_logins_by_ip.release(ip_key);
      s.browser.sessions.putBack(session_id, pending);
      return errorPage(503, "Temporarily unavailable", "The server cannot read its records now.");
    }
  }
  const std::string user_key = "user:" + name;
  // Per-user counting only for names that exist: the table stays bounded by the user list.
  if (user && !s.browser.failed_logins_by_user.tryAcquire(
                  user_key, s.options.failed_logins_per_user_per_15min, kLoginWindow, now)) {
    s.browser.sessions.putBack(session_id, pending);
    web::Response r = loginAgain(pending, name,
                                 "Too many failed sign-in attempts for this user. Try "
                                 "again later.",
                                 429);
    r.set("retry-after",
          std::to_string(s.browser.failed_logins_by_user
                             .retryAfter(user_key, s.options.failed_logins_per_user_per_15min,
                                         kLoginWindow, now)
                             .count()));
    return r;
  }
  if (!checkPassword(s, user, password)) {
    s.browser.sessions.putBack(session_id, pending);
    return loginAgain(pending, name, "Wrong user name or password.", 200);
  }
  // A success does not count as a failed attempt.
  s.browser.failed_logins_by_ip.release(ip_key);
  s.browser.failed_logins_by_user.release(user_key);
  auto fresh = s.browser.sessions.login(session_id, name, *s.deps.random, now);
  if (!fresh) {
    return errorPage(400, "Your session has expired", "Start again from your application.");
  }
  web::Response r = continueAsUser(s, *fresh, name, std::move(pending.request), 303);
  r.headers.emplace_back("set-cookie", sessionCookie(*fresh, req.tls));
  return r;
}

}  // namespace bastion::oauth
