#pragma once
// The browser flow shared by /authorize, /login and /consent ("as-web"): validating an
// authorization request, and finishing one (remembered consent -> code, else consent page).
//
// Order of checks (RFC 6749 §4.1.2.1, RFC 9700 §4.1): the client and the exact redirect_uri come
// first, and an error about either is shown on a page, never sent to the redirect; only then is
// the redirect trusted for the errors that follow (response_type, PKCE, resource, scope).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/web.h"
#include "oauth/authorization_server.h"
#include "oauth/browser_state.h"
#include "oauth/state.h"
#include "store/store.h"

namespace bastion::oauth {

// Why an authorization request is refused. `redirect` false: the client or redirect_uri is not
// trusted, show a page; true: send `error` to the (validated) redirect URI.
struct AuthorizeRejection {
  bool redirect = false;
  int status = 400;   // for the page
  std::string error;  // RFC 6749 §4.1.2.1 error code
  std::string description;
  std::string redirect_uri;          // when `redirect`
  std::optional<std::string> state;  // when `redirect`
};
using AuthorizeOutcome = std::variant<AuthorizationRequest, AuthorizeRejection>;

// Validates an /authorize query already split into unique parameters, for `client` (resolved
// from the query's client_id by the caller). Pure: no store, no clock. Checks, in order: exact
// redirect_uri (loopback on any port), response_type=code, PKCE S256 challenge (43 base64url
// characters; a missing one or method plain refused), resource equal to ours, scope within what
// the client may ask and the server supports (none given: the default scopes), state length.
AuthorizeOutcome validateAuthorizeParams(const FormParams& query, const store::Client& client,
                                         const AsOptions& options);

// The scopes `client` may ask for: its registered ones that the server supports, or every
// supported scope if it registered none.
std::vector<std::string> allowedScopes(const store::Client& client, const AsOptions& options);

// True if `requested` names the canonical resource URI `canonical`: equal, or equal after
// lower-casing scheme and host, with an empty path and "/" taken as the same (MCP: servers
// SHOULD accept upper-case scheme and host).
bool sameResource(std::string_view requested, std::string_view canonical);

// `uri` with the parameters appended to its query (form-encoded).
std::string appendQuery(std::string_view uri,
                        const std::vector<std::pair<std::string, std::string>>& params);

// An error sent to the client's redirect URI, with state and iss (RFC 9207).
web::Response errorRedirect(const AsOptions& options, const std::string& redirect_uri,
                            const std::optional<std::string>& state, std::string_view error,
                            std::string_view description, int status);

// The page or redirect for a rejection.
web::Response rejectionResponse(const AsOptions& options, const AuthorizeRejection& r);

// Issues a code for `req` on behalf of `user` (stored hashed, new family, code_ttl) and
// redirects to the client with code, state and iss. 302 after GET, 303 after POST.
web::Response issueCode(AuthorizationServerState& s, const AuthorizationRequest& req,
                        const std::string& user, int status);

// For a logged-in session: if the remembered consent of (user, client) covers the request's
// scopes, issues the code; otherwise parks the request and shows the consent page.
web::Response continueAsUser(AuthorizationServerState& s, const std::string& session_id,
                             const std::string& user, AuthorizationRequest req, int status);

// The session named by the request's cookie, if live.
std::optional<std::pair<std::string, BrowserSession>> currentSession(AuthorizationServerState& s,
                                                                     const web::Request& req);

// The checks /login and /consent share: POST, form encoding, session cookie (logged in if
// `need_user`), the pending request named by request_id (taken: single use) and its CSRF token
// (constant-time). On success returns the session id and the pending request and sets `user`
// (empty if not logged in); otherwise sets `refusal` (an error page; 403 for a CSRF mismatch).
std::optional<std::pair<std::string, PendingAuthorization>> takeFormRequest(
    AuthorizationServerState& s, const web::Request& req, FormParams& form, bool need_user,
    std::string& user, web::Response& refusal);

}  // namespace bastion::oauth
