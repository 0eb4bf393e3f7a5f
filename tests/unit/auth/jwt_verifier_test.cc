// The auth.mode="jwt" verifier: keys from a JWK Set found by discovery or configured, fetched
// through a fake Fetcher, refreshed on an unknown kid at a bounded rate; cached verdicts; and
// the local-key-set verifier with atomic key replacement.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "auth/jwt_verifier.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "auth/token_memo.h"
#include "unit/auth/jwt_test_keys.h"

namespace bastion::auth {
namespace {

using namespace testing;  // NOLINT: test helpers
using std::chrono::seconds;

constexpr std::string_view kJwksUri = "https://issuer.example/jwks";

// Serves fixed bodies by URL and counts requests; anything else is a 404.
class FakeFetcher final : public net::Fetcher {
 public:
  Result<net::FetchResponse> fetch(const net::FetchRequest& req) override {
    std::lock_guard lock(mu_);
    ++counts_[req.url];
    if (fail_) {
      return Error(net::FetchError::ConnectFailed, "unreachable");
    }
    auto it = bodies_.find(req.url);
    if (it == bodies_.end()) {
      return net::FetchResponse{.status = 404};
    }
    return net::FetchResponse{.status = 200, .body = it->second};
  }
  void serve(std::string url, std::string body) {
    std::lock_guard lock(mu_);
    bodies_[std::move(url)] = std::move(body);
  }
  void setFailing(bool f) {
    std::lock_guard lock(mu_);
    fail_ = f;
  }
  int count(const std::string& url) {
    std::lock_guard lock(mu_);
    return counts_[url];
  }
  int total() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [url, c] : counts_) {
      n += c;
    }
    return n;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> bodies_;
  std::map<std::string, int> counts_;
  bool fail_ = false;
};

JwtVerifierOptions remoteOptions() {
  JwtVerifierOptions o;
  o.issuer = std::string(kIssuer);
  o.audience = std::string(kAudience);
  o.jwks_uri = std::string(kJwksUri);
  o.fetch_in_background = false;  // deterministic: refreshes run inline (background: see below)
  return o;
}

struct Fixture {
  ManualClock clock;
  std::shared_ptr<FakeFetcher> fetcher = std::make_shared<FakeFetcher>();
  std::shared_ptr<JwtVerifier> verifier;

