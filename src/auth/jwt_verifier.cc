#include "auth/jwt_verifier.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <set>

#include "auth/strict_json.h"
#include "net/fetch_url.h"

namespace bastion::auth {
namespace {

using TimePoint = Clock::time_point;

constexpr std::size_t kMaxMetadataBytes = 64 * 1024;

Error configError(JwtVerifierError code, std::string message) {
  return Error(code, std::move(message));
}

bool isAbsoluteHttpUrl(std::string_view url, bool allow_http) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->has_query() || u->has_fragment() || u->has_userinfo() || u->encoded_host().empty()) {
    return false;
  }
  return u->scheme() == "https" || (allow_http && u->scheme() == "http");
}

Result<void> checkCommonOptions(const JwtVerifierOptions& o) {
  if (o.issuer.empty()) {
    return configError(JwtVerifierError::BadIssuer, "jwt: issuer is required");
  }
  if (o.audience.empty()) {
    return configError(JwtVerifierError::BadAudience, "jwt: audience is required");
  }
  if (o.allowed_algs.empty()) {
    return configError(JwtVerifierError::NoAlgorithms, "jwt: no allowed algorithms");
  }
  if (o.skew.count() < 0 || o.min_refresh_interval.count() < 0 || o.keys_max_age.count() < 0) {
    return configError(JwtVerifierError::BadInterval, "jwt: negative interval");
  }
  return {};
}

std::set<std::string> kidsOf(const JwkSet* keys) {
  std::set<std::string> out;
  if (keys != nullptr) {
    for (const auto& k : keys->keys) {
      out.insert(k.kid);
    }
  }
  return out;
}

// Where the keys come from; null for a local key set.
struct RemoteKeys {
  std::shared_ptr<net::Fetcher> fetcher;
  std::string jwks_uri;  // configured, or discovered (then guarded by the refresh mutex)
};

class JwtVerifierImpl final : public JwtVerifier {
 public:
  JwtVerifierImpl(JwtVerifierOptions options, std::unique_ptr<RemoteKeys> remote,
                  std::shared_ptr<const JwkSet> keys, const Clock& clock)
      : options_(std::move(options)),
        remote_(std::move(remote)),
        cache_(options_.cache),
        clock_(clock),
        keys_(std::move(keys)) {
    verify_.claims.issuer = options_.issuer;
    verify_.claims.audience = options_.audience;
    verify_.claims.skew = options_.skew;
    verify_.claims.required_typ = options_.required_typ;
    verify_.allowed_algs = options_.allowed_algs;
    verify_.max_token_bytes = options_.max_token_bytes;
  }

