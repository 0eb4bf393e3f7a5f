#include "oauth/pages.h"

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <utility>

namespace bastion::oauth {
namespace {

constexpr std::string_view kStyle = R"css(
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#eef1f5;color:#1d2330;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{background:#fff;width:100%;max-width:26rem;margin:1rem;padding:2rem;border-radius:12px;
box-shadow:0 4px 24px rgba(20,30,50,.12)}
.brand{font-weight:700;letter-spacing:.04em;color:#3b5bdb;font-size:.85rem;text-transform:uppercase}
h1{font-size:1.35rem;margin:.3rem 0 1rem}
p{margin:.5rem 0}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input[type=text],input[type=password]{width:100%;padding:.6rem .7rem;font:inherit;
border:1px solid #c3cad6;border-radius:8px}
input:focus{outline:2px solid #3b5bdb;outline-offset:1px}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:8px;border:1px solid #3b5bdb;
cursor:pointer}
.primary{background:#3b5bdb;color:#fff}.secondary{background:#fff;color:#3b5bdb}
.actions{display:flex;gap:.75rem;justify-content:flex-end;margin-top:1.5rem}
.error{background:#fff0f0;border:1px solid #f0b4b4;color:#8a1f1f;padding:.6rem .8rem;border-radius:8px}
.warn{background:#fff8e6;border:1px solid #f0d48a;padding:.6rem .8rem;border-radius:8px;font-size:.9rem}
.muted{color:#5b6475;font-size:.9rem}
ul.scopes{padding:0;list-style:none}
ul.scopes li{padding:.5rem .7rem;border:1px solid #e1e5ec;border-radius:8px;margin:.4rem 0}
code{font-size:.85rem;color:#5b6475;background:#f3f5f8;padding:0 .3rem;border-radius:4px}
.remember{display:flex;gap:.5rem;align-items:center;font-weight:400}
)css";

// Characters allowed in a CSP host-source we emit (RFC 3986 host/port plus scheme).
bool cspSafe(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '/' || c == '[' || c == ']';
  });
}

std::string document(std::string_view title, const std::string& body) {
  std::string html;
  html.reserve(kStyle.size() + body.size() + 512);
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  html += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  html += "<meta name=\"referrer\" content=\"same-origin\"><title>";
  html += htmlEscape(title);
  html += " · Bastion</title><style>";
  html += kStyle;
  html += "</style></head><body><main><div class=\"brand\">Bastion</div>";
  html += body;
  html += "</main></body></html>\n";
  return html;
}

web::Response page(int status, std::string_view title, const std::string& body,
                   std::string_view form_action) {
  web::Response r;
  r.status = status;
  r.body = document(title, body);
  setPageHeaders(r, form_action);
  return r;
}

std::string hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + htmlEscape(name) + "\" value=\"" + htmlEscape(value) +
         "\">";
}

std::string clientLine(std::string_view name, std::string_view host) {
  std::string s = "<strong>" + htmlEscape(name) + "</strong>";
  if (!host.empty()) {
    s += " <span class=\"muted\">(from " + htmlEscape(host) + ")</span>";
  }
  return s;
}

}  // namespace

std::string htmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string formActionSource(std::string_view redirect_uri) {
  auto url = boost::urls::parse_absolute_uri(redirect_uri);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") ||
      url->encoded_host().empty()) {
    return {};
  }
  std::string origin = std::string(url->scheme()) + "://" + std::string(url->encoded_host());
  if (url->has_port()) {
    origin += ":" + std::string(url->port());
  }
  return cspSafe(origin) ? origin : std::string();
}

void setPageHeaders(web::Response& r, std::string_view extra_form_action) {
  std::string csp =
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; "
      "form-action 'self'";
  if (!extra_form_action.empty() && cspSafe(extra_form_action)) {
    csp += ' ';
    csp += extra_form_action;
  }
  r.set("content-type", "text/html; charset=utf-8");
  r.set("content-security-policy", std::move(csp));
  r.set("x-frame-options", "DENY");
  r.set("cache-control", "no-store");
  r.set("pragma", "no-cache");
  // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the
  // page's form POSTs, and the transport's Origin check refuses those. Nothing leaks to other
  // origins either way.
  r.set("referrer-policy", "same-origin");
  r.set("x-content-type-options", "nosniff");
}

web::Response redirectTo(int status, std::string location) {
  web::Response r;
  r.status = status;
  r.set("location", std::move(location));
  r.set("cache-control", "no-store");
  r.set("pragma", "no-cache");
  r.set("referrer-policy", "no-referrer");
  return r;
}

web::Response errorPage(int status, std::string_view title, std::string_view message) {
  std::string body = "<h1>" + htmlEscape(title) + "</h1><p class=\"error\">" + htmlEscape(message) +
                     "</p><p class=\"muted\">You can close this window and start again from the "
                     "application that sent you here.</p>";
  return page(status, title, body, {});
}

web::Response loginPage(const LoginView& v, int status) {
  std::string body = "<h1>Sign in</h1><p>" + clientLine(v.client_name, v.client_host) +
                     " asks to connect to this server. Sign in to continue.</p>";
  if (!v.error.empty()) {
    body += "<p class=\"error\" role=\"alert\">" + htmlEscape(v.error) + "</p>";
  }
  body += "<form method=\"post\" action=\"/login\">";
  body += hidden("request_id", v.request_id) + hidden("csrf", v.csrf);
  body +=
      "<label for=\"username\">User name</label><input type=\"text\" id=\"username\" "
      "name=\"username\" autocomplete=\"username\" autocapitalize=\"none\" required "
      "value=\"" +
      htmlEscape(v.user) + "\"" + (v.user.empty() ? " autofocus" : "") + ">";
  body +=
      "<label for=\"password\">Password</label><input type=\"password\" id=\"password\" "
      "name=\"password\" autocomplete=\"current-password\" required" +
      std::string(v.user.empty() ? "" : " autofocus") + ">";
  body +=
      "<div class=\"actions\"><button class=\"primary\" type=\"submit\">Sign in</button>"
      "</div></form>";
  return page(status, "Sign in", body, v.form_action);
}

web::Response consentPage(const ConsentView& v) {
  std::string body = "<h1>Allow access?</h1><p>" + clientLine(v.client_name, v.client_host) +
                     " wants to use this server as <strong>" + htmlEscape(v.user) +
                     "</strong>.</p>";
  if (v.scopes.empty()) {
    body += "<p>It asks for no particular permission.</p>";
  } else {
    body += "<p>It will be able to:</p><ul class=\"scopes\">";
    for (const auto& s : v.scopes) {
      body += "<li>" + htmlEscape(describeScope(s)) + " <code>" + htmlEscape(s) + "</code></li>";
    }
    body += "</ul>";
  }
  body += "<p class=\"muted\">Client ID: <code>" + htmlEscape(v.client_id) + "</code></p>";
  body +=
      "<p>Afterwards you will be sent to <strong>" + htmlEscape(v.redirect_host) + "</strong>.</p>";
  if (v.redirect_is_loopback) {
    body +=
        "<p class=\"warn\">This application receives the answer on your own computer "
        "(" +
        htmlEscape(v.redirect_host) +
        "). Allow only if you started it yourself just "
        "now: any program on this computer could claim that name.</p>";
  }
  body += "<form method=\"post\" action=\"/consent\">";
  body += hidden("request_id", v.request_id) + hidden("csrf", v.csrf);
  body +=
      "<label class=\"remember\"><input type=\"checkbox\" name=\"remember\" value=\"1\" "
      "checked> Remember this decision for this application</label>";
  body +=
      "<div class=\"actions\"><button class=\"secondary\" type=\"submit\" name=\"decision\" "
      "value=\"deny\">Deny</button><button class=\"primary\" type=\"submit\" "
      "name=\"decision\" value=\"allow\">Allow</button></div></form>";
  return page(200, "Allow access?", body, v.form_action);
}

std::string describeScope(std::string_view scope) {
  if (scope == "offline_access") {
    return "Stay connected when you are not using it";
  }
  const auto colon = scope.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == scope.size()) {
    return "Use “" + std::string(scope) + "”";
  }
  const std::string_view subject = scope.substr(0, colon);
  const std::string_view action = scope.substr(colon + 1);
  if (subject == "mcp") {  // the MCP feature scopes: mcp:tools, mcp:resources, mcp:prompts
    if (action == "tools") {
      return "Call the tools of this server";
    }
    if (action == "resources") {
      return "Read the resources of this server";
    }
    if (action == "prompts") {
      return "Use the prompts of this server";
    }
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kVerbs{{
      {"read", "Read"},
      {"write", "Create and change"},
      {"delete", "Delete"},
      {"list", "List"},
      {"call", "Use"},
      {"execute", "Run"},
      {"exec", "Run"},
      {"admin", "Administer"},
  }};
  for (const auto& [word, verb] : kVerbs) {
    if (action == word) {
      return std::string(verb) + " your " + std::string(subject);
    }
  }
  return "Use “" + std::string(scope) + "”";
}

std::string sessionCookieName(bool tls) {
  return tls ? "__Host-bastion_session" : "bastion_session";
}

std::string sessionCookie(std::string_view id, bool tls) {
  std::string c =
      sessionCookieName(tls) + "=" + std::string(id) + "; Path=/; HttpOnly; SameSite=Lax";
  if (tls) {
    c += "; Secure";
  }
  return c;
}

std::optional<std::string> readSessionCookie(const web::Request& req) {
  const std::string wanted = sessionCookieName(req.tls);
  for (const auto& [name, value] : req.headers) {
    if (name != "cookie") {
      continue;
    }
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') {
        pair.remove_prefix(1);
      }
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == wanted) {
        return std::string(pair.substr(eq + 1));
      }
    }
  }
  return std::nullopt;
}

}  // namespace bastion::oauth
