// GCRA rate limits: exact burst and refill behaviour on an injected clock, isolation of keys
// between principals, tools and clients, all-or-nothing admission, bounded memory, threads.

#include "policy/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace bastion::policy {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

Rate rate(std::string_view text, std::uint64_t burst = 0) {
  auto r = parseRate(text, burst);
  EXPECT_TRUE(r.has_value()) << text;
  return r.value();
}

auth::Principal who(std::string sub, std::string client = "client-a",
                    std::string iss = "https://issuer.example") {
  return auth::Principal{std::move(iss), std::move(sub), std::move(client), {}};
}

// How many of `n` immediate calls are allowed.
int allowedOf(const RateLimits& limits, const auth::Principal& p, std::string_view tool, int n) {
  int allowed = 0;
  for (int i = 0; i < n; ++i) {
    allowed += limits.admit(p, tool).allowed ? 1 : 0;
  }
  return allowed;
}

TEST(Gcra, FirstCallIsAlwaysAllowed) {
  // A fresh key admits its first event, even at the lowest rate and no burst.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  EXPECT_TRUE(backend->acquire("k", rate("1/day"), clock.now()).allowed);
  EXPECT_FALSE(backend->acquire("k", rate("1/day"), clock.now()).allowed);
}

TEST(Gcra, BurstBeyondLimitIsRefusedWithRetryAfter) {
  // 10/minute with burst 4: 5 calls pass at once, the 6th is refused for exactly T = 6 s.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate r = rate("10/minute", 4);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(backend->acquire("k", r, clock.now()).allowed) << i;
  }
  const Decision refused = backend->acquire("k", r, clock.now());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(6));
  EXPECT_EQ(retryAfterSeconds(refused), seconds(6));
}

TEST(Gcra, RefusalCountsNothingAndRetryAfterShrinks) {
  // Refused calls do not push the wait further out; the wait shrinks as time passes.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate r = rate("10/minute");
  ASSERT_TRUE(backend->acquire("k", r, clock.now()).allowed);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(backend->acquire("k", r, clock.now()).retry_after, seconds(6));
  }
  clock.advance(milliseconds(5500));
  const Decision d = backend->acquire("k", r, clock.now());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, milliseconds(500));
  EXPECT_EQ(retryAfterSeconds(d), seconds(1));
  clock.advance(milliseconds(500));
  EXPECT_TRUE(backend->acquire("k", r, clock.now()).allowed);
}

TEST(Gcra, RefillsAtTheSteadyRate) {
  // After the burst, exactly one call per emission interval passes.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate r = rate("5/second", 2);  // T = 200 ms, 3 at once
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    allowed += backend->acquire("k", r, clock.now()).allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 3);
  for (int step = 0; step < 10; ++step) {
    clock.advance(milliseconds(200));
    EXPECT_TRUE(backend->acquire("k", r, clock.now()).allowed) << step;
    EXPECT_FALSE(backend->acquire("k", r, clock.now()).allowed) << step;
  }
}

TEST(Gcra, IdleTimeDoesNotBankMoreThanTheBurst) {
  // A key idle for a day gets burst + 1 calls, not a day's worth.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate r = rate("10/minute", 2);
  ASSERT_TRUE(backend->acquire("k", r, clock.now()).allowed);
  clock.advance(hours(24));
  int allowed = 0;
  for (int i = 0; i < 50; ++i) {
    allowed += backend->acquire("k", r, clock.now()).allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 3);
}

TEST(Gcra, ClockGoingBackwardsGrantsNothingExtra) {
  // A clock step backwards never admits more than the capacity.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate r = rate("1/minute");
  ASSERT_TRUE(backend->acquire("k", r, clock.now()).allowed);
  clock.advance(-minutes(30));
  EXPECT_FALSE(backend->acquire("k", r, clock.now()).allowed);
}

TEST(Gcra, HugeBurstDoesNotOverflow) {
  // An absurd burst is capped, not wrapped into a refusal or an overflow.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate r = rate("1/day", std::numeric_limits<std::uint64_t>::max());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(backend->acquire("k", r, clock.now()).allowed) << i;
  }
}

TEST(Gcra, RefusedBatchCountsAgainstNoKey) {
  // acquireAll is all-or-nothing: a refusal by one key leaves the others' budgets intact.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate loose = rate("10/minute", 2);
  const Rate tight = rate("1/hour");
  ASSERT_TRUE(backend->acquire("tight", tight, clock.now()).allowed);
  const std::array<RateRequest, 2> both{RateRequest{"loose", &loose}, RateRequest{"tight", &tight}};
  for (int i = 0; i < 20; ++i) {
    const Decision d = backend->acquireAll(both, clock.now());
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, hours(1));
  }
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    allowed += backend->acquire("loose", loose, clock.now()).allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 3);
}

