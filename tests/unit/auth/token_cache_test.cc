// The verified-token cache: bounded lifetime (token exp and a cap), bounded size with LRU
// eviction, keyed by token hash; and the caching verifier that skips repeated verification.
#include "auth/token_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace bastion::auth {
namespace {

using std::chrono::seconds;

VerifiedToken verdict(Clock::time_point expires, std::string sub = "alice") {
  VerifiedToken v;
  v.principal.iss = "https://issuer.example";
  v.principal.sub = std::move(sub);
  v.expires = expires;
  return v;
}

TEST(TokenCache, HitUntilTheTokenExpires) {
  // An entry is returned until the token's own expiry, and not at or after it.
  ManualClock clock;
  TokenCache cache;
  cache.insert("tok", verdict(clock.now() + seconds(100)), clock.now());
  auto hit = cache.lookup("tok", clock.now() + seconds(99));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->principal.sub, "alice");
  EXPECT_FALSE(cache.lookup("tok", clock.now() + seconds(100)));
  EXPECT_EQ(cache.size(), 0u);  // the stale entry was dropped
}

TEST(TokenCache, LifetimeIsCappedByMaxTtl) {
  // A long-lived token is remembered no longer than max_ttl after insertion.
  ManualClock clock;
  TokenCache cache({.max_entries = 100, .max_ttl = seconds(30)});
  cache.insert("tok", verdict(clock.now() + seconds(3600)), clock.now());
  EXPECT_TRUE(cache.lookup("tok", clock.now() + seconds(29)));
  EXPECT_FALSE(cache.lookup("tok", clock.now() + seconds(30)));
}

TEST(TokenCache, DoesNotStoreExpiredTokens) {
  // A verdict already expired at insertion is not remembered.
  ManualClock clock;
  TokenCache cache;
  cache.insert("tok", verdict(clock.now()), clock.now());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.lookup("tok", clock.now() - seconds(1)));
}

TEST(TokenCache, DistinctTokensDoNotCollide) {
  // Lookups are by the whole token: a prefix or a one-character change misses.
  ManualClock clock;
  TokenCache cache;
  cache.insert("token-a", verdict(clock.now() + seconds(60), "a"), clock.now());
  cache.insert("token-b", verdict(clock.now() + seconds(60), "b"), clock.now());
  EXPECT_EQ(cache.lookup("token-a", clock.now())->principal.sub, "a");
  EXPECT_EQ(cache.lookup("token-b", clock.now())->principal.sub, "b");
  EXPECT_FALSE(cache.lookup("token-", clock.now()));
  EXPECT_FALSE(cache.lookup("token-c", clock.now()));
}

TEST(TokenCache, MemoryIsBounded) {
  // Inserting far more tokens than max_entries keeps the size near the bound.
  ManualClock clock;
  TokenCache cache({.max_entries = 1000, .max_ttl = seconds(300)});
  for (int i = 0; i < 20'000; ++i) {
    cache.insert("tok" + std::to_string(i), verdict(clock.now() + seconds(60)), clock.now());
  }
  EXPECT_LE(cache.size(), 1000u + 15u);
  EXPECT_GE(cache.size(), 900u);
}

TEST(TokenCache, EvictsLeastRecentlyUsed) {
  // A token looked up recently survives a flood of new tokens that evicts idle ones.
  ManualClock clock;
  TokenCache cache({.max_entries = 160, .max_ttl = seconds(300)});
  cache.insert("hot", verdict(clock.now() + seconds(60)), clock.now());
  cache.insert("cold", verdict(clock.now() + seconds(60)), clock.now());
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(cache.lookup("hot", clock.now()));
    cache.insert("flood" + std::to_string(i), verdict(clock.now() + seconds(60)), clock.now());
  }
  EXPECT_TRUE(cache.lookup("hot", clock.now()));
  EXPECT_FALSE(cache.lookup("cold", clock.now()));
}

TEST(TokenCache, EraseAndClear) {
  // erase forgets one token, clear forgets all.
  ManualClock clock;
  TokenCache cache;
  cache.insert("a", verdict(clock.now() + seconds(60)), clock.now());
  cache.insert("b", verdict(clock.now() + seconds(60)), clock.now());
  cache.erase("a");
  EXPECT_FALSE(cache.lookup("a", clock.now()));
  EXPECT_TRUE(cache.lookup("b", clock.now()));
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TokenCache, ZeroEntriesDisablesCaching) {
  // max_entries = 0 remembers nothing.
  ManualClock clock;
  TokenCache cache({.max_entries = 0, .max_ttl = seconds(300)});
  cache.insert("a", verdict(clock.now() + seconds(60)), clock.now());
  EXPECT_FALSE(cache.lookup("a", clock.now()));
}

TEST(TokenCache, ConcurrentUseIsSafe) {
  // Several threads inserting and looking up at once (meaningful under TSan/ASan).
  ManualClock clock;
  TokenCache cache({.max_entries = 256, .max_ttl = seconds(300)});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &clock, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string tok = "t" + std::to_string((i * 7 + t) % 500);
        if (!cache.lookup(tok, clock.now())) {
          cache.insert(tok, verdict(clock.now() + seconds(60)), clock.now());
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_LE(cache.size(), 256u + 15u);
}

class CountingVerifier final : public TokenVerifier {
 public:
  explicit CountingVerifier(const Clock& clock) : clock_(clock) {}
  boost::system::result<VerifiedToken, AuthError> verify(std::string_view token) override {
    ++calls;
    if (token != "good") {
      return AuthError::BadSignature;
    }
    return verdict(clock_.now() + seconds(60));
  }
  int calls = 0;

 private:
  const Clock& clock_;
};

TEST(CachingVerifier, SecondVerifySkipsTheInnerVerifier) {
  // A good token is verified once; refusals are asked every time (never cached).
  ManualClock clock;
  auto inner = std::make_shared<CountingVerifier>(clock);
  auto v = makeCachingVerifier(inner, {}, clock);
  EXPECT_TRUE(v->verify("good"));
  EXPECT_TRUE(v->verify("good"));
  EXPECT_EQ(inner->calls, 1);
  EXPECT_FALSE(v->verify("bad"));
  EXPECT_FALSE(v->verify("bad"));
  EXPECT_EQ(inner->calls, 3);
}

TEST(CachingVerifier, ExpiredCachedTokenIsReverified) {
  // Past the token's expiry the cache misses and the inner verifier decides again.
  ManualClock clock;
  auto inner = std::make_shared<CountingVerifier>(clock);
  auto v = makeCachingVerifier(inner, {}, clock);
  EXPECT_TRUE(v->verify("good"));
  clock.advance(seconds(61));
  EXPECT_TRUE(v->verify("good"));
  EXPECT_EQ(inner->calls, 2);
}

}  // namespace
}  // namespace bastion::auth