  explicit Fixture(JwtVerifierOptions o = remoteOptions()) {
    fetcher->serve(std::string(kJwksUri), jwksOf({jwkOf(ecKey()), jwkOf(rsaKey())}));
    auto v = makeJwksVerifier(std::move(o), fetcher, clock);
    verifier = v ? *v : nullptr;
  }
  std::string token(const TestKey& k) { return sign(k, validClaims(clock.now())); }
  AuthError errorOf(std::string_view t) {
    auto r = verifier->verify(t);
    return r ? static_cast<AuthError>(0) : r.error();
  }
};

TEST(JwtVerifier, VerifiesWithConfiguredJwksUri) {
  // A valid ES256 token verifies; the Principal carries iss, sub, client_id and scopes.
  Fixture f;
  ASSERT_TRUE(f.verifier);
  auto r = f.verifier->verify(f.token(ecKey()));
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(r->principal.iss, kIssuer);
  EXPECT_EQ(r->principal.sub, "alice");
  EXPECT_EQ(r->principal.client_id, "client-1");
  EXPECT_EQ(r->principal.scopes, (std::vector<std::string>{"files:read", "files:write"}));
  EXPECT_EQ(r->expires, f.clock.now() + seconds(300));
  EXPECT_EQ(f.fetcher->count(std::string(kJwksUri)), 1);
}

TEST(JwtVerifier, SecondVerifySkipsSignatureWork) {
  // The hot path: the same token again is a cache hit, no signature check and no fetch.
  Fixture f;
  const std::string t = f.token(rsaKey());
  ASSERT_TRUE(f.verifier->verify(t));
  ASSERT_TRUE(f.verifier->verify(t));
  ASSERT_TRUE(f.verifier->verify(t));
  const auto s = f.verifier->stats();
  EXPECT_EQ(s.signature_checks, 1u);
  EXPECT_EQ(s.cache_hits, 2u);
  EXPECT_EQ(s.key_fetches, 1u);
}

TEST(JwtVerifier, ExpiredCachedTokenIsRefused) {
  // A cached token stops working when it expires: the cache misses and the claims check says
  // Expired.
  Fixture f;
  const std::string t = f.token(ecKey());
  ASSERT_TRUE(f.verifier->verify(t));
  f.clock.advance(seconds(300 + 60));
  EXPECT_EQ(f.errorOf(t), AuthError::Expired);
  EXPECT_EQ(f.verifier->stats().cache_hits, 0u);
}

TEST(JwtVerifier, RejectsUnknownKid) {
  // A token whose kid is in no published key is refused, even after a refetch.
  Fixture f;
  auto header = headerFor(ecKey());
  header["kid"] = "invented";
  EXPECT_EQ(f.errorOf(sign(ecKey(), header, validClaims(f.clock.now()))), AuthError::UnknownKid);
}

TEST(JwtVerifier, UnknownKidRefetchIsRateBounded) {
  // A flood of invented kids causes at most one JWKS fetch per min_refresh_interval.
  Fixture f;
  ASSERT_TRUE(f.verifier->verify(f.token(ecKey())));  // first fetch
  auto header = headerFor(ecKey());
  for (int i = 0; i < 50; ++i) {
    header["kid"] = "invented-" + std::to_string(i);
    EXPECT_EQ(f.errorOf(sign(ecKey(), header, validClaims(f.clock.now()))), AuthError::UnknownKid);
  }
  EXPECT_EQ(f.fetcher->count(std::string(kJwksUri)), 1);
  f.clock.advance(seconds(30));
  for (int i = 0; i < 50; ++i) {
    header["kid"] = "again-" + std::to_string(i);
    EXPECT_EQ(f.errorOf(sign(ecKey(), header, validClaims(f.clock.now()))), AuthError::UnknownKid);
  }
  EXPECT_EQ(f.fetcher->count(std::string(kJwksUri)), 2);
  EXPECT_EQ(f.verifier->stats().key_fetches, 2u);
}

TEST(JwtVerifier, PicksUpARotatedKeyOnUnknownKid) {
  // The issuer publishes a new key: a token with its kid triggers one refetch and verifies.
  Fixture f;
  ASSERT_TRUE(f.verifier->verify(f.token(ecKey())));
  f.fetcher->serve(std::string(kJwksUri), jwksOf({jwkOf(ecKey()), jwkOf(edKey())}));
  f.clock.advance(seconds(31));
  auto r = f.verifier->verify(f.token(edKey()));
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(f.fetcher->count(std::string(kJwksUri)), 2);
}

TEST(JwtVerifier, KeysUnavailableFailsClosed) {
  // No JWKS can be fetched: every token is refused with KeysUnavailable.
  Fixture f;
  f.fetcher->setFailing(true);
  EXPECT_EQ(f.errorOf(f.token(ecKey())), AuthError::KeysUnavailable);
}

TEST(JwtVerifier, RefusesJwksWithPrivateKeyMaterial) {
  // An issuer that publishes a private key is not trusted at all (keys unavailable).
  Fixture f;
  auto leaked = boost::json::parse(jwkOf(ecKey())).as_object();
  leaked["d"] = "AAAA";
  f.fetcher->serve(std::string(kJwksUri), jwksOf({boost::json::serialize(leaked)}));
  EXPECT_EQ(f.errorOf(f.token(ecKey())), AuthError::KeysUnavailable);
}

TEST(JwtVerifier, KeepsKnownKeysWhenARefreshFails) {
  // Once keys are held, a failing refetch does not drop them.
  Fixture f;
  ASSERT_TRUE(f.verifier->verify(f.token(ecKey())));
  f.fetcher->setFailing(true);
  f.clock.advance(seconds(3601));
  auto r = f.verifier->verify(f.token(rsaKey()));
  EXPECT_TRUE(r);
  EXPECT_EQ(f.verifier->stats().key_fetches, 2u);
}

TEST(JwtVerifier, RefetchesKeysOlderThanMaxAge) {
  // Keys older than keys_max_age are fetched again on the next verification.
  Fixture f;
  ASSERT_TRUE(f.verifier->verify(f.token(ecKey())));
  f.clock.advance(seconds(3601));
  ASSERT_TRUE(f.verifier->verify(f.token(ecKey())));
  EXPECT_EQ(f.fetcher->count(std::string(kJwksUri)), 2);
}

TEST(JwtVerifier, TokenForAnotherIssuerCausesNoFetch) {
  // Claims are checked before keys are needed: foreign tokens never reach the network.
  JwtVerifierOptions o = remoteOptions();
  Fixture f(o);
  auto claims = validClaims(f.clock.now());
  claims["iss"] = "https://evil.example";
  EXPECT_EQ(f.errorOf(sign(ecKey(), claims)), AuthError::IssuerMismatch);
  claims = validClaims(f.clock.now());
  claims["aud"] = "https://other.example/mcp";
  EXPECT_EQ(f.errorOf(sign(ecKey(), claims)), AuthError::AudienceMismatch);
  EXPECT_EQ(f.fetcher->total(), 0);
}

TEST(JwtVerifier, RejectsAlgNoneWithoutFetching) {
  // alg none is refused before any key lookup.
  Fixture f;
  const std::string t = rawToken(R"({"alg":"none","kid":"ec-1"})",
                                 boost::json::serialize(validClaims(f.clock.now())), "");
  EXPECT_EQ(f.errorOf(t), AuthError::AlgNotAllowed);
  EXPECT_EQ(f.fetcher->total(), 0);
}

TEST(JwtVerifier, RequiredTypIsEnforced) {
  // With required_typ at+jwt, an ID-token-like typ JWT is refused.
  JwtVerifierOptions o = remoteOptions();
  o.required_typ = "at+jwt";
  Fixture f(o);
  EXPECT_TRUE(f.verifier->verify(f.token(ecKey())));
  auto header = headerFor(ecKey());
  header["typ"] = "JWT";
  EXPECT_EQ(f.errorOf(sign(ecKey(), header, validClaims(f.clock.now()))),
            AuthError::WrongTokenType);
}

TEST(JwtDiscovery, MetadataUrlsFollowPathInsertion) {
  // RFC 8414 path insertion first, then OpenID (inserted, then appended); no path: two URLs.
  EXPECT_EQ(
      discoveryUrls("https://as.example/tenant1/"),
      (std::vector<std::string>{"https://as.example/.well-known/oauth-authorization-server/tenant1",
                                "https://as.example/.well-known/openid-configuration/tenant1",
                                "https://as.example/tenant1/.well-known/openid-configuration"}));
  EXPECT_EQ(
      discoveryUrls("https://as.example:8443"),
      (std::vector<std::string>{"https://as.example:8443/.well-known/oauth-authorization-server",
                                "https://as.example:8443/.well-known/openid-configuration"}));
  EXPECT_TRUE(discoveryUrls("https://as.example/?q=1").empty());
  EXPECT_TRUE(discoveryUrls("https://as.example/#f").empty());
  EXPECT_TRUE(discoveryUrls("not a url").empty());
}

JwtVerifierOptions discoveryOptions(std::string issuer) {
  JwtVerifierOptions o = remoteOptions();
  o.issuer = std::move(issuer);
  o.jwks_uri.clear();
  return o;
}

std::string metadata(std::string_view issuer, std::string_view jwks_uri) {
  return boost::json::serialize(boost::json::object{{"issuer", issuer}, {"jwks_uri", jwks_uri}});
}

TEST(JwtDiscovery, FindsJwksThroughRfc8414Metadata) {
  // An issuer with a path: the path-inserted OAuth metadata names the JWKS.
  const std::string issuer = "https://as.example/tenant1";
  Fixture f(discoveryOptions(issuer));
  f.fetcher->serve("https://as.example/.well-known/oauth-authorization-server/tenant1",
                   metadata(issuer, "https://as.example/keys"));
  f.fetcher->serve("https://as.example/keys", jwksOf({jwkOf(ecKey())}));
  auto claims = validClaims(f.clock.now());
  claims["iss"] = issuer;
  auto r = f.verifier->verify(sign(ecKey(), claims));
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(f.fetcher->count("https://as.example/.well-known/openid-configuration/tenant1"), 0);
}

TEST(JwtDiscovery, FallsBackToOpenIdConfiguration) {
  // No OAuth metadata (404): OpenID discovery, path appended, is used.
  const std::string issuer = "https://as.example/realms/x";
  Fixture f(discoveryOptions(issuer));
  f.fetcher->serve("https://as.example/realms/x/.well-known/openid-configuration",
                   metadata(issuer, "https://as.example/certs"));
  f.fetcher->serve("https://as.example/certs", jwksOf({jwkOf(rsaKey())}));
  auto claims = validClaims(f.clock.now());
  claims["iss"] = issuer;
  auto r = f.verifier->verify(sign(rsaKey(), claims));
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(f.fetcher->count("https://as.example/.well-known/oauth-authorization-server/realms/x"),
            1);
}

TEST(JwtDiscovery, RejectsMetadataForAnotherIssuer) {
  // A metadata document whose issuer differs from ours (mix-up) yields no keys.
  const std::string issuer = "https://as.example";
  Fixture f(discoveryOptions(issuer));
  f.fetcher->serve("https://as.example/.well-known/oauth-authorization-server",
                   metadata("https://evil.example", "https://as.example/keys"));
  f.fetcher->serve("https://as.example/keys", jwksOf({jwkOf(ecKey())}));
  auto claims = validClaims(f.clock.now());
  claims["iss"] = issuer;
  auto t = sign(ecKey(), claims);
  EXPECT_EQ(f.errorOf(t), AuthError::KeysUnavailable);
  EXPECT_EQ(f.fetcher->count("https://as.example/keys"), 0);
}

TEST(JwtDiscovery, RejectsNonHttpsJwksUri) {
  // A discovered jwks_uri over http (or not a URL) is not fetched.
  const std::string issuer = "https://as.example";
  for (const std::string uri : {"http://as.example/keys", "/keys", "file:///etc/keys"}) {
    Fixture f(discoveryOptions(issuer));
    f.fetcher->serve("https://as.example/.well-known/oauth-authorization-server",
                     metadata(issuer, uri));
    auto claims = validClaims(f.clock.now());
    claims["iss"] = issuer;
    EXPECT_EQ(f.errorOf(sign(ecKey(), claims)), AuthError::KeysUnavailable) << uri;
    EXPECT_EQ(f.fetcher->total(), 1) << uri;
  }
}

TEST(JwtVerifierOptionsTest, InvalidOptionsAreRefusedAtCreation) {
  // Missing issuer/audience/algorithms, non-https URLs or a missing fetcher fail creation.
  ManualClock clock;
  auto fetcher = std::make_shared<FakeFetcher>();
  auto expectError = [&](JwtVerifierOptions o, JwtVerifierError e) {
    auto v = makeJwksVerifier(std::move(o), fetcher, clock);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, static_cast<int>(e));
  };
  auto o = remoteOptions();
  o.issuer.clear();
  expectError(o, JwtVerifierError::BadIssuer);
  o = remoteOptions();
  o.issuer = "http://issuer.example";
  expectError(o, JwtVerifierError::BadIssuer);
  o = remoteOptions();
  o.audience.clear();
  expectError(o, JwtVerifierError::BadAudience);
  o = remoteOptions();
  o.allowed_algs.clear();
  expectError(o, JwtVerifierError::NoAlgorithms);
  o = remoteOptions();
  o.jwks_uri = "http://issuer.example/jwks";
  expectError(o, JwtVerifierError::BadJwksUri);
  auto none = makeJwksVerifier(remoteOptions(), nullptr, clock);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, static_cast<int>(JwtVerifierError::MissingFetcher));
  auto local = makeLocalJwtVerifier(remoteOptions(), nullptr, clock);
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().code, static_cast<int>(JwtVerifierError::MissingKeys));
}