  boost::system::result<VerifiedToken, AuthError> verify(std::string_view token) override {
    const TimePoint now = clock_.now();
    if (auto hit = cache_.lookup(token, now)) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return *hit;
    }
    auto jwt = parseJwt(token, verify_.max_token_bytes);
    if (!jwt) {
      return jwt.error();
    }
    if (auto c = checkClaims(*jwt, verify_.claims, now); !c) {
      return c.error();
    }
    if (auto s = checkSignature(*jwt, now); !s) {
      return s.error();
    }
    VerifiedToken out{principalOf(*jwt), expiryOf(*jwt)};
    cache_.insert(token, out, now);
    return out;
  }

  Stats stats() const override {
    return {signature_checks_.load(std::memory_order_relaxed),
            cache_hits_.load(std::memory_order_relaxed),
            key_fetches_.load(std::memory_order_relaxed)};
  }

  void replaceKeys(std::shared_ptr<const JwkSet> keys) override {
    std::shared_ptr<const JwkSet> old;
    {
      std::lock_guard lock(keys_mu_);
      old = std::exchange(keys_, keys);
    }
    const auto before = kidsOf(old.get());
    const auto after = kidsOf(keys.get());
    if (!std::includes(after.begin(), after.end(), before.begin(), before.end())) {
      cache_.clear();
    }
  }

 private:
  std::shared_ptr<const JwkSet> currentKeys() const {
    std::lock_guard lock(keys_mu_);
    return keys_;
  }

  AuthResult<void> checkSignature(const Jwt& jwt, TimePoint now) {
    // Refused algorithms never cause a key fetch.
    const auto& allowed = verify_.allowed_algs;
    if (std::find(allowed.begin(), allowed.end(), jwt.alg) == allowed.end()) {
      return AuthError::AlgNotAllowed;
    }
    auto keys = currentKeys();
    if (remote_ && (!keys || now - keys_fetched_at_.load() > options_.keys_max_age)) {
      refresh(now);
      keys = currentKeys();
    }
    if (!keys) {
      return AuthError::KeysUnavailable;
    }
    auto r = verifyOnce(jwt, *keys);
    if (!r && r.error() == AuthError::UnknownKid && remote_ && !jwt.kid.empty() && refresh(now)) {
      keys = currentKeys();
      r = verifyOnce(jwt, *keys);
    }
    return r;
  }

  AuthResult<void> verifyOnce(const Jwt& jwt, const JwkSet& keys) {
    auto r = verifySignature(jwt, keys, verify_.allowed_algs);
    if (r || r.error() == AuthError::BadSignature) {
      signature_checks_.fetch_add(1, std::memory_order_relaxed);
    }
    return r;
  }

  // Fetches the JWK Set unless the last attempt was under min_refresh_interval ago. True if a
  // new key set is now in place.
  bool refresh(TimePoint now) {
    std::lock_guard lock(refresh_mu_);
    if (attempted_ && now - last_attempt_ < options_.min_refresh_interval) {
      return false;
    }
    attempted_ = true;
    last_attempt_ = now;
    key_fetches_.fetch_add(1, std::memory_order_relaxed);
    auto keys = fetchKeys();
    if (!keys) {
      spdlog::warn("jwt: JWK Set of {} unavailable: {}", options_.issuer, keys.error().message);
      return false;
    }
    replaceKeys(std::make_shared<const JwkSet>(std::move(*keys)));
    keys_fetched_at_.store(now);
    return true;
  }

  // Caller holds refresh_mu_.
  Result<JwkSet> fetchKeys() {
    if (remote_->jwks_uri.empty()) {
      auto uri = discoverJwksUri();
      if (!uri) {
        return uri.error();
      }
      remote_->jwks_uri = std::move(*uri);
    }
    auto body = fetchJson(remote_->jwks_uri, kMaxJwksBytes);
    if (!body) {
      return body.error();
    }
    return parseJwkSet(*body);
  }

  Result<std::string> fetchJson(const std::string& url, std::size_t max_bytes) {
    net::FetchRequest req{.url = url};
    req.headers.emplace_back("Accept", "application/json");
    req.max_bytes = max_bytes;
    auto resp = remote_->fetcher->fetch(req);
    if (!resp) {
      return resp.error();
    }
    if (resp->status != 200) {
      return Error(JwtVerifierError::BadJwksUri, "HTTP status " + std::to_string(resp->status));
    }
    return std::move(resp->body);
  }

  // The first metadata document that answers, whose issuer is ours and whose jwks_uri is an
  // absolute https URL. A document for another issuer is not skipped but refused: it means the
  // discovery URL is not the issuer's.
  Result<std::string> discoverJwksUri() {
    Error last(JwtVerifierError::BadIssuer, "no metadata document");
    for (const auto& url : discoveryUrls(options_.issuer)) {
      auto body = fetchJson(url, kMaxMetadataBytes);
      if (!body) {
        last = body.error();
        continue;
      }
      auto doc = parseStrictJsonObject(*body);
      const auto* iss = doc ? doc->if_contains("issuer") : nullptr;
      const auto* jwks = doc ? doc->if_contains("jwks_uri") : nullptr;
      if (iss == nullptr || !iss->is_string() || iss->get_string() != options_.issuer) {
        return Error(JwtVerifierError::BadIssuer, "metadata issuer does not match");
      }
      if (jwks == nullptr || !jwks->is_string() ||
          !isAbsoluteHttpUrl(std::string_view(jwks->get_string()), options_.allow_http)) {
        return Error(JwtVerifierError::BadJwksUri, "metadata jwks_uri is not https");
      }
      return std::string(jwks->get_string());
    }
    return last;
  }

  const JwtVerifierOptions options_;
  VerifyOptions verify_;
  const std::unique_ptr<RemoteKeys> remote_;  // jwks_uri GUARDED_BY(refresh_mu_)
  TokenCache cache_;
  const Clock& clock_;

  mutable std::mutex keys_mu_;
  std::shared_ptr<const JwkSet> keys_;  // GUARDED_BY(keys_mu_)
  std::atomic<TimePoint> keys_fetched_at_{TimePoint{}};

  std::mutex refresh_mu_;
  bool attempted_ = false;  // GUARDED_BY(refresh_mu_)
  TimePoint last_attempt_;  // GUARDED_BY(refresh_mu_)

  std::atomic<std::uint64_t> signature_checks_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::atomic<std::uint64_t> key_fetches_{0};
};

}  // namespace

