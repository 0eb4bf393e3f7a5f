#include "auth/resource_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <utility>

#include "audit/audit_log.h"
#include "auth/token_memo.h"

namespace bastion::auth {
namespace {

constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Splits a resource URL into its origin ("https://h:8443") and path ("/mcp", or "" for "/").
bool splitResource(std::string_view resource, std::string& origin, std::string& path) {
  auto parsed = boost::urls::parse_absolute_uri(resource);
  if (!parsed) {
    return false;
  }
  // A copy of the view, not operator->: GCC 12 -O2 sees a null path through result's accessor.
  const boost::urls::url_view url = parsed.value();
  if ((url.scheme() != "http" && url.scheme() != "https") || !url.has_authority() ||
      url.host().empty() || url.has_userinfo() || url.has_query() || url.has_fragment()) {
    return false;
  }
  origin = std::string(url.scheme()) + "://" + std::string(url.encoded_authority());
  path = std::string(url.encoded_path());
  if (path == "/") {
    path.clear();
  }
  return true;
}

// True if the urlencoded string `s` names a parameter access_token (decoded or not: a client
// that percent-encodes the name is still sending a token outside the header).
bool namesAccessToken(std::string_view s) {
  if (auto pairs = web::parseForm(s)) {
    return std::any_of(pairs->begin(), pairs->end(),
                       [](const auto& p) { return p.first == "access_token"; });
  }
  // Malformed encoding elsewhere: look at the raw names.
  while (!s.empty()) {
    const std::size_t amp = s.find('&');
    const std::string_view part = s.substr(0, amp);
    if (part.substr(0, part.find('=')) == "access_token") {
      return true;
    }
    s = amp == std::string_view::npos ? std::string_view{} : s.substr(amp + 1);
  }
  return false;
}

bool isFormContentType(std::string_view type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  const std::string_view media = type.substr(0, type.find(';'));
  std::size_t end = media.size();
  while (end > 0 && (media[end - 1] == ' ' || media[end - 1] == '\t')) {
    --end;
  }
  return iequals(media.substr(0, end), kForm);
}

std::string joinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& s : scopes) {
    out += out.empty() ? s : " " + s;
  }
  return out;
}

class ResourceServer final : public Authenticator {
 public:
  ResourceServer(ResourceServerOptions options, std::shared_ptr<TokenVerifier> verifier,
                 std::string metadata_url)
      : options_(std::move(options)),
        verifier_(std::move(verifier)),
        metadata_url_(std::move(metadata_url)),
        baseline_(joinScopes(options_.scopes_supported)) {}

  boost::system::result<Principal, Challenge> authenticate(const RequestView& req) override {
    auto token = extract(req);
    if (!token) {
      return refuse(token.error(), req);
    }
    auto verified = req.memo != nullptr ? verifier_->verifyWithMemo(*token, *req.memo)
                                        : verifier_->verify(*token);
    if (!verified) {
      return refuse(verified.error(), req);
    }
    return std::move(verified->principal);
  }

  Challenge insufficientScope(const std::vector<std::string>& required) const override {
    spdlog::info("request refused: {} (needs \"{}\")", toString(AuthError::InsufficientScope),
                 joinScopes(required));
    return Challenge{
        .status = 403,
        .www_authenticate = "Bearer error=\"insufficient_scope\", scope=\"" +
                            joinScopes(required) + "\", resource_metadata=\"" + metadata_url_ +
                            "\", error_description=\"Additional scope required\"",
        .description = "Forbidden: insufficient scope",
        .reason = AuthError::InsufficientScope};
  }

