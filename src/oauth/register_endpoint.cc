// POST /register: OAuth 2.0 Dynamic Client Registration (RFC 7591). Rate-limited per IP;
// redirect URIs follow checkRedirectUri (https or loopback http, configurable); a confidential
// client's secret is generated here, returned once and stored only as a hash. Registrations
// left unused for AsOptions::dynamic_client_unused_expiry are deleted (run from here, at most
// once a minute).

#include <boost/json.hpp>
#include <chrono>

#include "core/random.h"
#include "oauth/authorization_flow.h"
#include "oauth/clients.h"
#include "oauth/endpoints.h"

namespace bastion::oauth {
namespace {

constexpr std::size_t kMaxRedirectUris = 20;
constexpr std::size_t kMaxClientNameBytes = 200;

web::Response badMetadata(std::string_view description) {
  return oauthError(400, "invalid_client_metadata", description);
}

bool isJson(const web::Request& req) {
  auto type = req.header("content-type");
  if (!type) {
    return false;
  }
  std::string media(type->substr(0, type->find(';')));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
    media.pop_back();
  }
  for (auto& c : media) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return media == "application/json";
}

// Reads an optional array of strings (nullopt: absent; false in `ok`: ill-typed).
std::optional<std::vector<std::string>> strings(const boost::json::object& o, std::string_view key,
                                                bool& ok) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  if (!v->is_array()) {
    ok = false;
    return out;
  }
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      ok = false;
      return out;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

void expireUnusedClients(AuthorizationServerState& s) {
  const auto now = s.deps.clock->now();
  {
    std::lock_guard lock(s.browser.expiry_mu);
    if (now - s.browser.last_client_expiry < std::chrono::minutes(1)) {
      return;
    }
    s.browser.last_client_expiry = now;
  }
  // Best effort: a failure only leaves stale registrations until the next run.
  (void)s.deps.store->expireDynamicClients(now - s.options.dynamic_client_unused_expiry);
}

// Fills `c` from the registration request; an error response if the metadata is refused.
std::optional<web::Response> readMetadata(const AuthorizationServerState& s,
                                          const boost::json::object& o, store::Client& c) {
  bool ok = true;
  auto redirect_uris = strings(o, "redirect_uris", ok);
  auto grant_types = strings(o, "grant_types", ok);
  auto response_types = strings(o, "response_types", ok);
  if (!ok) {
    return badMetadata("redirect_uris, grant_types and response_types must be arrays of strings");
  }
  c.grant_types = grant_types.value_or(std::vector<std::string>{"authorization_code"});
  c.redirect_uris = redirect_uris.value_or(std::vector<std::string>{});
  const auto* method = o.if_contains("token_endpoint_auth_method");
  if (method != nullptr && !method->is_string()) {
    return badMetadata("token_endpoint_auth_method must be a string");
  }
  // RFC 7591 §2: the default is client_secret_basic.
  c.token_endpoint_auth_method =
      method != nullptr ? std::string(method->get_string()) : "client_secret_basic";
  const bool confidential = c.token_endpoint_auth_method != "none";
  if (c.token_endpoint_auth_method != "none" &&
      c.token_endpoint_auth_method != "client_secret_basic" &&
      c.token_endpoint_auth_method != "client_secret_post") {
    return badMetadata(
        "token_endpoint_auth_method must be none, client_secret_basic or "
        "client_secret_post");
  }
  for (const auto& g : c.grant_types) {
    const bool known = g == "authorization_code" || g == "refresh_token" ||
                       (g == "client_credentials" && confidential);
    if (!known) {
      return badMetadata("grant type not allowed: " + g);
    }
  }
  if (response_types && !std::all_of(response_types->begin(), response_types->end(),
                                     [](const auto& r) { return r == "code"; })) {
    return badMetadata("response_types may only hold code");
  }
  const bool uses_redirects = isSubset({"authorization_code"}, c.grant_types);
  if (uses_redirects && c.redirect_uris.empty()) {
    return oauthError(400, "invalid_redirect_uri", "redirect_uris is required");
  }
  if (c.redirect_uris.size() > kMaxRedirectUris) {
    return oauthError(400, "invalid_redirect_uri", "at most 20 redirect_uris");
  }
  for (const auto& uri : c.redirect_uris) {
    if (auto r = checkRedirectUri(uri, s.options.allow_http_redirects_to_non_loopback); !r) {
      return oauthError(400, "invalid_redirect_uri", r.error().message);
    }
  }
  if (const auto* name = o.if_contains("client_name")) {
    if (!name->is_string() || name->get_string().size() > kMaxClientNameBytes) {
      return badMetadata("client_name must be a string of at most 200 bytes");
    }
    c.client_name = std::string(name->get_string());
  }
  c.scopes = s.options.scopes_supported;
  if (const auto* scope = o.if_contains("scope")) {
    auto scopes = scope->is_string() ? parseScope(scope->get_string()) : std::nullopt;
    if (!scopes || !isSubset(*scopes, s.options.scopes_supported)) {
      return badMetadata("scope names a scope this server does not support");
    }
    c.scopes = std::move(*scopes);
  }
  return std::nullopt;
}

std::string registrationResponse(const store::Client& c, const std::string& secret,
                                 Clock::time_point now) {
  boost::json::object o;
  o["client_id"] = c.client_id;
  o["client_id_issued_at"] =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (!secret.empty()) {
    o["client_secret"] = secret;
    o["client_secret_expires_at"] = 0;
  }
  o["token_endpoint_auth_method"] = c.token_endpoint_auth_method;
  o["redirect_uris"] = boost::json::value_from(c.redirect_uris);
  o["grant_types"] = boost::json::value_from(c.grant_types);
  o["response_types"] = boost::json::array{"code"};
  if (!c.client_name.empty()) {
    o["client_name"] = c.client_name;
  }
  o["scope"] = joinScope(c.scopes);
  return boost::json::serialize(o);
}

}  // namespace

