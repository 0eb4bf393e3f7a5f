#include "auth/jwt_verifier.h"

#include <algorithm>
#include <atomic>
#include <boost/url/parse.hpp>
#include <mutex>
#include <set>
#include <shared_mutex>

#include "auth/jwks_source.h"

namespace bastion::auth {
namespace {

using TimePoint = Clock::time_point;

Error configError(JwtVerifierError code, std::string message) {
  return Error(code, std::move(message));
}

// An absolute https (or, when allowed, http) URL without fragment or userinfo; a query only when
// `allow_query` (an issuer identifier has none, RFC 8414 section 2).
bool isAbsoluteHttpUrl(std::string_view url, bool allow_http, bool allow_query) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || (u->has_query() && !allow_query) || u->has_fragment() || u->has_userinfo() ||
      u->encoded_host().empty()) {
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

class JwtVerifierImpl final : public JwtVerifier {
 public:
  // Remote keys when `fetcher` is given, else the fixed `keys`.
  JwtVerifierImpl(JwtVerifierOptions options, std::shared_ptr<const JwkSet> keys,
                  std::shared_ptr<net::Fetcher> fetcher, const Clock& clock)
      : options_(std::move(options)),
        cache_(options_.cache),
        clock_(clock),
        keys_(std::move(keys)) {
    verify_.claims.issuer = options_.issuer;
    verify_.claims.audience = options_.audience;
    verify_.claims.skew = options_.skew;
    verify_.claims.required_typ = options_.required_typ;
    verify_.allowed_algs = options_.allowed_algs;
    verify_.max_token_bytes = options_.max_token_bytes;
    if (fetcher) {
      // Every member the callback touches is initialised above.
      source_ = std::make_unique<JwksSource>(
          JwksSourceOptions{options_.issuer, options_.jwks_uri, options_.allow_http,
                            options_.min_refresh_interval, options_.fetch_in_background},
          std::move(fetcher),
          [this](JwkSet fetched) {
            replaceKeys(std::make_shared<const JwkSet>(std::move(fetched)));
            keys_fetched_at_.store(clock_.now());
          },
          clock_);
    }
  }

  boost::system::result<VerifiedToken, AuthError> verify(std::string_view token) override {
    return check(token, nullptr);
  }
  boost::system::result<VerifiedToken, AuthError> verifyWithMemo(std::string_view token,
                                                                 TokenMemo& memo) override {
    return check(token, &memo);
  }

  Stats stats() const override {
    return {signature_checks_.load(std::memory_order_relaxed),
            cache_hits_.load(std::memory_order_relaxed), source_ ? source_->fetches() : 0};
  }

  void replaceKeys(std::shared_ptr<const JwkSet> keys) override {
    const auto after = kidsOf(keys.get());
    std::unique_lock replacing(replace_mu_);
    std::shared_ptr<const JwkSet> old;
    {
      std::lock_guard lock(keys_mu_);
      old = std::exchange(keys_, std::move(keys));
    }
    const auto before = kidsOf(old.get());
    if (!std::includes(after.begin(), after.end(), before.begin(), before.end())) {
      withdrawals_.fetch_add(1);
      cache_.clear();  // also ends every connection's memo: a withdrawn key stops working at once
    }
  }

  Result<void> refreshKeys() override { return source_ ? source_->fetchNow() : Result<void>(); }

 private:
  // A memo hit counts as a cache hit.
  boost::system::result<VerifiedToken, AuthError> check(std::string_view token, TokenMemo* memo) {
    const TimePoint now = clock_.now();
    if (auto hit = cache_.lookup(token, now, memo)) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return std::move(*hit);
    }
    auto jwt = parseJwt(token, verify_.max_token_bytes);
    if (!jwt) {
      return jwt.error();
    }
    if (auto c = checkClaims(*jwt, verify_.claims, now); !c) {
      return c.error();
    }
    const std::uint64_t generation = withdrawals_.load();
    if (auto s = checkSignature(*jwt, now); !s) {
      return s.error();
    }
    VerifiedToken out{principalOf(*jwt), expiryOf(*jwt)};
    {
      // Not remembered if a key was withdrawn meanwhile: it may be the one that verified it.
      // The shared lock keeps a withdrawal (and its cache flush) from interleaving.
      std::shared_lock lock(replace_mu_);
      if (withdrawals_.load() == generation) {
        cache_.insert(token, out, now, memo);
      }
    }
    return out;
  }

  std::shared_ptr<const JwkSet> currentKeys() const {
    std::lock_guard lock(keys_mu_);
    return keys_;
  }

  // Holding no keys (start-up), the request waits for a fetch: there is nothing else to do.
  // Otherwise refreshes are asked for without waiting; with background fetching off they run
  // inline and an unknown kid is retried against the new set.
  AuthResult<void> checkSignature(const Jwt& jwt, TimePoint now) {
    // Refused algorithms never cause a key fetch.
    const auto& allowed = verify_.allowed_algs;
    if (std::find(allowed.begin(), allowed.end(), jwt.alg) == allowed.end()) {
      return AuthError::AlgNotAllowed;
    }
    auto keys = currentKeys();
    if (source_ && !keys) {
      source_->refresh(JwksSource::Wait::Yes);
      keys = currentKeys();
    } else if (source_ && now - keys_fetched_at_.load() > options_.keys_max_age) {
      source_->refresh(JwksSource::Wait::No);
      keys = currentKeys();
    }
    if (!keys) {
      return AuthError::KeysUnavailable;
    }
    auto r = verifyOnce(jwt, *keys);
    if (!r && r.error() == AuthError::UnknownKid && source_ && !jwt.kid.empty() &&
        source_->refresh(JwksSource::Wait::No)) {
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

  const JwtVerifierOptions options_;
  VerifyOptions verify_;
  TokenCache cache_;
  const Clock& clock_;

  mutable std::mutex keys_mu_;
  std::shared_ptr<const JwkSet> keys_;  // GUARDED_BY(keys_mu_)
  std::atomic<TimePoint> keys_fetched_at_{TimePoint{}};

  std::shared_mutex replace_mu_;               // replaceKeys exclusive; caching a verdict shared
  std::atomic<std::uint64_t> withdrawals_{0};  // key sets that dropped a kid
  std::atomic<std::uint64_t> signature_checks_{0};
  std::atomic<std::uint64_t> cache_hits_{0};

  // Last: destroyed first, so its thread stops before the members its callback touches.
  std::unique_ptr<JwksSource> source_;
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
  if (!isAbsoluteHttpUrl(options.issuer, options.allow_http, false)) {
    return configError(JwtVerifierError::BadIssuer,
                       "jwt: issuer must be an https URL without query or fragment");
  }
  if (!options.jwks_uri.empty() && !isAbsoluteHttpUrl(options.jwks_uri, options.allow_http, true)) {
    return configError(JwtVerifierError::BadJwksUri, "jwt: jwks_uri must be an https URL");
  }
  if (!fetcher) {
    return configError(JwtVerifierError::MissingFetcher, "jwt: no fetcher");
  }
  return std::shared_ptr<JwtVerifier>(
      std::make_shared<JwtVerifierImpl>(std::move(options), nullptr, std::move(fetcher), clock));
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
      std::make_shared<JwtVerifierImpl>(std::move(options), std::move(keys), nullptr, clock));
}

}  // namespace bastion::auth