 private:
  // The bearer token, or why there is none usable. Checks syntax only.
  boost::system::result<std::string_view, AuthError> extract(const RequestView& req) const {
    // Tokens travel only in the Authorization header: one in the URL ends up in logs and
    // Referer headers, one in a form body invites CSRF (RFC 9700, MCP "Access Token Usage").
    const std::string_view target = req.target;
    const std::size_t q = target.find('?');
    if (q != std::string_view::npos && namesAccessToken(target.substr(q + 1))) {
      return AuthError::TokenInQuery;
    }
    if (req.content_type && isFormContentType(*req.content_type) && namesAccessToken(req.body)) {
      return AuthError::TokenInQuery;
    }
    if (!req.authorization) {
      return AuthError::MissingToken;
    }
    // Two headers could be read differently by an intermediary and by us: refuse both.
    if (req.authorization_count > 1) {
      return AuthError::MalformedHeader;
    }
    const std::string_view value = *req.authorization;
    if (value.size() > options_.max_token_bytes + 7) {
      return AuthError::TokenTooLarge;
    }
    const std::size_t space = value.find(' ');
    if (space == std::string_view::npos || !iequals(value.substr(0, space), "Bearer")) {
      return AuthError::MalformedHeader;
    }
    std::string_view token = value.substr(space + 1);
    while (!token.empty() && token.front() == ' ') {
      token.remove_prefix(1);
    }
    if (token.size() > options_.max_token_bytes) {
      return AuthError::TokenTooLarge;
    }
    // The connection's memo holds only a token this check passed (the memo is filled after it),
    // so the byte-identical token need not be scanned again.
    const bool memoised = req.memo != nullptr && req.memo->holds(token);
    if (!memoised && !isB64Token(token)) {
      return AuthError::MalformedHeader;
    }
    return token;
  }

  // The challenge for `reason` (RFC 6750 section 3 with RFC 9728's resource_metadata).
  Challenge refuse(AuthError reason, const RequestView& req) const {
    const bool presented = reason != AuthError::MissingToken;
    if (presented) {
      spdlog::info("bearer token refused: {} (from {})", toString(reason), req.remote_address);
    } else {
      spdlog::debug("request without a bearer token (from {})", req.remote_address);
    }
    if (options_.audit != nullptr) {
      boost::json::object event;
      event["type"] = "auth";
      event["outcome"] = "refused";
      event["reason"] = toString(reason);
      event["remote"] = req.remote_address;
      options_.audit->record(std::move(event));
    }
    std::string params = "resource_metadata=\"" + metadata_url_ + "\"";
    if (!baseline_.empty()) {
      params += ", scope=\"" + baseline_ + "\"";
    }
    Challenge c;
    c.reason = reason;
    if (reason == AuthError::TokenInQuery ||
        (reason == AuthError::MalformedHeader && isBearer(req))) {
      c.status = 400;
      c.www_authenticate = "Bearer error=\"invalid_request\", " + params;
      c.description = "Bad Request: malformed authorization";
    } else if (reason == AuthError::MissingToken || reason == AuthError::MalformedHeader) {
      // No bearer credentials at all (or another scheme): no error code (RFC 6750 section 3.1).
      c.www_authenticate = "Bearer " + params;
      c.description = "Unauthorized";
    } else {
      c.www_authenticate = "Bearer error=\"invalid_token\", error_description=\"The access token "
                           "is invalid or expired\", " + params;
      c.description = "Unauthorized: invalid token";
    }
    return c;
  }

  static bool isBearer(const RequestView& req) {
    if (!req.authorization) {
      return false;
    }
    const std::string_view v = *req.authorization;
    return v.size() >= 6 && iequals(v.substr(0, 6), "Bearer");
  }

  const ResourceServerOptions options_;
  const std::shared_ptr<TokenVerifier> verifier_;
  const std::string metadata_url_;
  const std::string baseline_;
};

class MetadataRoutes final : public web::Routes {
 public:
  MetadataRoutes(std::vector<std::string> paths, std::string document)
      : paths_(std::move(paths)), document_(std::move(document)) {}

  bool serves(std::string_view path) const override {
    return std::find(paths_.begin(), paths_.end(), path) != paths_.end();
  }

