// The verified-token cache: bounded lifetime (token exp and a cap), bounded size with LRU
// eviction, keyed by token hash; the per-connection memo in front of it; and the caching
// verifier that skips repeated verification.
#include "auth/token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
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

// ---- the per-connection memo ------------------------------------------------------------------

// A 454-character token, like the embedded server's ES256 access tokens.
std::string longToken(char last) { return std::string(453, 'x') + last; }

TEST(TokenMemo, RepeatIsAnsweredWithoutTheSharedCache) {
  // Once memoised, a token is answered even after the cache itself evicted its entry: the
  // answer came from the memo, not from the shared cache.
  ManualClock clock;
  TokenCache cache({.max_entries = 16, .max_ttl = seconds(300)});  // one entry per shard
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(60)), clock.now(), &memo);
  for (int i = 0; cache.lookup("tok", clock.now()) && i < 1000; ++i) {
    cache.insert("flood" + std::to_string(i), verdict(clock.now() + seconds(60)), clock.now());
  }
  ASSERT_FALSE(cache.lookup("tok", clock.now()));  // evicted from the cache
  auto hit = cache.lookup("tok", clock.now(), &memo);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->principal.sub, "alice");
  EXPECT_TRUE(memo.holds("tok"));
}

TEST(TokenMemo, CacheHitFillsTheMemo) {
  // A token inserted without the memo is memoised by the first lookup that passes it.
  ManualClock clock;
  TokenCache cache;
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(60)), clock.now());
  EXPECT_FALSE(memo.holds("tok"));
  ASSERT_TRUE(cache.lookup("tok", clock.now(), &memo));
  EXPECT_TRUE(memo.holds("tok"));
}

TEST(TokenMemo, DifferentTokenIsLookedUpAndReplacesTheMemo) {
  // Another token on the same connection gets its own verdict and becomes the memoised one.
  ManualClock clock;
  TokenCache cache;
  TokenMemo memo;
  cache.insert("token-a", verdict(clock.now() + seconds(60), "a"), clock.now(), &memo);
  cache.insert("token-b", verdict(clock.now() + seconds(60), "b"), clock.now());
  EXPECT_EQ(cache.lookup("token-b", clock.now(), &memo)->principal.sub, "b");
  EXPECT_TRUE(memo.holds("token-b"));
  EXPECT_FALSE(memo.holds("token-a"));
  EXPECT_EQ(cache.lookup("token-a", clock.now(), &memo)->principal.sub, "a");
}

TEST(TokenMemo, TokenDifferingOnlyInItsLastByteIsNotAMemoHit) {
  // A forgery equal to the memoised token but for its last byte (or one byte shorter or
  // longer) is not answered from the memo: the whole token is compared.
  ManualClock clock;
  TokenCache cache;
  TokenMemo memo;
  cache.insert(longToken('A'), verdict(clock.now() + seconds(60)), clock.now(), &memo);
  EXPECT_FALSE(cache.lookup(longToken('B'), clock.now(), &memo));
  EXPECT_FALSE(cache.lookup(longToken('A').substr(0, 453), clock.now(), &memo));
  EXPECT_FALSE(cache.lookup(longToken('A') + "A", clock.now(), &memo));
  EXPECT_FALSE(memo.holds(longToken('B')));
  EXPECT_TRUE(memo.holds(longToken('A')));
  EXPECT_TRUE(cache.lookup(longToken('A'), clock.now(), &memo));
}

TEST(TokenMemo, ExpiredTokenIsRefusedDespiteTheMemo) {
  // The memo answers until the token's expiry, and not at or after it.
  ManualClock clock;
  TokenCache cache;
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(100)), clock.now(), &memo);
  EXPECT_TRUE(cache.lookup("tok", clock.now() + seconds(99), &memo));
  EXPECT_FALSE(cache.lookup("tok", clock.now() + seconds(100), &memo));
}

TEST(TokenMemo, MemoNeverOutlivesTheCacheTtl) {
  // A long-lived token is answered from the memo no longer than the cache's max_ttl.
  ManualClock clock;
  TokenCache cache({.max_entries = 100, .max_ttl = seconds(30)});
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(3600)), clock.now(), &memo);
  EXPECT_TRUE(cache.lookup("tok", clock.now() + seconds(29), &memo));
  EXPECT_FALSE(cache.lookup("tok", clock.now() + seconds(30), &memo));
}