TEST(Gcra, RetryAfterIsTheLongestRefusal) {
  // When several keys refuse, the caller is told the longest wait.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate minute = rate("1/minute");
  const Rate hour = rate("1/hour");
  ASSERT_TRUE(backend->acquire("a", minute, clock.now()).allowed);
  ASSERT_TRUE(backend->acquire("b", hour, clock.now()).allowed);
  const std::array<RateRequest, 2> both{RateRequest{"a", &minute}, RateRequest{"b", &hour}};
  EXPECT_EQ(backend->acquireAll(both, clock.now()).retry_after, hours(1));
}

TEST(Gcra, EvictedKeyStartsFreshAndLeastRecentGoesFirst) {
  // max_keys bounds memory: the least recently used key is evicted first, and a key that keeps
  // being refused counts as used (evicting it would reset an active caller's budget).
  ManualClock clock;
  auto backend = makeMemoryRateBackend(3);
  const Rate r = rate("1/hour");
  for (const char* k : {"a", "b", "c"}) {
    ASSERT_TRUE(backend->acquire(k, r, clock.now()).allowed);
  }
  EXPECT_FALSE(backend->acquire("a", r, clock.now()).allowed);  // a is now the most recent
  EXPECT_TRUE(backend->acquire("d", r, clock.now()).allowed);   // evicts b
  EXPECT_TRUE(backend->acquire("b", r, clock.now()).allowed);   // fresh again; evicts c
  EXPECT_FALSE(backend->acquire("a", r, clock.now()).allowed);
  EXPECT_FALSE(backend->acquire("d", r, clock.now()).allowed);
}

TEST(Gcra, KeyFloodStaysWithinMaxKeys) {
  // A flood of distinct keys cannot grow the table past max_keys: after 10x max_keys new keys
  // the first keys are gone (fresh), the most recent ones are still tracked.
  ManualClock clock;
  auto backend = makeMemoryRateBackend(2048);
  const Rate r = rate("1/hour");
  for (int i = 0; i < 20480; ++i) {
    ASSERT_TRUE(backend->acquire("k" + std::to_string(i), r, clock.now()).allowed);
  }
  EXPECT_TRUE(backend->acquire("k0", r, clock.now()).allowed);
  EXPECT_FALSE(backend->acquire("k20479", r, clock.now()).allowed);
}