std::vector<std::string> discoveryUrls(std::string_view issuer) {
  auto u = boost::urls::parse_absolute_uri(issuer);
  if (!u || u->has_query() || u->has_fragment() || u->encoded_host().empty()) {
    return {};
  }
  const std::string origin = std::string(u->scheme()) + "://" + std::string(u->encoded_authority());
  std::string path(u->encoded_path());
  while (!path.empty() && path.back() == '/') {
    path.pop_back();  // RFC 8414 section 3.1: a terminating "/" is removed before insertion
  }
  std::vector<std::string> out{origin + "/.well-known/oauth-authorization-server" + path,
                               origin + "/.well-known/openid-configuration" + path};
  if (!path.empty()) {
    out.push_back(origin + path + "/.well-known/openid-configuration");
  }
  return out;
}

Result<std::shared_ptr<JwtVerifier>> makeJwksVerifier(JwtVerifierOptions options,
                                                      std::shared_ptr<net::Fetcher> fetcher,
                                                      const Clock& clock) {
  if (auto r = checkCommonOptions(options); !r) {
    return r.error();
  }
  if (!isAbsoluteHttpUrl(options.issuer, options.allow_http)) {
    return configError(JwtVerifierError::BadIssuer,
                       "jwt: issuer must be an https URL without query or fragment");
  }
  if (!options.jwks_uri.empty() && !isAbsoluteHttpUrl(options.jwks_uri, options.allow_http)) {
    return configError(JwtVerifierError::BadJwksUri, "jwt: jwks_uri must be an https URL");
  }
  if (!fetcher) {
    return configError(JwtVerifierError::MissingFetcher, "jwt: no fetcher");
  }
  auto remote = std::make_unique<RemoteKeys>(RemoteKeys{std::move(fetcher), options.jwks_uri});
  return std::shared_ptr<JwtVerifier>(
      std::make_shared<JwtVerifierImpl>(std::move(options), std::move(remote), nullptr, clock));
}

Result<std::shared_ptr<JwtVerifier>> makeLocalJwtVerifier(JwtVerifierOptions options,
                                                          std::shared_ptr<const JwkSet> keys,
                                                          const Clock& clock) {
  if (auto r = checkCommonOptions(options); !r) {
    return r.error();
  }
  if (!keys) {
    return configError(JwtVerifierError::MissingKeys, "jwt: no key set");
  }
  return std::shared_ptr<JwtVerifier>(
      std::make_shared<JwtVerifierImpl>(std::move(options), nullptr, std::move(keys), clock));
}

}  // namespace bastion::auth