TEST(TokenMemo, EraseEndsTheMemo) {
  // Erasing the token (a revocation) ends its memo at once.
  ManualClock clock;
  TokenCache cache;
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(60)), clock.now(), &memo);
  cache.erase("tok");
  EXPECT_FALSE(cache.lookup("tok", clock.now(), &memo));
}

TEST(TokenMemo, EraseOfAnEvictedTokenStillEndsItsMemo) {
  // The cache no longer holds the token, but its memo does: erase must end the memo anyway.
  ManualClock clock;
  TokenCache cache({.max_entries = 16, .max_ttl = seconds(300)});
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(60)), clock.now(), &memo);
  for (int i = 0; cache.lookup("tok", clock.now()) && i < 1000; ++i) {
    cache.insert("flood" + std::to_string(i), verdict(clock.now() + seconds(60)), clock.now());
  }
  cache.erase("tok");
  EXPECT_FALSE(cache.lookup("tok", clock.now(), &memo));
}

TEST(TokenMemo, ClearEndsEveryMemo) {
  // clear (a revocation learned, a withdrawn key) ends the memos of every connection.
  ManualClock clock;
  TokenCache cache;
  TokenMemo first;
  TokenMemo second;
  cache.insert("a", verdict(clock.now() + seconds(60)), clock.now(), &first);
  cache.insert("b", verdict(clock.now() + seconds(60)), clock.now(), &second);
  cache.clear();
  EXPECT_FALSE(cache.lookup("a", clock.now(), &first));
  EXPECT_FALSE(cache.lookup("b", clock.now(), &second));
}

TEST(TokenMemo, MemoOfAnotherCacheIsNotAnAnswer) {
  // A memo filled by one cache is never an answer from another (their epochs never coincide).
  ManualClock clock;
  TokenCache one;
  TokenCache other;
  TokenMemo memo;
  one.insert("tok", verdict(clock.now() + seconds(60)), clock.now(), &memo);
  EXPECT_FALSE(other.lookup("tok", clock.now(), &memo));
}

TEST(TokenMemo, DisabledCacheMemoisesNothing) {
  // max_entries = 0 turns the memo off too.
  ManualClock clock;
  TokenCache cache({.max_entries = 0, .max_ttl = seconds(300)});
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(60)), clock.now(), &memo);
  EXPECT_FALSE(memo.holds("tok"));
  EXPECT_FALSE(cache.lookup("tok", clock.now(), &memo));
}

TEST(TokenMemo, ConnectionsMemoiseWhileTheCacheIsCleared) {
  // Connections (one memo each) verify while another thread erases and clears (meaningful
  // under TSan/ASan); once the last clear is done, no memo answers any more.
  ManualClock clock;
  TokenCache cache({.max_entries = 64, .max_ttl = seconds(300)});
  std::vector<TokenMemo> memos(4);
  std::atomic<bool> done{false};
  std::thread revoker([&] {
    for (int i = 0; !done.load(); ++i) {
      if (i % 2 == 0) {
        cache.erase("t" + std::to_string(i % 8));
      } else {
        cache.clear();
      }
    }
  });
  std::vector<std::thread> connections;
  for (int t = 0; t < 4; ++t) {
    connections.emplace_back([&cache, &clock, &memos, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string tok = "t" + std::to_string((i / 50 + t) % 8);
        if (!cache.lookup(tok, clock.now(), &memos[static_cast<std::size_t>(t)])) {
          cache.insert(tok, verdict(clock.now() + seconds(60)), clock.now(),
                       &memos[static_cast<std::size_t>(t)]);
        }
      }
    });
  }
  for (auto& th : connections) {
    th.join();
  }
  done.store(true);
  revoker.join();
  cache.clear();
  for (std::size_t t = 0; t < memos.size(); ++t) {
    for (int k = 0; k < 8; ++k) {
      EXPECT_FALSE(cache.lookup("t" + std::to_string(k), clock.now(), &memos[t])) << t << k;
    }
  }
}

TEST(TokenMemo, ForgetEmptiesTheMemo) {
  // A forgotten memo holds nothing and answers nothing.
  ManualClock clock;
  TokenCache cache({.max_entries = 16, .max_ttl = seconds(300)});
  TokenMemo memo;
  cache.insert("tok", verdict(clock.now() + seconds(60)), clock.now(), &memo);
  memo.forget();
  EXPECT_FALSE(memo.holds("tok"));
  EXPECT_FALSE(memo.holds(""));
}

