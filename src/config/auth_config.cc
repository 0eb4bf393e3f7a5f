// [auth] (mode, baseline scopes, scope implications, jwt, introspection, embedded, stdio),
// [store], and the rules that tie them to [server]: the canonical public_url and what each
// mode needs.

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "config/config_internal.h"
#include "policy/scope_policy.h"

namespace bastion::config::detail {
namespace {

constexpr std::array<std::string_view, 4> kAlgorithms{"RS256", "PS256", "ES256", "EdDSA"};

std::optional<AuthMode> parseMode(std::string_view s) {
  if (s == "none") {
    return AuthMode::None;
  }
  if (s == "embedded") {
    return AuthMode::Embedded;
  }
  if (s == "jwt") {
    return AuthMode::Jwt;
  }
  if (s == "introspection") {
    return AuthMode::Introspection;
  }
  return std::nullopt;
}

bool isLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string text(host);
  unsigned char bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    return bytes[0] == 127;
  }
  const unsigned char v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    return std::equal(std::begin(bytes), std::end(bytes), std::begin(v6_loopback));
  }
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return text == "localhost";
}

// An absolute https URL, or http on a loopback host (development).
bool secureUrl(std::string_view s) {
  auto parsed = boost::urls::parse_absolute_uri(s);
  if (!parsed) {
    return false;
  }
  // A copy of the view, not operator->: GCC 12 -O2 sees a null path through result's accessor.
  const boost::urls::url_view url = parsed.value();
  if (!url.has_authority() || url.host().empty() || url.has_userinfo() ||
      url.has_fragment()) {
    return false;
  }
  return url.scheme() == "https" || (url.scheme() == "http" && isLoopbackHost(url.host()));
}

// Lower-case scheme and host, no trailing slash (RFC 8707 canonical form); nullopt if `s` is not
// an absolute http(s) URL without userinfo, query or fragment.
std::optional<std::string> canonicalUrl(std::string_view s) {
  auto parsed = boost::urls::parse_absolute_uri(s);
  if (!parsed) {
    return std::nullopt;
  }
  // A copy of the view, not operator->: GCC 12 -O2 sees a null path through result's accessor.
  const boost::urls::url_view url = parsed.value();
  if ((url.scheme_id() != boost::urls::scheme::http &&
               url.scheme_id() != boost::urls::scheme::https) ||
      !url.has_authority() || url.host().empty() || url.has_userinfo() || url.has_query() ||
      url.has_fragment()) {
    return std::nullopt;
  }
  auto lower = [](std::string_view v) {
    std::string out(v);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return out;
  };
  std::string out = lower(url.scheme()) + "://" + lower(url.encoded_host_and_port());
  std::string path(url.encoded_path());
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return out + path;
}

void readScopes(TableReader& r, const toml::table& table, std::string_view key,
                std::vector<std::string>& out) {
  std::vector<std::string> values;
  r.readStrings(key, values);
  const toml::node* node = table.get(key);
  if (node == nullptr || !node->is_array()) {
    return;  // absent (the default stays) or already reported
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string item = std::string(key) + "[" + std::to_string(i) + "]";
    if (!policy::isScopeToken(values[i])) {
      r.error((*node->as_array())[i], item, "expected a scope such as \"files:read\"");
      return;
    }
  }
  out = std::move(values);
}

void readImplications(const toml::table& table, Diagnostics& diags, AuthConfig& out) {
  TableReader r(table, "auth.scope_implications", diags);
  policy::Implications implications;
  for (auto&& [key, node] : table) {
    const std::string scope(key.str());
    std::vector<std::string> implied;
    readScopes(r, table, scope, implied);
    if (!policy::isScopeToken(scope)) {
      diags.at(key.source(), r.keyPath(scope), "expected a scope such as \"files:write\"");
      continue;
    }
    implications[scope] = implied;
  }
  if (auto cycle = policy::findImplicationCycle(implications)) {
    std::string text;
    for (const std::string& s : *cycle) {
      text += text.empty() ? s : " -> " + s;
    }
    const toml::node* first = table.get(cycle->front());
    diags.at(first->source(), r.keyPath(cycle->front()),
             "scope implications form a cycle: " + text);
    return;
  }
  out.scope_implications.clear();
  for (auto& [scope, implied] : implications) {
    out.scope_implications.emplace(scope, std::move(implied));
  }
}

void readFetch(const toml::table& table, Diagnostics& diags, std::string path, FetchConfig& out) {
  TableReader r(table, path, diags);
  r.readBool("allow_http", out.allow_http);
  r.readBool("allow_private_addresses", out.allow_private_addresses);
  r.readReadableFile("ca_file", out.ca_file);
  r.finish();
}