web::Response handleRegister(AuthorizationServerState& s, const web::Request& req) {
  if (req.method != "POST") {
    return methodNotAllowed("POST");
  }
  if (!s.options.dynamic_registration) {
    return oauthError(403, "access_denied", "dynamic client registration is disabled");
  }
  if (!isJson(req)) {
    return badMetadata("the request must be application/json");
  }
  const auto now = s.deps.clock->now();
  const std::string ip_key = addressKey(req.remote_address);
  if (!s.browser.registrations_by_ip.tryAcquire(ip_key, s.options.registrations_per_ip_per_hour,
                                                std::chrono::hours(1), now)) {
    web::Response r =
        oauthError(429, "invalid_request", "too many registrations from this address");
    r.set("retry-after",
          std::to_string(s.browser.registrations_by_ip
                             .retryAfter(ip_key, s.options.registrations_per_ip_per_hour,
                                         std::chrono::hours(1), now)
                             .count()));
    return r;
  }
  expireUnusedClients(s);
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(req.body, ec);
  if (ec || !body.is_object()) {
    return badMetadata("the request body must be a JSON object");
  }
  store::Client client;
  if (auto refused = readMetadata(s, body.get_object(), client)) {
    return *refused;
  }
  client.client_id = newClientId(*s.deps.random);
  std::string secret;
  if (client.token_endpoint_auth_method != "none") {
    secret = randomToken(*s.deps.random, 32);
    client.secret_hash = hashSecret(secret);
  }
  client.source = store::ClientSource::Dynamic;
  client.created = now;
  client.last_used = now;
  if (!s.deps.store->putClient(client)) {
    return oauthError(503, "server_error", "the registration could not be stored");
  }
  return jsonResponse(201, registrationResponse(client, secret, now));
}

}  // namespace bastion::oauth
