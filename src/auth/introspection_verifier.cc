// RFC 7662 token introspection as a TokenVerifier, with a bounded cache of active verdicts.

#include "auth/introspection_verifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/crypto.h"
#include "core/web.h"
#include "net/fetch_url.h"

namespace bastion::auth {
namespace {

namespace json = boost::json;
using TimePoint = std::chrono::system_clock::time_point;
using Verdict = boost::system::result<VerifiedToken, AuthError>;
template <class T>
using Checked = boost::system::result<T, AuthError>;

// 9999-12-31T23:59:59Z: later dates are clamped so that time_point arithmetic cannot overflow.
constexpr std::int64_t kMaxEpochSeconds = 253'402'300'799;

// RFC 4648 §4 base64 with padding, as HTTP Basic credentials need (crypto.h has base64url).
std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      const std::uint32_t byte = j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u;
      group = (group << 8) | byte;
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kAlphabet[(group >> (18 - 6 * j)) & 63] : '=');
    }
  }
  return out;
}

// Out-parameter helpers rather than result<optional<T>>: GCC 12's -Wnull-dereference reports
// dereferences of boost::system::result as potential null dereferences in release builds.

// A NumericDate claim into `out` (nullopt if absent); false if present but not an integer.
bool readDate(const json::object& o, std::string_view name, std::optional<TimePoint>& out) {
  out.reset();
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    return true;
  }
  std::int64_t seconds = 0;
  if (v->is_int64()) {
    seconds = v->as_int64();
  } else if (v->is_uint64()) {
    seconds = kMaxEpochSeconds;  // beyond int64: certainly beyond the clamp
  } else {
    return false;
  }
  seconds = std::clamp<std::int64_t>(seconds, -kMaxEpochSeconds, kMaxEpochSeconds);
  out = TimePoint(std::chrono::seconds(seconds));
  return true;
}

// A string claim into `out` (nullopt if absent); false if present but not a string.
bool readString(const json::object& o, std::string_view name, std::optional<std::string>& out) {
  out.reset();
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    return true;
  }
  if (!v->is_string()) {
    return false;
  }
  out = std::string(v->as_string());
  return true;
}

// `aud` absent: accepted (RFC 7662 makes it optional; the authorization server vouches for the
// token). Present: a string or an array of strings, one of which is exactly our resource.
Checked<void> checkAudience(const json::object& o, std::string_view resource) {
  const json::value* aud = o.if_contains("aud");
  if (aud == nullptr) {
    return {};
  }
  if (aud->is_string()) {
    return aud->as_string() == resource ? Checked<void>() : AuthError::AudienceMismatch;
  }
  if (!aud->is_array()) {
    return AuthError::MissingClaim;
  }
  bool found = false;
  for (const auto& entry : aud->as_array()) {
    if (!entry.is_string()) {
      return AuthError::MissingClaim;
    }
    found = found || entry.as_string() == resource;
  }
  return found ? Checked<void>() : AuthError::AudienceMismatch;
}

// RFC 6749 §3.3: scope tokens separated by single spaces; empty pieces are dropped.
std::vector<std::string> splitScopes(std::string_view scope) {
  std::vector<std::string> out;
  while (!scope.empty()) {
    const auto space = scope.find(' ');
    if (space != 0) {
      out.emplace_back(scope.substr(0, space));
    }
    scope = space == std::string_view::npos ? std::string_view{} : scope.substr(space + 1);
  }
  return out;
}

// One cached active verdict.
struct Entry {
  VerifiedToken verified;
  std::optional<TimePoint> exp;  // the token's own expiry, checked on every hit
  TimePoint cache_until;         // min(exp, fetched + max_cache_lifetime)
};

class IntrospectionVerifier final : public TokenVerifier {
 public:
  IntrospectionVerifier(IntrospectionOptions options, std::shared_ptr<net::Fetcher> fetcher,
                        const Clock& clock)
      : options_(std::move(options)),
        fetcher_(std::move(fetcher)),
        clock_(clock),
        authorization_("Basic " + base64(web::formEncode(options_.client_id) + ":" +
                                         web::formEncode(options_.client_secret))) {}

  Verdict verify(std::string_view token) override {
    if (token.empty()) {
      return AuthError::MalformedToken;
    }
    if (token.size() > options_.max_token_bytes) {
      return AuthError::TokenTooLarge;
    }
    const std::string key = crypto::sha256(token);
    const TimePoint now = clock_.now();
    if (auto cached = lookup(key, now)) {
      return *cached;
    }
    Entry entry;
    if (auto asked = introspect(token, now, entry); !asked) {
      return asked.error();
    }
    remember(key, entry, now);
    return entry.verified;
  }