// Serves one JWK Set; while closed, a fetch blocks until the test opens the gate.
class GatedFetcher final : public net::Fetcher {
 public:
  Result<net::FetchResponse> fetch(const net::FetchRequest&) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    return net::FetchResponse{.status = 200, .body = body_};
  }
  void setBody(std::string body) {
    std::lock_guard lock(mu_);
    body_ = std::move(body);
  }
  void setOpen(bool open) {
    std::lock_guard lock(mu_);
    open_ = open;
    cv_.notify_all();
  }
  // Bounded wait (synchronisation with the verifier's thread, not a sleep): true once `n`
  // fetches have started.
  bool awaitEntered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string body_;
  bool open_ = true;
  int entered_ = 0;
};

TEST(JwtVerifier, UnknownKidRefreshDoesNotBlockTheRequest) {
  // With background fetching, a request with a new kid is answered at once (UnknownKid) while
  // the refetch waits on the network; once it lands, the new key verifies.
  ManualClock clock;
  auto fetcher = std::make_shared<GatedFetcher>();
  fetcher->setBody(jwksOf({jwkOf(ecKey())}));
  JwtVerifierOptions o = remoteOptions();
  o.fetch_in_background = true;
  auto v = makeJwksVerifier(o, fetcher, clock);
  ASSERT_TRUE(v);
  ASSERT_TRUE((*v)->verify(sign(ecKey(), validClaims(clock.now()))));  // start-up fetch, inline

  fetcher->setOpen(false);
  fetcher->setBody(jwksOf({jwkOf(ecKey()), jwkOf(edKey())}));
  clock.advance(seconds(31));
  const std::string ed_token = sign(edKey(), validClaims(clock.now()));
  auto answer = std::async(std::launch::async, [&] { return (*v)->verify(ed_token); });
  const bool answered = answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  EXPECT_TRUE(answered) << "verify waited for the network";
  EXPECT_TRUE(fetcher->awaitEntered(2));
  fetcher->setOpen(true);
  ASSERT_FALSE(answer.get());
  ASSERT_TRUE((*v)->refreshKeys());  // serialised behind the background fetch
  auto r = (*v)->verify(ed_token);
  EXPECT_TRUE(r) << toString(r.error());
}