void readJwt(const toml::table& table, Diagnostics& diags, JwtAuthConfig& out) {
  TableReader r(table, "auth.jwt", diags);
  if (const auto* s = r.string("issuer")) {
    if (secureUrl(s->get())) {
      out.issuer = s->get();
    } else {
      r.error(*s, "issuer", "expected an https URL (http only on a loopback host)");
    }
  }
  if (const auto* s = r.string("jwks_uri")) {
    if (secureUrl(s->get())) {
      out.jwks_uri = s->get();
    } else {
      r.error(*s, "jwks_uri", "expected an https URL (http only on a loopback host)");
    }
  }
  std::vector<std::string> algorithms = out.algorithms;
  r.readStrings("algorithms", algorithms);
  if (const toml::node* n = table.get("algorithms"); n != nullptr && n->is_array()) {
    const toml::array& array = *n->as_array();
    for (std::size_t i = 0; i < algorithms.size(); ++i) {
      const bool known = std::find(kAlgorithms.begin(), kAlgorithms.end(), algorithms[i]) !=
                         kAlgorithms.end();
      const bool repeated =
          std::find(algorithms.begin(), algorithms.begin() + static_cast<std::ptrdiff_t>(i),
                    algorithms[i]) != algorithms.begin() + static_cast<std::ptrdiff_t>(i);
      if (!known || repeated) {
        r.error(array[i], "algorithms[" + std::to_string(i) + "]",
                repeated ? "listed twice" : "expected one of RS256, PS256, ES256, EdDSA");
        algorithms.clear();
        break;
      }
    }
    if (array.empty()) {
      r.error(*n, "algorithms", "must name at least one algorithm");
    }
  }
  if (!algorithms.empty()) {
    out.algorithms = std::move(algorithms);
  }
  std::chrono::milliseconds skew = out.skew;
  r.readDuration("skew", skew);
  if (const toml::node* n = table.get("skew"); n != nullptr && skew > std::chrono::minutes(5)) {
    r.error(*n, "skew", "must be at most 5m");
  } else {
    out.skew = std::chrono::duration_cast<std::chrono::seconds>(skew);
  }
  if (const toml::table* t = r.table("fetch")) {
    readFetch(*t, diags, "auth.jwt.fetch", out.fetch);
  }
  r.finish();
}

void readIntrospection(const toml::table& table, Diagnostics& diags, IntrospectionAuthConfig& out,
                       AuthPositions& where) {
  TableReader r(table, "auth.introspection", diags);
  if (const auto* s = r.string("issuer")) {
    if (secureUrl(s->get())) {
      out.issuer = s->get();
    } else {
      r.error(*s, "issuer", "expected an https URL (http only on a loopback host)");
    }
  }
  if (const auto* s = r.string("endpoint")) {
    if (secureUrl(s->get())) {
      out.endpoint = s->get();
    } else {
      r.error(*s, "endpoint", "expected an https URL (http only on a loopback host)");
    }
  }
  r.readString("client_id", out.client_id);
  if (const auto* s = r.string("client_secret_env")) {
    out.client_secret_env = s->get();
    where.client_secret_env = s->source();
  }
  std::chrono::milliseconds ttl = out.cache_ttl;
  r.readDuration("cache_ttl", ttl);
  out.cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(ttl);
  if (const toml::table* t = r.table("fetch")) {
    readFetch(*t, diags, "auth.introspection.fetch", out.fetch);
  }
  r.finish();
}

// requests_per_ip = "600/minute" | "off", with requests_per_ip_burst (default: a whole
// period's worth at once, as for every rate in the file).
void readRequestsPerIp(TableReader& r, const toml::table& table, EmbeddedAuthConfig& out) {
  std::uint64_t burst = 0;
  const bool has_burst = table.contains("requests_per_ip_burst");
  r.readInteger("requests_per_ip_burst", burst, 0, 1'000'000);
  std::string text;
  if (!r.readString("requests_per_ip", text)) {
    if (has_burst) {
      r.error(*table.get("requests_per_ip_burst"), "requests_per_ip_burst",
              "needs requests_per_ip");
    }
    return;
  }
  if (text == "off") {
    out.requests_per_ip = policy::Rate{.count = 0, .period = std::chrono::minutes(1), .burst = 0};
    return;
  }
  auto rate = policy::parseRate(text, 0);
  if (!rate) {
    r.error(*table.get("requests_per_ip"), "requests_per_ip",
            rate.error().message + ", or \"off\"");
    return;
  }
  policy::Rate value = rate.value();
  value.burst = has_burst ? burst : value.count - 1;
  out.requests_per_ip = value;
}

