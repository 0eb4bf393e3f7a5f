#include "oauth/authorization_server.h"

#include <array>
#include <optional>
#include <utility>

#include "oauth/access_token.h"
#include "oauth/client_address.h"
#include "oauth/endpoints.h"
#include "oauth/pages.h"
#include "oauth/state.h"
#include "oauth/throttle.h"

namespace bastion::oauth {

namespace {

using Handler = web::Response (*)(AuthorizationServerState&, const web::Request&);

// How a route answers a client over its per-IP request limit.
enum class Limit { None, Json, Page };

struct Route {
  std::string_view path;
  Handler handler;
  Limit limit;
};

// Exact paths only: no prefixes, no trailing-slash variants, no case folding.
constexpr std::array kRoutes = {
    // Public, static and cacheable: not limited per IP.
    Route{"/.well-known/oauth-authorization-server", &handleMetadata, Limit::None},
    Route{"/.well-known/openid-configuration", &handleMetadata, Limit::None},
    Route{"/jwks", &handleJwks, Limit::None},
    Route{"/token", &handleToken, Limit::Json},
    Route{"/revoke", &handleRevoke, Limit::Json},
    Route{"/introspect", &handleIntrospect, Limit::Json},
    // Pages and registration ("as-web").
    Route{"/authorize", &handleAuthorize, Limit::Page},
    Route{"/login", &handleLogin, Limit::Page},
    Route{"/consent", &handleConsent, Limit::Page},
    Route{"/register", &handleRegister, Limit::Json},
};

const Route* findRoute(std::string_view path) {
  for (const auto& r : kRoutes) {
    if (r.path == path) {
      return &r;
    }
  }
  return nullptr;
}

enum class AsError { BadOptions = 1 };

constexpr std::chrono::minutes kPurgeInterval{10};

// Deletes expired codes, refresh tokens and revoked-jti rows every kPurgeInterval, on whichever
// request comes first (handlers run on workers, where blocking on the store is allowed). A
// failed purge is retried next interval; expired rows are refused anyway.
void purgeIfDue(AuthorizationServerState& s) {
  const auto now = s.deps.clock->now();
  const auto now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  std::int64_t due = s.next_purge_ns.load();
  if (now_ns < due) {
    return;
  }
  const auto next = now_ns + std::chrono::nanoseconds(kPurgeInterval).count();
  if (s.next_purge_ns.compare_exchange_strong(due, next)) {
    (void)s.deps.store->purgeExpired(now);
  }
}

// The per-IP request limit (AsOptions::requests_per_ip): nullopt if `req` is within it, else
// 429 with Retry-After, as JSON for back-channel endpoints and as a page for the browser.
std::optional<web::Response> overLimit(AuthorizationServerState& s, const Route& route,
                                       const web::Request& req) {
  if (route.limit == Limit::None || s.options.requests_per_ip.count == 0) {
    return std::nullopt;
  }
  const policy::Decision d = s.deps.rate_backend->acquire(
      "as-ip:" + addressKey(req.remote_address), s.options.requests_per_ip, s.deps.clock->now());
  if (d.allowed) {
    return std::nullopt;
  }
  const auto wait = policy::retryAfterSeconds(d).count();
  web::Response r = route.limit == Limit::Json
                        ? oauthError(429, "invalid_request", "too many requests from this address")
                        : errorPage(429, "Too many requests",
                                    "Too many requests from your network. Try again in " +
                                        std::to_string(wait) + " s.");
  r.set("retry-after", std::to_string(wait));
  return r;
}

Result<void> checkOptions(const AsOptions& o, const AsDependencies& d) {
  if (o.issuer.empty() || o.issuer.back() == '/' ||
      !(o.issuer.starts_with("https://") || o.issuer.starts_with("http://"))) {
    return Error(AsError::BadOptions, "issuer must be an http(s) URL without a trailing slash");
  }
  if (o.resource.empty()) {
    return Error(AsError::BadOptions, "resource (the canonical MCP endpoint URI) is required");
  }
  if (o.access_token_ttl.count() <= 0 || o.code_ttl.count() <= 0 ||
      o.refresh_token_ttl.count() <= 0 || o.key_lifetime.count() < 10) {
    return Error(AsError::BadOptions, "lifetimes must be positive");
  }
  if (!d.store || d.clock == nullptr || d.random == nullptr) {
    return Error(AsError::BadOptions, "store, clock and random source are required");
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<AuthorizationServer>> AuthorizationServer::create(AsOptions options,
                                                                         AsDependencies deps) {
  if (auto r = checkOptions(options, deps); !r) {
    return r.error();
  }
  if (!deps.rate_backend) {
    deps.rate_backend = policy::makeMemoryRateBackend(65536);
  }
  auto state = std::make_unique<AuthorizationServerState>();
  KeyPolicy policy;
  policy.lifetime = options.key_lifetime;
  policy.publish_ahead = options.key_lifetime / 10;
  policy.token_ttl = options.access_token_ttl;
  auto keys = KeyManager::create(deps.store, *deps.clock, policy);
  if (!keys) {
    return keys.error();
  }
  state->keys = std::move(*keys);
  state->revocations = std::make_unique<RevocationList>(deps.store, *deps.clock);
  ClientResolverOptions client_options;
  client_options.metadata_documents = options.metadata_documents;
  client_options.scopes_supported = options.scopes_supported;
  state->clients =
      std::make_unique<ClientResolver>(client_options, deps.store, deps.fetcher, *deps.clock);
  state->options = std::move(options);
  state->deps = std::move(deps);
  state->verifier = makeEmbeddedVerifier(*state);
  return std::shared_ptr<AuthorizationServer>(new AuthorizationServer(std::move(state)));
}

AuthorizationServer::AuthorizationServer(std::unique_ptr<AuthorizationServerState> state)
    : state_(std::move(state)) {}

AuthorizationServer::~AuthorizationServer() = default;

bool AuthorizationServer::serves(std::string_view path) const { return findRoute(path) != nullptr; }

web::Response AuthorizationServer::handle(const web::Request& req) {
  const Route* route = findRoute(req.path());
  if (route == nullptr) {
    return oauthError(404, "not_found", "");
  }
  // Behind a trusted reverse proxy the peer is the proxy: handlers and limits see the client it
  // names (oauth/client_address.h). From anyone else X-Forwarded-For is ignored.
  std::optional<web::Request> forwarded;
  if (state_->options.trusted_proxies.contains(req.remote_address)) {
    forwarded = req;
    forwarded->remote_address = clientAddress(req, state_->options.trusted_proxies);
  }
  const web::Request& effective = forwarded ? *forwarded : req;
  if (auto refused = overLimit(*state_, *route, effective)) {
    return std::move(*refused);
  }
  purgeIfDue(*state_);
  return route->handler(*state_, effective);
}

std::shared_ptr<auth::TokenVerifier> AuthorizationServer::verifier() { return state_->verifier; }

Result<std::string> AuthorizationServer::issueAccessToken(const std::string& sub,
                                                          const std::vector<std::string>& scopes,
                                                          std::chrono::seconds ttl,
                                                          const std::string& client_id) {
  if (sub.empty() || ttl.count() <= 0) {
    return Error(AsError::BadOptions, "a subject and a positive lifetime are required");
  }
  // Each scope must be a valid scope-token (RFC 6749 §3.3): it is joined with spaces below.
  for (const auto& scope : scopes) {
    auto parsed = parseScope(scope);
    if (!parsed || parsed->size() != 1) {
      return Error(AsError::BadOptions, "invalid scope: " + scope);
    }
  }
  auto issued = mintAccessToken(
      *state_, AccessTokenGrant{sub, client_id, state_->options.resource, scopes, "", ttl});
  if (!issued) {
    return issued.error();
  }
  return std::move(issued->token);
}

}  // namespace bastion::oauth
