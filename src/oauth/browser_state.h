#pragma once
// Server-side state of the browser part of the embedded authorization server (owned by "as-web"):
// login sessions keyed by a random cookie value, the validated authorization requests waiting
// for login or consent (each with its own CSRF token), and the throttles.
//
// A session exists from the first GET /authorize (anonymous) so that every form, the login form
// included, is bound to the browser that asked: a CSRF token is only accepted together with the
// session cookie it was issued to (login CSRF, consent CSRF). The session id is replaced at login
// (no fixation). Everything is bounded: when the table is full, anonymous sessions closest to
// expiry are evicted first; if only logged-in sessions remain, new sessions are refused.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "oauth/throttle.h"
#include "oauth/users.h"

namespace bastion::oauth {

// A validated authorization request (see authorization_flow.h): everything needed to show the
// consent page and to issue the code once the user agrees.
struct AuthorizationRequest {
  std::string client_id;
  std::string client_name;
  bool metadata_document = false;  // client_id is a metadata-document URL
  std::string redirect_uri;
  std::string code_challenge;  // S256
  std::string resource;        // the canonical resource URI (ours, not the client's spelling)
  std::vector<std::string> scopes;
  std::optional<std::string> state;  // passed through verbatim
};

struct PendingAuthorization {
  std::string id;    // in the forms, names this request within the session
  std::string csrf;  // in the forms, compared in constant time
  AuthorizationRequest request;
  Clock::time_point expires;
};

struct BrowserSession {
  std::string user;  // empty: not logged in
  Clock::time_point expires;
  std::vector<PendingAuthorization> pending;  // newest last, bounded
};

class BrowserSessions {
 public:
  static constexpr std::size_t kMaxSessions = 20000;
  static constexpr std::size_t kMaxPendingPerSession = 8;
  static constexpr std::chrono::minutes kAnonymousTtl{30};
  static constexpr std::chrono::minutes kPendingTtl{30};
  static constexpr std::chrono::hours kLoggedInTtl{8};

  // A new anonymous session's id, or nullopt if the table is full of logged-in sessions.
  std::optional<std::string> create(RandomSource& rng, Clock::time_point now);
  // A copy of the live session `id` (expired ones are erased).
  std::optional<BrowserSession> find(const std::string& id, Clock::time_point now);
  // Adds a pending request to session `id`; returns it (with fresh id and CSRF token).
  std::optional<PendingAuthorization> addPending(const std::string& id, AuthorizationRequest req,
                                                 RandomSource& rng, Clock::time_point now);
  // Removes and returns pending request `request_id` of session `id` (single use).
  std::optional<PendingAuthorization> takePending(const std::string& id,
                                                  const std::string& request_id,
                                                  Clock::time_point now);
  // Re-inserts a pending request taken with takePending (a failed login keeps the request).
  void putBack(const std::string& id, PendingAuthorization pending);
  // Logs session `id` in as `user` under a NEW id (returned); the old id stops working.
  std::optional<std::string> login(const std::string& id, const std::string& user,
                                   RandomSource& rng, Clock::time_point now);
  void erase(const std::string& id);

 private:
  bool makeRoom(Clock::time_point now);  // REQUIRES(mu_)
  std::mutex mu_;
  std::unordered_map<std::string, BrowserSession> sessions_;  // GUARDED_BY(mu_)
};

// Everything "as-web" keeps in AuthorizationServerState beyond the client resolver.
struct BrowserState {
  BrowserSessions sessions;
  WindowCounter failed_logins_by_user{65536};
  WindowCounter failed_logins_by_ip{65536};
  WindowCounter registrations_by_ip{65536};
  // Cost of new password hashes and of the stand-in hash verified for unknown users (so an
  // unknown name costs about as much time as a wrong password). Tests lower it.
  PasswordParams password_params;

  // A hash of a random password with `password_params`, computed once.
  const std::string& dummyHash(RandomSource& rng);

  // When expireDynamicClients last ran (register runs it at most once a minute).
  std::mutex expiry_mu;
  Clock::time_point last_client_expiry{};  // GUARDED_BY(expiry_mu)

 private:
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace bastion::oauth
