#include "oauth/authorization_flow.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>

#include "core/crypto.h"
#include "core/random.h"
#include "oauth/clients.h"
#include "oauth/pages.h"

namespace bastion::oauth {
namespace {

constexpr std::size_t kMaxStateBytes = 2048;
constexpr std::size_t kS256ChallengeChars = 43;  // base64url(SHA-256) without padding

bool isBase64Url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

AuthorizeRejection toClient(const FormParams& q, const std::string& redirect_uri, std::string error,
                            std::string description) {
  AuthorizeRejection r;
  r.redirect = true;
  r.error = std::move(error);
  r.description = std::move(description);
  r.redirect_uri = redirect_uri;
  if (auto it = q.find("state"); it != q.end() && !it->second.empty()) {
    r.state = it->second;
  }
  return r;
}

AuthorizeRejection onPage(std::string error, std::string description) {
  AuthorizeRejection r;
  r.error = std::move(error);
  r.description = std::move(description);
  return r;
}

// PKCE (RFC 7636) with S256 only (OAuth 2.1, MCP): plain or a missing challenge is refused.
std::optional<std::string> pkceProblem(const FormParams& q) {
  const auto challenge = param(q, "code_challenge");
  if (!challenge) {
    return "code_challenge is required (PKCE with S256)";
  }
  const auto method = param(q, "code_challenge_method");
  if (!method || *method != "S256") {
    return "code_challenge_method must be S256";
  }
  if (challenge->size() != kS256ChallengeChars || !isBase64Url(*challenge)) {
    return "code_challenge must be 43 base64url characters";
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> allowedScopes(const store::Client& client, const AsOptions& options) {
  if (client.scopes.empty()) {
    return options.scopes_supported;
  }
  std::vector<std::string> out;
  for (const auto& scope : client.scopes) {
    if (isSubset({scope}, options.scopes_supported)) {
      out.push_back(scope);
    }
  }
  return out;
}

bool sameResource(std::string_view requested, std::string_view canonical) {
  if (requested == canonical) {
    return true;
  }
  auto a = boost::urls::parse_absolute_uri(requested);
  auto b = boost::urls::parse_absolute_uri(canonical);
  if (!a || !b || a->has_fragment() || a->has_userinfo() || a->encoded_host().empty()) {
    return false;
  }
  auto path = [](std::string_view p) { return p == "/" ? std::string_view{} : p; };
  return lower(a->scheme()) == lower(b->scheme()) &&
         lower(a->encoded_host()) == lower(b->encoded_host()) && a->port() == b->port() &&
         path(a->encoded_path()) == path(b->encoded_path()) && a->has_query() == b->has_query() &&
         a->encoded_query() == b->encoded_query();
}

AuthorizeOutcome validateAuthorizeParams(const FormParams& q, const store::Client& client,
                                         const AsOptions& options) {
  const auto redirect_uri = param(q, "redirect_uri");
  if (!redirect_uri) {
    return onPage("invalid_request", "The request names no redirect_uri.");
  }
  if (!redirectUriMatches(client.redirect_uris, *redirect_uri)) {
    return onPage("invalid_request", "The redirect_uri is not one this application registered.");
  }
  const std::string redirect(*redirect_uri);
  // From here on the redirect URI is trusted: errors go back to the client.
  const auto response_type = param(q, "response_type");
  if (!response_type) {
    return toClient(q, redirect, "invalid_request", "response_type is required");
  }
  if (*response_type != "code") {
    return toClient(q, redirect, "unsupported_response_type", "only response_type=code");
  }
  if (auto problem = pkceProblem(q)) {
    return toClient(q, redirect, "invalid_request", *problem);
  }
  const auto resource = param(q, "resource");
  if (!resource || !sameResource(*resource, options.resource)) {
    return toClient(q, redirect, "invalid_target",
                    "resource must be this server's canonical resource URI");
  }
  AuthorizationRequest req;
  if (auto scope = param(q, "scope")) {
    auto scopes = parseScope(*scope);
    if (!scopes || !isSubset(*scopes, allowedScopes(client, options))) {
      return toClient(q, redirect, "invalid_scope",
                      "scope asks for more than this client may have");
    }
    req.scopes = std::move(*scopes);
  } else {
    for (const auto& d : options.default_scopes) {
      if (isSubset({d}, allowedScopes(client, options))) {
        req.scopes.push_back(d);
      }
    }
  }
  if (auto it = q.find("state"); it != q.end() && !it->second.empty()) {
    if (it->second.size() > kMaxStateBytes) {
      return toClient(q, redirect, "invalid_request", "state is too long");
    }
    req.state = it->second;
  }
  req.client_id = client.client_id;
  req.client_name = client.client_name.empty() ? client.client_id : client.client_name;
  req.metadata_document = client.source == store::ClientSource::MetadataDocument;
  req.redirect_uri = redirect;
  req.code_challenge = std::string(*param(q, "code_challenge"));
  req.resource = options.resource;
  return req;
}

std::string appendQuery(std::string_view uri,
                        const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(uri);
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  if (!out.empty() && (out.back() == '?' || out.back() == '&')) {
    sep = '\0';
  }
  for (const auto& [name, value] : params) {
    if (sep != '\0') {
      out += sep;
    }
    out += web::formEncode(name);
    out += '=';
    out += web::formEncode(value);
    sep = '&';
  }
  return out;
}

web::Response errorRedirect(const AsOptions& options, const std::string& redirect_uri,
                            const std::optional<std::string>& state, std::string_view error,
                            std::string_view description, int status) {
  std::vector<std::pair<std::string, std::string>> params{
      {"error", std::string(error)}, {"error_description", std::string(description)}};
  if (state) {
    params.emplace_back("state", *state);
  }
  params.emplace_back("iss", options.issuer);
  return redirectTo(status, appendQuery(redirect_uri, params));
}

web::Response rejectionResponse(const AsOptions& options, const AuthorizeRejection& r) {
  if (r.redirect) {
    return errorRedirect(options, r.redirect_uri, r.state, r.error, r.description, 302);
  }
  return errorPage(r.status, "This sign-in request cannot be completed", r.description);
}

web::Response issueCode(AuthorizationServerState& s, const AuthorizationRequest& req,
                        const std::string& user, int status) {
  const std::string code = randomToken(*s.deps.random, 32);
  store::AuthorizationCode record;
  record.code_hash = hashSecret(code);
  record.client_id = req.client_id;
  record.redirect_uri = req.redirect_uri;
  record.code_challenge = req.code_challenge;
  record.resource = req.resource;
  record.scopes = req.scopes;
  record.sub = user;
  record.family_id = randomToken(*s.deps.random, 16);
  record.expires = s.deps.clock->now() + s.options.code_ttl;
  if (!s.deps.store->putCode(record)) {
    return errorRedirect(s.options, req.redirect_uri, req.state, "server_error",
                         "the authorization could not be recorded", status);
  }
  if (!req.metadata_document) {
    // Marks a dynamic client as in use (unused ones expire); failure only delays that.
    (void)s.deps.store->touchClient(req.client_id, s.deps.clock->now());
  }
  std::vector<std::pair<std::string, std::string>> params{{"code", code}};
  if (req.state) {
    params.emplace_back("state", *req.state);
  }
  params.emplace_back("iss", s.options.issuer);
  return redirectTo(status, appendQuery(req.redirect_uri, params));
}

web::Response continueAsUser(AuthorizationServerState& s, const std::string& session_id,
                             const std::string& user, AuthorizationRequest req, int status) {
  auto consent = s.deps.store->getConsent(user, req.client_id);
  if (consent && isSubset(req.scopes, consent->scopes)) {
    return issueCode(s, req, user, status);
  }
  if (!consent && consent.error().code != static_cast<int>(store::StoreError::NotFound)) {
    return errorPage(503, "Temporarily unavailable", "The server cannot read its records now.");
  }
  const auto now = s.deps.clock->now();
  ConsentView v;
  v.user = user;
  v.client_name = req.client_name;
  v.client_id = req.client_id;
  v.client_host = req.metadata_document ? uriHost(req.client_id) : std::string();
  v.redirect_host = uriHost(req.redirect_uri);
  v.redirect_is_loopback = v.redirect_host == "127.0.0.1" || v.redirect_host == "[::1]" ||
                           v.redirect_host == "localhost";
  v.scopes = req.scopes;
  v.form_action = formActionSource(req.redirect_uri);
  auto pending = s.browser.sessions.addPending(session_id, std::move(req), *s.deps.random, now);
  if (!pending) {
    return errorPage(400, "Your session has expired", "Start again from your application.");
  }
  v.request_id = pending->id;
  v.csrf = pending->csrf;
  return consentPage(v);
}

std::optional<std::pair<std::string, BrowserSession>> currentSession(AuthorizationServerState& s,
                                                                     const web::Request& req) {
  auto id = readSessionCookie(req);
  if (!id) {
    return std::nullopt;
  }
  auto session = s.browser.sessions.find(*id, s.deps.clock->now());
  if (!session) {
    return std::nullopt;
  }
  return std::make_pair(std::move(*id), std::move(*session));
}

// The parts of a browser form POST both /login and /consent check first: method, form
// encoding, session cookie, pending request and its CSRF token. On success returns the session
// id and the pending request (taken: single use); otherwise fills `refusal`.
std::optional<std::pair<std::string, PendingAuthorization>> takeFormRequest(
    AuthorizationServerState& s, const web::Request& req, FormParams& form, bool need_user,
    std::string& user, web::Response& refusal) {
  if (req.method != "POST") {
    refusal = errorPage(405, "Method not allowed", "This form must be submitted with POST.");
    refusal.set("allow", "POST");
    return std::nullopt;
  }
  auto parsed = isFormPost(req) ? parseUniqueForm(req.body) : std::nullopt;
  if (!parsed) {
    refusal = errorPage(400, "Malformed form", "The form could not be read.");
    return std::nullopt;
  }
  form = std::move(*parsed);
  auto session = currentSession(s, req);
  if (!session || (need_user && session->second.user.empty())) {
    refusal = errorPage(400, "Your session has expired", "Start again from your application.");
    return std::nullopt;
  }
  const auto request_id = param(form, "request_id");
  auto pending = request_id ? s.browser.sessions.takePending(
                                  session->first, std::string(*request_id), s.deps.clock->now())
                            : std::nullopt;
  if (!pending) {
    refusal = errorPage(400, "This form has expired", "Start again from your application.");
    return std::nullopt;
  }
  const auto csrf = param(form, "csrf");
  if (!csrf || !crypto::constantTimeEqual(*csrf, pending->csrf)) {
    // Cross-site request forgery, or a tampered form: the pending request is dropped.
    refusal = errorPage(403, "Request refused",
                        "This form was not submitted from this site. Start again from your "
                        "application.");
    return std::nullopt;
  }
  user = session->second.user;
  return std::make_pair(std::move(session->first), std::move(*pending));
}

}  // namespace bastion::oauth