 private:
  std::optional<Verdict> lookup(const std::string& key, TimePoint now) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      return std::nullopt;
    }
    // The token's own expiry is final: no need to ask again whether it is still active.
    if (it->second.exp && *it->second.exp + options_.clock_skew <= now) {
      cache_.erase(it);
      return Verdict(AuthError::Expired);
    }
    if (now >= it->second.cache_until) {
      cache_.erase(it);
      return std::nullopt;
    }
    return Verdict(it->second.verified);
  }

  void remember(const std::string& key, const Entry& entry, TimePoint now) {
    std::lock_guard<std::mutex> lock(mu_);
    if (options_.max_cache_entries == 0) {
      return;
    }
    if (cache_.size() >= options_.max_cache_entries && !cache_.contains(key)) {
      makeRoom(now);
    }
    cache_.insert_or_assign(key, entry);
  }

  // Drops stale entries, then the one closest to going stale. O(n), only when full; entries
  // come only from tokens the authorization server called active.
  void makeRoom(TimePoint now) {  // REQUIRES(mu_)
    std::erase_if(cache_, [now](const auto& kv) { return kv.second.cache_until <= now; });
    if (cache_.size() >= options_.max_cache_entries) {
      cache_.erase(std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
        return a.second.cache_until < b.second.cache_until;
      }));
    }
  }

  net::FetchRequest request(std::string_view token) const {
    return net::FetchRequest{
        .url = options_.endpoint,
        .method = "POST",
        .headers = {{"Authorization", authorization_},
                    {"Content-Type", "application/x-www-form-urlencoded"},
                    {"Accept", "application/json"}},
        .body = "token=" + web::formEncode(token) + "&token_type_hint=access_token",
        .timeout = options_.timeout,
        .max_bytes = options_.max_response_bytes};
  }

  // Asks the endpoint. Every way of not getting a well-formed answer is IntrospectionFailed.
  // (Out-parameter rather than result<Entry, AuthError>, whose value() would need a
  // throw_exception_from_error overload for AuthError.)
  Checked<void> introspect(std::string_view token, TimePoint now, Entry& entry) const {
    auto answer = fetcher_->fetch(request(token));
    if (!answer) {
      spdlog::warn("introspection request failed: {}", answer.error().message);
      return AuthError::IntrospectionFailed;
    }
    const net::FetchResponse& response = answer.value();
    if (response.status != 200) {
      spdlog::warn("introspection endpoint answered HTTP {}", response.status);
      return AuthError::IntrospectionFailed;
    }
    boost::system::error_code ec;
    json::value doc = json::parse(response.body, ec);
    if (ec || !doc.is_object()) {
      spdlog::warn("introspection endpoint answered something other than a JSON object");
      return AuthError::IntrospectionFailed;
    }
    return judge(doc.as_object(), now, entry);
  }

  Checked<void> judge(const json::object& o, TimePoint now, Entry& entry) const {
    const json::value* active = o.if_contains("active");
    if (active == nullptr || !active->is_bool()) {
      return AuthError::IntrospectionFailed;  // `active` is REQUIRED (RFC 7662 §2.2)
    }
    if (!active->as_bool()) {
      return AuthError::InactiveToken;
    }
    std::optional<TimePoint> exp;
    if (!readDate(o, "exp", exp)) {
      return AuthError::MissingClaim;
    }
    if (auto timing = checkTimes(o, exp, now); !timing) {
      return timing.error();
    }
    if (auto aud = checkAudience(o, options_.resource); !aud) {
      return aud.error();
    }
    if (auto principal = makePrincipal(o, entry.verified.principal); !principal) {
      return principal.error();
    }
    entry.exp = exp;
    entry.cache_until = now + options_.max_cache_lifetime;
    if (exp) {
      entry.cache_until = std::min(entry.cache_until, *exp);
    }
    entry.verified.expires = entry.cache_until;
    return {};
  }

  Checked<void> checkTimes(const json::object& o, const std::optional<TimePoint>& exp,
                           TimePoint now) const {
    if (exp && *exp + options_.clock_skew <= now) {
      return AuthError::Expired;
    }
    std::optional<TimePoint> nbf;
    if (!readDate(o, "nbf", nbf)) {
      return AuthError::MissingClaim;
    }
    if (nbf && *nbf - options_.clock_skew > now) {
      return AuthError::NotYetValid;
    }
    return {};
  }

  Checked<void> makePrincipal(const json::object& o, Principal& p) const {
    std::optional<std::string> iss, sub, client_id, scope, type;
    if (!readString(o, "iss", iss) || !readString(o, "sub", sub) ||
        !readString(o, "client_id", client_id) || !readString(o, "scope", scope) ||
        !readString(o, "token_type", type) || !sub || sub->empty()) {
      return AuthError::MissingClaim;
    }
    if (!options_.issuer.empty() && !iss) {
      return AuthError::MissingClaim;
    }
    if (!options_.issuer.empty() && *iss != options_.issuer) {
      return AuthError::IssuerMismatch;
    }
    // A refresh token is not an access token, whatever the endpoint says about its activity.
    if (type && *type == "refresh_token") {
      return AuthError::WrongTokenType;
    }
    p.iss = iss.value_or(options_.endpoint);  // no iss: the endpoint names the authority
    p.sub = *sub;
    p.client_id = client_id.value_or("");
    p.scopes = splitScopes(scope.value_or(""));
    return {};
  }

  const IntrospectionOptions options_;
  const std::shared_ptr<net::Fetcher> fetcher_;
  const Clock& clock_;
  const std::string authorization_;  // "Basic ..." built once
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // GUARDED_BY(mu_); key: SHA-256 of the token
};

}  // namespace

Result<std::unique_ptr<TokenVerifier>> makeIntrospectionVerifier(
    IntrospectionOptions options, std::shared_ptr<net::Fetcher> fetcher, const Clock& clock) {
  const net::FetchPolicy any_scheme{.allow_http = true, .allow_private_addresses = true};
  if (!net::parseFetchUrl(options.endpoint, any_scheme)) {
    return Error(IntrospectionConfigError::InvalidEndpoint,
                 "auth.introspection endpoint must be an absolute http(s) URL");
  }
  if (options.client_id.empty() || options.client_secret.empty()) {
    return Error(IntrospectionConfigError::MissingCredentials,
                 "auth.introspection needs a client id and a client secret");
  }
  if (options.resource.empty()) {
    return Error(IntrospectionConfigError::MissingResource,
                 "auth.introspection needs the canonical resource URI");
  }
  if (!fetcher) {
    return Error(IntrospectionConfigError::MissingFetcher, "auth.introspection needs a fetcher");
  }
  return std::unique_ptr<TokenVerifier>(
      std::make_unique<IntrospectionVerifier>(std::move(options), std::move(fetcher), clock));
}

}  // namespace bastion::auth