// Accepts tokens that start with "good", valid until `expires`; counts its calls.
class CountingVerifier final : public TokenVerifier {
 public:
  explicit CountingVerifier(const Clock& clock)
      : clock_(clock), expires_(clock.now() + seconds(60)) {}
  boost::system::result<VerifiedToken, AuthError> verify(std::string_view token) override {
    ++calls;
    if (!token.starts_with("good")) {
      return AuthError::BadSignature;
    }
    if (clock_.now() >= expires_) {
      return AuthError::Expired;
    }
    return verdict(expires_, std::string(token));
  }
  int calls = 0;

 private:
  const Clock& clock_;
  const Clock::time_point expires_;
};

// A caching verifier over a counting inner one, on a manual clock, and one connection's memo.
class CachingVerifierTest : public ::testing::Test {
 protected:
  ManualClock clock;
  std::shared_ptr<CountingVerifier> inner = std::make_shared<CountingVerifier>(clock);
  std::shared_ptr<TokenVerifier> v = makeCachingVerifier(inner, {}, clock);
  TokenMemo memo;
};

TEST_F(CachingVerifierTest, SecondVerifySkipsTheInnerVerifier) {
  // A good token is verified once; refusals are asked every time (never cached).
  EXPECT_TRUE(v->verify("good"));
  EXPECT_TRUE(v->verify("good"));
  EXPECT_EQ(inner->calls, 1);
  EXPECT_FALSE(v->verify("bad"));
  EXPECT_FALSE(v->verify("bad"));
  EXPECT_EQ(inner->calls, 3);
}

TEST_F(CachingVerifierTest, ExpiredCachedTokenIsReverified) {
  // Past the token's expiry the cache misses and the inner verifier decides again (refuses).
  EXPECT_TRUE(v->verify("good"));
  clock.advance(seconds(61));
  EXPECT_FALSE(v->verify("good"));
  EXPECT_EQ(inner->calls, 2);
}

TEST_F(CachingVerifierTest, MemoRepeatSkipsTheInnerVerifier) {
  // With a connection's memo, a repeat is answered without the inner verifier.
  EXPECT_TRUE(v->verifyWithMemo("good", memo));
  EXPECT_TRUE(v->verifyWithMemo("good", memo));
  EXPECT_EQ(inner->calls, 1);
  EXPECT_TRUE(memo.holds("good"));
}

TEST_F(CachingVerifierTest, DifferentTokenOnTheSameMemoIsVerifiedAndReplacesIt) {
  // A new token on a memoised connection reaches the inner verifier and becomes the memo;
  // a refused token leaves the memo as it was.
  ASSERT_TRUE(v->verifyWithMemo("good-1", memo));
  auto second = v->verifyWithMemo("good-2", memo);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->principal.sub, "good-2");
  EXPECT_EQ(inner->calls, 2);
  EXPECT_TRUE(memo.holds("good-2"));
  EXPECT_FALSE(v->verifyWithMemo("forged", memo));
  EXPECT_EQ(inner->calls, 3);
  EXPECT_TRUE(memo.holds("good-2"));
}

TEST_F(CachingVerifierTest, ExpiredTokenIsRefusedDespiteTheMemo) {
  // Past the token's expiry the memo does not answer: the inner verifier refuses it.
  ASSERT_TRUE(v->verifyWithMemo("good", memo));
  clock.advance(seconds(60));
  auto r = v->verifyWithMemo("good", memo);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), AuthError::Expired);
}

TEST(TokenVerifier, DefaultVerifyWithMemoIgnoresTheMemo) {
  // A verifier without a cache answers verifyWithMemo like verify, every time.
  ManualClock clock;
  CountingVerifier v(clock);
  TokenMemo memo;
  EXPECT_TRUE(v.verifyWithMemo("good", memo));
  EXPECT_TRUE(v.verifyWithMemo("good", memo));
  EXPECT_FALSE(v.verifyWithMemo("bad", memo));
  EXPECT_EQ(v.calls, 3);
  EXPECT_FALSE(memo.holds("good"));
}

}  // namespace
}  // namespace bastion::auth