void readEmbedded(const toml::table& table, Diagnostics& diags, EmbeddedAuthConfig& out) {
  TableReader r(table, "auth.embedded", diags);
  std::chrono::milliseconds access = out.access_token_ttl;
  std::chrono::milliseconds refresh = out.refresh_token_ttl;
  r.readDuration("access_token_ttl", access);
  r.readDuration("refresh_token_ttl", refresh);
  if (const toml::node* n = table.get("access_token_ttl");
      n != nullptr && access > std::chrono::hours(1)) {
    r.error(*n, "access_token_ttl", "must be at most 1h (access tokens are short-lived)");
  }
  out.access_token_ttl = std::chrono::duration_cast<std::chrono::seconds>(access);
  out.refresh_token_ttl = std::chrono::duration_cast<std::chrono::seconds>(refresh);
  r.readBool("dynamic_registration", out.dynamic_registration);
  r.readBool("metadata_documents", out.metadata_documents);
  readRequestsPerIp(r, table, out);
  if (const toml::table* t = r.table("fetch")) {
    readFetch(*t, diags, "auth.embedded.fetch", out.fetch);
  }
  r.finish();
}

void readStdio(const toml::table& table, Diagnostics& diags, StdioAuthConfig& out) {
  TableReader r(table, "auth.stdio", diags);
  if (const auto* s = r.string("token_env")) {
    const std::string& name = s->get();
    const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
    if (valid) {
      out.token_env = name;
    } else {
      r.error(*s, "token_env", "expected an environment variable name such as \"BASTION_TOKEN\"");
    }
  }
  r.readString("subject", out.subject);
  readScopes(r, table, "scopes", out.scopes);
  r.finish();
  if (!out.token_env.empty() && !out.subject.empty()) {
    diags.at(table.source(), "auth.stdio",
             "set token_env or subject, not both (which one identifies the caller?)");
  }
}

// The position a cross-key rule about the mode points at: auth.mode, else [auth]'s absence.
void modeError(Diagnostics& diags, const AuthPositions& where, std::string_view source,
               std::string key, std::string message) {
  if (where.mode) {
    diags.at(*where.mode, std::move(key), std::move(message));
  } else {
    diags.add(Diagnostic{std::string(source), 0, 0, std::move(key), std::move(message)});
  }
}

void validatePublicUrl(Config& c, Diagnostics& diags, const AuthPositions& where) {
  ServerConfig& s = c.server;
  const bool oauth = c.auth.mode != AuthMode::None;
  if (!s.public_url.empty()) {
    auto canonical = canonicalUrl(s.public_url);
    if (!canonical) {
      return;  // already reported by readServer
    }
    s.public_url = *canonical;
    if (oauth && !secureUrl(s.public_url)) {
      diags.at(*where.public_url, "server.public_url",
               "must be https unless the host is loopback (tokens are bearer credentials)");
    }
    return;
  }
  if (!s.listen || where.public_url) {
    return;  // stdio, or a public_url already reported as malformed
  }
  const bool unspecified = s.listen->host == "0.0.0.0" || s.listen->host == "::";
  const std::string derived =
      std::string(s.tls ? "https://" : "http://") + s.listen->toString() + s.endpoint;
  // Port 0 is chosen at start: a URL derived now would name the wrong port.
  if (oauth && (unspecified || s.listen->port == 0 || !secureUrl(derived))) {
    std::string message = "server.public_url is required with auth.mode \"" +
                          std::string(authModeName(c.auth.mode)) + "\" here: the listen address " +
                          (unspecified            ? "is unspecified"
                           : s.listen->port == 0 ? "has port 0 (chosen at start)"
                                                  : "gives a non-https URL");
    if (where.listen) {
      diags.at(*where.listen, "server.listen", std::move(message));
    } else {
      diags.add(Diagnostic{"--listen", 0, 0, "server.listen", std::move(message)});
    }
    return;
  }
  s.public_url = canonicalUrl(derived).value_or(derived);
}