TEST(JwtVerifier, RefreshKeysFetchesAtStartup) {
  // refreshKeys() fetches at once and reports failure, so serve can fail fast.
  ManualClock clock;
  auto fetcher = std::make_shared<FakeFetcher>();
  auto v = makeJwksVerifier(remoteOptions(), fetcher, clock);
  ASSERT_TRUE(v);
  EXPECT_FALSE((*v)->refreshKeys());
  fetcher->serve(std::string(kJwksUri), jwksOf({jwkOf(ecKey())}));
  EXPECT_TRUE((*v)->refreshKeys());
  EXPECT_TRUE((*v)->verify(sign(ecKey(), validClaims(clock.now()))));
  EXPECT_EQ(fetcher->count(std::string(kJwksUri)), 2);
}

TEST(LocalJwtVerifier, VerifiesAgainstTheGivenKeysAndReplacesThemAtomically) {
  // The embedded server's key set: tokens by a withdrawn key stop working at once, even cached.
  ManualClock clock;
  auto keys = std::make_shared<const JwkSet>(keySetOf({jwkOf(ecKey()), jwkOf(edKey())}));
  auto v = makeLocalJwtVerifier(remoteOptions(), keys, clock);
  ASSERT_TRUE(v);
  const std::string ec_token = sign(ecKey(), validClaims(clock.now()));
  const std::string ed_token = sign(edKey(), validClaims(clock.now()));
  ASSERT_TRUE((*v)->verify(ec_token));
  ASSERT_TRUE((*v)->verify(ed_token));
  (*v)->replaceKeys(std::make_shared<const JwkSet>(keySetOf({jwkOf(edKey())})));
  auto r = (*v)->verify(ec_token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), AuthError::UnknownKid);
  EXPECT_TRUE((*v)->verify(ed_token));
}