  web::Response handle(const web::Request& req) override {
    web::Response res;
    // Public metadata: readable from browser-based clients of any origin.
    res.set("access-control-allow-origin", "*");
    if (req.method == "OPTIONS") {
      res.status = 204;
      res.set("access-control-allow-methods", "GET");
      res.set("access-control-allow-headers", "mcp-protocol-version");
      return res;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.set("allow", "GET, HEAD, OPTIONS");
      return res;
    }
    res.set("content-type", "application/json");
    res.set("cache-control", "public, max-age=300");
    if (req.method == "GET") {
      res.body = document_;
    }
    return res;
  }

 private:
  const std::vector<std::string> paths_;
  const std::string document_;
};

std::vector<std::string> baselineScopes(const std::vector<std::string>& scopes) {
  std::vector<std::string> out;
  for (const std::string& s : scopes) {
    if (s != "offline_access" && std::find(out.begin(), out.end(), s) == out.end()) {
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace

bool isB64Token(std::string_view token) {
  // RFC 6750 b64token characters, as a table: this runs on every authenticated request.
  static constexpr auto kB64TokenChar = [] {
    std::array<bool, 256> t{};
    for (int c = 'A'; c <= 'Z'; ++c) {
      t[static_cast<std::size_t>(c)] = true;
      t[static_cast<std::size_t>(c - 'A' + 'a')] = true;
    }
    for (int c = '0'; c <= '9'; ++c) {
      t[static_cast<std::size_t>(c)] = true;
    }
    for (const char c : std::string_view("-._~+/")) {
      t[static_cast<unsigned char>(c)] = true;
    }
    return t;
  }();
  std::size_t i = 0;
  while (i < token.size() && kB64TokenChar[static_cast<unsigned char>(token[i])]) {
    ++i;
  }
  if (i == 0) {
    return false;
  }
  while (i < token.size() && token[i] == '=') {
    ++i;
  }
  return i == token.size();
}

std::string protectedResourceMetadataUrl(std::string_view resource) {
  std::string origin;
  std::string path;
  if (!splitResource(resource, origin, path)) {
    return {};
  }
  return origin + std::string(kWellKnown) + path;
}

Result<std::unique_ptr<Authenticator>> makeResourceServer(ResourceServerOptions options,
                                                          std::shared_ptr<TokenVerifier> verifier) {
  if (!verifier) {
    return Error(ResourceServerError::MissingVerifier, "the resource server needs a verifier");
  }
  std::string metadata_url = protectedResourceMetadataUrl(options.resource);
  if (metadata_url.empty()) {
    return Error(ResourceServerError::InvalidResource,
                 "resource '" + options.resource + "' is not an absolute http(s) URL");
  }
  options.scopes_supported = baselineScopes(options.scopes_supported);
  return std::unique_ptr<Authenticator>(
      new ResourceServer(std::move(options), std::move(verifier), std::move(metadata_url)));
}

std::shared_ptr<web::Routes> makeProtectedResourceMetadata(const ResourceServerOptions& options,
                                                           std::string_view endpoint) {
  std::string origin;
  std::string path;
  if (!splitResource(options.resource, origin, path)) {
    return nullptr;
  }
  std::vector<std::string> paths{std::string(kWellKnown)};
  for (std::string_view p : {std::string_view(path), endpoint}) {
    const std::string full = std::string(kWellKnown) + std::string(p == "/" ? "" : p);
    if (std::find(paths.begin(), paths.end(), full) == paths.end()) {
      paths.push_back(full);
    }
  }
  boost::json::array servers;
  for (const std::string& s : options.authorization_servers) {
    servers.emplace_back(s);
  }
  boost::json::array scopes;
  for (const std::string& s : baselineScopes(options.scopes_supported)) {
    scopes.emplace_back(s);
  }
  boost::json::object doc{{"resource", options.resource},
                          {"authorization_servers", std::move(servers)},
                          {"scopes_supported", std::move(scopes)},
                          {"bearer_methods_supported", boost::json::array{"header"}}};
  if (!options.resource_name.empty()) {
    doc.emplace("resource_name", options.resource_name);
  }
  return std::make_shared<MetadataRoutes>(std::move(paths), boost::json::serialize(doc));
}

}  // namespace bastion::auth