void validateModeNeeds(Config& c, Diagnostics& diags, const AuthPositions& where,
                       std::string_view source) {
  AuthConfig& a = c.auth;
  const std::string mode(authModeName(a.mode));
  // A sub-table for a mode not chosen is a configuration nobody reads: ambiguous, refused.
  const std::array<std::pair<AuthMode, const std::optional<toml::source_region>*>, 3> tables{
      std::pair{AuthMode::Jwt, &where.jwt},
      {AuthMode::Introspection, &where.introspection},
      {AuthMode::Embedded, &where.embedded}};
  for (const auto& [m, region] : tables) {
    if (*region && a.mode != m) {
      diags.at(**region, "auth." + std::string(authModeName(m)),
               "is set but auth.mode is \"" + mode + "\"");
    }
  }
  if (a.mode == AuthMode::Jwt && a.jwt.issuer.empty()) {
    modeError(diags, where, source, "auth.jwt.issuer", "required when auth.mode is \"jwt\"");
  }
  if (a.mode == AuthMode::Introspection) {
    IntrospectionAuthConfig& in = a.introspection;
    if (in.issuer.empty() || in.endpoint.empty() || in.client_id.empty() ||
        in.client_secret_env.empty()) {
      modeError(diags, where, source, "auth.introspection",
                "issuer, endpoint, client_id and client_secret_env are required when auth.mode "
                "is \"introspection\"");
    } else if (const char* secret = std::getenv(in.client_secret_env.c_str());
               secret == nullptr || *secret == '\0') {
      diags.at(*where.client_secret_env, "auth.introspection.client_secret_env",
               "environment variable " + in.client_secret_env + " is not set");
    } else {
      in.client_secret = secret;
    }
  }
  if (!c.server.listen && a.mode != AuthMode::None && a.stdio.token_env.empty() &&
      a.stdio.subject.empty()) {
    modeError(diags, where, source, "auth.stdio",
              "stdio with auth.mode \"" + mode +
                  "\" needs token_env (a bearer token from the environment) or subject (a "
                  "configured local principal)");
  }
}

}  // namespace

void readAuth(const toml::table& table, Diagnostics& diags, AuthConfig& out,
              AuthPositions& where) {
  TableReader r(table, "auth", diags);
  if (const auto* s = r.string("mode")) {
    where.mode = s->source();
    if (auto mode = parseMode(s->get())) {
      out.mode = *mode;
    } else {
      r.error(*s, "mode",
              "unsupported mode \"" + s->get() +
                  "\"; expected \"embedded\", \"jwt\", \"introspection\" or \"none\"");
    }
  }
  readScopes(r, table, "scopes_supported", out.scopes_supported);
  if (const toml::node* n = table.get("scopes_supported"); n != nullptr && n->is_array()) {
    const toml::array& array = *n->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (const auto* v = array[i].as_string(); v != nullptr && v->get() == "offline_access") {
        r.error(array[i], "scopes_supported[" + std::to_string(i) + "]",
                "offline_access is not a resource scope (clients ask the authorization server "
                "for refresh tokens)");
      }
    }
  }
  if (const toml::table* t = r.table("scope_implications")) {
    readImplications(*t, diags, out);
  }
  if (const toml::table* t = r.table("jwt")) {
    where.jwt = t->source();
    readJwt(*t, diags, out.jwt);
  }
  if (const toml::table* t = r.table("introspection")) {
    where.introspection = t->source();
    readIntrospection(*t, diags, out.introspection, where);
  }
  if (const toml::table* t = r.table("embedded")) {
    where.embedded = t->source();
    readEmbedded(*t, diags, out.embedded);
  }
  if (const toml::table* t = r.table("stdio")) {
    where.stdio = t->source();
    readStdio(*t, diags, out.stdio);
  }
  r.finish();
}

void readStore(const toml::table& table, Diagnostics& diags, StoreConfig& out) {
  TableReader r(table, "store", diags);
  if (const auto* s = r.string("url")) {
    if (s->get().starts_with("sqlite://") && s->get().size() > 9) {
      out.url = s->get();
    } else {
      r.error(*s, "url", "expected \"sqlite://PATH\" (PostgreSQL arrives in a later release)");
    }
  }
  r.finish();
}

void validateAuth(Config& c, Diagnostics& diags, const AuthPositions& where,
                  std::string_view source) {
  const ServerConfig& server = c.server;
  if (c.auth.mode == AuthMode::None && server.listen && !server.listen->isLoopback()) {
    std::string message =
        "auth.mode \"none\" is allowed only on a loopback address (127.0.0.0/8 or ::1) or "
        "stdio; use \"embedded\", \"jwt\" or \"introspection\"";
    if (where.listen) {
      diags.at(*where.listen, "server.listen", std::move(message));
    } else {
      diags.add(Diagnostic{"--listen", 0, 0, "server.listen", std::move(message)});
    }
  }
  validatePublicUrl(c, diags, where);
  // What a mode needs is judged only on a file without other errors: a value already reported
  // as malformed would otherwise be reported again as missing.
  if (diags.empty()) {
    validateModeNeeds(c, diags, where, source);
  }
}

}  // namespace bastion::config::detail

namespace bastion::config {

std::string_view authModeName(AuthMode mode) {
  switch (mode) {
    case AuthMode::None:
      return "none";
    case AuthMode::Embedded:
      return "embedded";
    case AuthMode::Jwt:
      return "jwt";
    case AuthMode::Introspection:
      return "introspection";
  }
  return "none";
}

}  // namespace bastion::config
