#pragma once
// The embedded authorization server's HTML: login, consent and error pages, small and
// server-rendered (inline CSS, no script, no external resource), and the headers every page and
// redirect carries. All text from requests, clients and the store is HTML-escaped here; callers
// pass raw strings.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/web.h"

namespace bastion::oauth {

// Escapes & < > " ' for element content and double-quoted attribute values.
std::string htmlEscape(std::string_view s);

// The CSP source admitting a form-submission redirect to `redirect_uri` (its origin, e.g.
// "http://127.0.0.1:3000"), or empty if the URI is not http(s) or has characters a CSP source
// may not hold (then the browser refuses the redirect: fail closed).
std::string formActionSource(std::string_view redirect_uri);

// Every page: Content-Type, Content-Security-Policy (default-src 'none'; inline style only;
// form-action 'self' plus `extra_form_action`; frame-ancestors 'none'; base-uri 'none'),
// X-Frame-Options: DENY, Cache-Control: no-store, Referrer-Policy: same-origin (see pages.cc),
// X-Content-Type-Options: nosniff.
void setPageHeaders(web::Response& r, std::string_view extra_form_action = {});

// A redirect (302 after GET, 303 after POST) with no-store and no-referrer.
web::Response redirectTo(int status, std::string location);

// A page that explains an error and never links to the client (used for errors about the client
// or its redirect URI, which must not be redirected).
web::Response errorPage(int status, std::string_view title, std::string_view message);

struct LoginView {
  std::string request_id;
  std::string csrf;
  std::string client_name;
  std::string client_host;  // the metadata-document URL's host, empty otherwise
  std::string user;         // pre-filled after a failed attempt
  std::string error;        // shown above the form if non-empty
  std::string form_action;  // formActionSource(redirect_uri)
};
web::Response loginPage(const LoginView& v, int status = 200);

struct ConsentView {
  std::string request_id;
  std::string csrf;
  std::string user;
  std::string client_name;
  std::string client_id;
  std::string client_host;    // the metadata-document URL's host, empty otherwise
  std::string redirect_host;  // where the browser goes afterwards
  bool redirect_is_loopback = false;
  std::vector<std::string> scopes;
  std::string form_action;
};
web::Response consentPage(const ConsentView& v);

// Plain words for a scope: "files:read" -> "Read your files". Unknown shapes fall back to
// "Use “scope”". The raw scope is shown beside it.
std::string describeScope(std::string_view scope);

// The login session cookie: "__Host-bastion_session" over TLS (Secure, Path=/, no Domain),
// "bastion_session" otherwise; always HttpOnly, SameSite=Lax, Path=/.
std::string sessionCookieName(bool tls);
std::string sessionCookie(std::string_view id, bool tls);
// The session id from the request's Cookie headers (only the name for the request's TLS mode).
std::optional<std::string> readSessionCookie(const web::Request& req);

}  // namespace bastion::oauth