TEST(Gcra, ConcurrentCallersNeverExceedTheBurst) {
  // Threads racing on one key at one instant admit exactly burst + 1 calls in total; seven
  // other keys hammered at the same time admit exactly their own capacity each.
  ManualClock clock;
  auto backend = makeMemoryRateBackend();
  const Rate r = rate("100/minute", 99);
  std::atomic<int> allowed{0};
  std::atomic<int> own_allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (backend->acquire("shared", r, clock.now()).allowed) {
          allowed.fetch_add(1);
        }
        if (backend->acquire("own" + std::to_string(i % 7), r, clock.now()).allowed) {
          own_allowed.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(allowed.load(), 100);
  EXPECT_EQ(own_allowed.load(), 7 * 100);
}

TEST(Gcra, ConcurrentBatchesAcrossShardsDoNotDeadlockOrOvercount) {
  // Threads take overlapping key sets in opposite orders (one shard lock at a time): all finish
  // and each key admits exactly its capacity.
  ManualClock clock;
  auto backend = makeMemoryRateBackend(1'000'000);
  const Rate r = rate("50/minute", 49);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        const std::string a = "key-" + std::to_string((i + t) % 5);
        const std::string b = "key-" + std::to_string((i + t + 1) % 5 + 5);
        std::array<RateRequest, 2> batch{RateRequest{a, &r}, RateRequest{b, &r}};
        if (t % 2 == 1) {
          std::swap(batch[0], batch[1]);
        }
        if (backend->acquireAll(batch, clock.now()).allowed) {
          allowed.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  // Each admitted batch spends one from a key in 0..4 and one from a key in 5..9; the first
  // group holds 5 * 50 events in all, so at most 250 batches pass, and not fewer than 1.
  EXPECT_LE(allowed.load(), 250);
  EXPECT_GE(allowed.load(), 1);
}

TEST(RateLimits, NoRuleAdmitsEverything) {
  // Without rules the limiter is empty and never refuses.
  ManualClock clock;
  RateLimits limits({}, makeMemoryRateBackend(), clock);
  EXPECT_TRUE(limits.empty());
  EXPECT_EQ(allowedOf(limits, who("alice"), "files.read", 1000), 1000);
}

TEST(RateLimits, OneCallerCannotExhaustAnothersQuota) {
  // Per (principal, tool): alice spending her budget leaves bob's and her other tools' intact.
  ManualClock clock;
  RateLimitRules rules;
  rules.per_principal_tool.emplace("sql.query", rate("10/minute", 2));
  rules.per_principal_tool.emplace("files.read", rate("10/minute", 2));
  RateLimits limits(std::move(rules), makeMemoryRateBackend(), clock);
  EXPECT_FALSE(limits.empty());
  EXPECT_EQ(allowedOf(limits, who("alice"), "sql.query", 100), 3);
  EXPECT_EQ(allowedOf(limits, who("bob"), "sql.query", 100), 3);
  EXPECT_EQ(allowedOf(limits, who("alice"), "files.read", 100), 3);
  const Decision d = limits.admit(who("alice"), "sql.query");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, seconds(6));
}

TEST(RateLimits, SameSubjectFromAnotherIssuerOrClientIsAnotherCaller) {
  // (iss, sub, client_id) together name the caller: each gets its own budget.
  ManualClock clock;
  RateLimitRules rules;
  rules.per_principal_tool.emplace("t", rate("1/hour"));
  RateLimits limits(std::move(rules), makeMemoryRateBackend(), clock);
  EXPECT_EQ(allowedOf(limits, who("alice", "c1", "https://a.example"), "t", 5), 1);
  EXPECT_EQ(allowedOf(limits, who("alice", "c1", "https://b.example"), "t", 5), 1);
  EXPECT_EQ(allowedOf(limits, who("alice", "c2", "https://a.example"), "t", 5), 1);
}

TEST(RateLimits, CraftedNamesCannotShareAKey) {
  // Field boundaries are length-prefixed: shifting characters between iss, sub and client_id
  // (or embedding NUL) never lands two callers on one key.
  ManualClock clock;
  RateLimitRules rules;
  rules.per_principal_tool.emplace("t", rate("1/hour"));
  RateLimits limits(std::move(rules), makeMemoryRateBackend(), clock);
  EXPECT_EQ(allowedOf(limits, who("bc", "d", "a"), "t", 3), 1);
  EXPECT_EQ(allowedOf(limits, who("c", "d", "ab"), "t", 3), 1);
  EXPECT_EQ(allowedOf(limits, who("b", "cd", "a"), "t", 3), 1);
  EXPECT_EQ(allowedOf(limits, who(std::string("b\0c", 3), "d", "a"), "t", 3), 1);
  EXPECT_EQ(allowedOf(limits, who("b", std::string("c\0d", 3), "a"), "t", 3), 1);
}

TEST(RateLimits, PerToolLimitIsSharedByAllCallers) {
  // A per-tool rate caps the tool however many callers share it.
  ManualClock clock;
  RateLimitRules rules;
  rules.per_tool.emplace("http.weather", rate("60/minute", 4));
  RateLimits limits(std::move(rules), makeMemoryRateBackend(), clock);
  int allowed = 0;
  for (int i = 0; i < 50; ++i) {
    allowed += limits.admit(who("user" + std::to_string(i)), "http.weather").allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 5);
  EXPECT_EQ(allowedOf(limits, who("x"), "another.tool", 10), 10);  // no rule for it
}

TEST(RateLimits, PerClientLimitCoversEveryTool) {
  // One OAuth client's calls to all tools draw on one budget; another client is unaffected.
  ManualClock clock;
  RateLimitRules rules;
  rules.per_client = rate("3/minute", 2);
  RateLimits limits(std::move(rules), makeMemoryRateBackend(), clock);
  EXPECT_EQ(allowedOf(limits, who("alice", "app"), "a", 2), 2);
  EXPECT_EQ(allowedOf(limits, who("bob", "app"), "b", 5), 1);
  EXPECT_EQ(allowedOf(limits, who("carol", "other-app"), "a", 5), 3);
}

TEST(RateLimits, CallsWithoutClientSkipThePerClientRule) {
  // No client_id (stdio, static tokens): the per-client rule does not apply.
  ManualClock clock;
  RateLimitRules rules;
  rules.per_client = rate("1/hour");
  RateLimits limits(std::move(rules), makeMemoryRateBackend(), clock);
  EXPECT_EQ(allowedOf(limits, who("local", ""), "t", 20), 20);
}

TEST(RateLimits, CallerRefusedByToolLimitKeepsOwnBudget) {
  // A call refused by the shared per-tool limit does not spend the caller's own budget.
  ManualClock clock;
  RateLimitRules rules;
  rules.per_principal_tool.emplace("t", rate("2/minute", 1));  // 2 at once, T = 30 s
  rules.per_tool.emplace("t", rate("1/minute"));               // 1 at once, T = 60 s
  RateLimits limits(std::move(rules), makeMemoryRateBackend(), clock);
  EXPECT_TRUE(limits.admit(who("bob"), "t").allowed);
  for (int i = 0; i < 10; ++i) {
    const Decision d = limits.admit(who("alice"), "t");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, minutes(1));
  }
  clock.advance(minutes(1));
  EXPECT_TRUE(limits.admit(who("alice"), "t").allowed);
  clock.advance(minutes(1));
  EXPECT_TRUE(limits.admit(who("alice"), "t").allowed);  // her own budget was never drained
}

TEST(RateLimits, RetryAfterIsRoundedUpToWholeSeconds) {
  // The "retry in N s" figure never tells a caller to come back too early.
  EXPECT_EQ(retryAfterSeconds({true, nanoseconds(0)}), seconds(0));
  EXPECT_EQ(retryAfterSeconds({false, nanoseconds(1)}), seconds(1));
  EXPECT_EQ(retryAfterSeconds({false, milliseconds(1500)}), seconds(2));
  EXPECT_EQ(retryAfterSeconds({false, seconds(6)}), seconds(6));
}

}  // namespace
}  // namespace bastion::policy