TEST(LocalJwtVerifier, WithdrawnKeyEndsTheConnectionsMemo) {
  // A connection that memoised a token signed by a key that is then withdrawn gets the token
  // refused on its next request: the memo does not outlive the key.
  ManualClock clock;
  auto keys = std::make_shared<const JwkSet>(keySetOf({jwkOf(ecKey()), jwkOf(edKey())}));
  auto v = makeLocalJwtVerifier(remoteOptions(), keys, clock);
  ASSERT_TRUE(v);
  const std::string token = sign(ecKey(), validClaims(clock.now()));
  TokenMemo memo;
  ASSERT_TRUE((*v)->verifyWithMemo(token, memo));
  ASSERT_TRUE((*v)->verifyWithMemo(token, memo));
  EXPECT_EQ((*v)->stats().signature_checks, 1u);
  EXPECT_EQ((*v)->stats().cache_hits, 1u);  // the memo's answer counts as a cache hit
  (*v)->replaceKeys(std::make_shared<const JwkSet>(keySetOf({jwkOf(edKey())})));
  auto r = (*v)->verifyWithMemo(token, memo);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), AuthError::UnknownKid);
}

TEST(LocalJwtVerifier, AddingAKeyKeepsCachedVerdicts) {
  // Publishing an extra key (rotation ahead of use) does not flush the cache.
  ManualClock clock;
  auto v = makeLocalJwtVerifier(remoteOptions(),
                                std::make_shared<const JwkSet>(keySetOf({jwkOf(ecKey())})), clock);
  ASSERT_TRUE(v);
  const std::string t = sign(ecKey(), validClaims(clock.now()));
  ASSERT_TRUE((*v)->verify(t));
  (*v)->replaceKeys(std::make_shared<const JwkSet>(keySetOf({jwkOf(ecKey()), jwkOf(edKey())})));
  ASSERT_TRUE((*v)->verify(t));
  EXPECT_EQ((*v)->stats().cache_hits, 1u);
  EXPECT_EQ((*v)->stats().key_fetches, 0u);
}

TEST(LocalJwtVerifier, ConcurrentVerifyAndReplaceIsSafe) {
  // Verifications on several threads while keys are replaced (meaningful under TSan/ASan).
  ManualClock clock;
  auto set = [] {
    return std::make_shared<const JwkSet>(keySetOf({jwkOf(ecKey()), jwkOf(edKey())}));
  };
  auto v = makeLocalJwtVerifier(remoteOptions(), set(), clock);
  ASSERT_TRUE(v);
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i) {
    auto claims = validClaims(clock.now());
    claims["jti"] = std::to_string(i);
    tokens.push_back(sign(i % 2 ? ecKey() : edKey(), claims));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!(*v)->verify(tokens[static_cast<std::size_t>(i) % tokens.size()])) {
          ++failures;
        }
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    (*v)->replaceKeys(set());
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace bastion::auth
