#include "mcp/session.h"

#include <gtest/gtest.h>

#include <set>

namespace bastion::mcp {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

auth::Principal principal(std::string sub, std::string client = "c") {
  return {
      .iss = "https://issuer", .sub = std::move(sub), .client_id = std::move(client), .scopes = {}};
}

const steady_clock::time_point kT0{seconds(1000)};

TEST(SessionStore, IdsAre256BitUnpaddedBase64Url) {
  // 32 CSPRNG bytes -> 43 base64url characters, all distinct.
  SessionStore store({}, systemRandom());
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    auto s = store.create(principal("a"), kT0);
    ASSERT_TRUE(s);
    const std::string& id = (*s)->id();
    EXPECT_EQ(id.size(), 43U);
    EXPECT_EQ(
        id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100U);
}

TEST(SessionStore, OwnerFindsSession) {
  // The creating principal gets its session back.
  SessionStore store({}, systemRandom());
  auto s = store.create(principal("a"), kT0);
  ASSERT_TRUE(s);
  EXPECT_EQ(store.find((*s)->id(), principal("a"), kT0 + seconds(1)), *s);
}

TEST(SessionStore, SessionIdFromAnotherPrincipalIsUnknown) {
  // A stolen session id is useless to another subject or another client of the same subject.
  SessionStore store({}, systemRandom());
  auto s = store.create(principal("a"), kT0);
  ASSERT_TRUE(s);
  EXPECT_EQ(store.find((*s)->id(), principal("b"), kT0), nullptr);
  EXPECT_EQ(store.find((*s)->id(), principal("a", "other-client"), kT0), nullptr);
  auto other_issuer = principal("a");
  other_issuer.iss = "https://evil";
  EXPECT_EQ(store.find((*s)->id(), other_issuer, kT0), nullptr);
  // ... and the owner still has it.
  EXPECT_NE(store.find((*s)->id(), principal("a"), kT0), nullptr);
}

TEST(SessionStore, ForeignPrincipalCannotDelete) {
  // DELETE by someone else leaves the session alive.
  SessionStore store({}, systemRandom());
  auto s = store.create(principal("a"), kT0);
  ASSERT_TRUE(s);
  EXPECT_FALSE(store.remove((*s)->id(), principal("b")));
  EXPECT_EQ(store.size(), 1U);
  EXPECT_TRUE(store.remove((*s)->id(), principal("a")));
  EXPECT_EQ(store.size(), 0U);
  EXPECT_EQ(store.find((*s)->id(), principal("a"), kT0), nullptr);
}

TEST(SessionStore, IdleSessionExpires) {
  // Past the idle timeout a session is gone; activity keeps it alive.
  SessionStore store({.max_sessions = 10, .idle_timeout = seconds(60)}, systemRandom());
  auto s = store.create(principal("a"), kT0);
  ASSERT_TRUE(s);
  const std::string id = (*s)->id();
  EXPECT_NE(store.find(id, principal("a"), kT0 + seconds(50)), nullptr);   // touches
  EXPECT_NE(store.find(id, principal("a"), kT0 + seconds(100)), nullptr);  // 50 s idle
  EXPECT_EQ(store.find(id, principal("a"), kT0 + seconds(161)), nullptr);  // 61 s idle
  EXPECT_EQ(store.size(), 0U);
}

TEST(SessionStore, ExpireIdleCountsRemoved) {
  // The sweeper removes only idle sessions.
  SessionStore store({.max_sessions = 10, .idle_timeout = seconds(60)}, systemRandom());
  ASSERT_TRUE(store.create(principal("a"), kT0));
  ASSERT_TRUE(store.create(principal("b"), kT0 + seconds(30)));
  EXPECT_EQ(store.expireIdle(kT0 + seconds(61)), 1U);
  EXPECT_EQ(store.size(), 1U);
}

TEST(SessionStore, SessionFloodIsBounded) {
  // Creating sessions past the limit fails instead of growing without bound.
  SessionStore store({.max_sessions = 3, .idle_timeout = seconds(60)}, systemRandom());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store.create(principal("a"), kT0));
  }
  auto r = store.create(principal("a"), kT0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(SessionError::TooManySessions));
  // Once the old ones are idle, room frees up.
  EXPECT_TRUE(store.create(principal("a"), kT0 + seconds(61)));
}

TEST(Session, PendingRequestResolvesOnce) {
  // A client response reaches its waiter exactly once; unknown ids are reported.
  Session s("id", principal("a"));
  int calls = 0;
  const std::string id = s.registerPendingRequest([&](const boost::json::value&) { ++calls; });
  EXPECT_TRUE(s.resolvePendingRequest(id, boost::json::object{}));
  EXPECT_FALSE(s.resolvePendingRequest(id, boost::json::object{}));
  EXPECT_FALSE(s.resolvePendingRequest("unknown", boost::json::object{}));
  EXPECT_EQ(calls, 1);
}

TEST(Session, DroppedPendingRequestIsNotResolved) {
  // After a timeout drops it, a late response goes nowhere.
  Session s("id", principal("a"));
  const std::string id = s.registerPendingRequest([](const boost::json::value&) { FAIL(); });
  s.dropPendingRequest(id);
  EXPECT_FALSE(s.resolvePendingRequest(id, boost::json::object{}));
}

TEST(Session, CancelSetsOnlyTrackedFlag) {
  // notifications/cancelled reaches the named in-flight request only.
  Session s("id", principal("a"));
  auto a = std::make_shared<std::atomic<bool>>(false);
  auto b = std::make_shared<std::atomic<bool>>(false);
  s.trackRequest("n:1", a);
  s.trackRequest("n:2", b);
  s.cancelRequest("n:1");
  s.cancelRequest("n:99");
  EXPECT_TRUE(a->load());
  EXPECT_FALSE(b->load());
  s.untrackRequest("n:2");
  s.cancelRequest("n:2");
  EXPECT_FALSE(b->load());
}

TEST(Session, CancelOvertakingItsRequestStillCancelsIt) {
  // Regression: a notifications/cancelled read before a worker started the request was lost.
  Session s("id", principal("a"));
  s.cancelRequest("n:5");
  auto flag = std::make_shared<std::atomic<bool>>(false);
  s.trackRequest("n:5", flag);
  EXPECT_TRUE(flag->load());
  // The early cancel is consumed: a later request with another id is unaffected.
  auto other = std::make_shared<std::atomic<bool>>(false);
  s.trackRequest("n:6", other);
  EXPECT_FALSE(other->load());
}

TEST(Session, EarlyCancelMemoryIsBounded) {
  // A flood of cancels for unknown ids keeps only the most recent ones.
  Session s("id", principal("a"));
  for (int i = 0; i < 10000; ++i) {
    s.cancelRequest("n:" + std::to_string(i));
  }
  auto oldest = std::make_shared<std::atomic<bool>>(false);
  s.trackRequest("n:0", oldest);
  EXPECT_FALSE(oldest->load());
  auto newest = std::make_shared<std::atomic<bool>>(false);
  s.trackRequest("n:9999", newest);
  EXPECT_TRUE(newest->load());
}

TEST(Session, NegotiationAndLogLevel) {
  // initialize results and logging/setLevel are remembered per session.
  Session s("id", principal("a"));
  EXPECT_FALSE(s.negotiated());
  EXPECT_FALSE(s.logLevel());
  s.setNegotiated("2025-11-25", {{"sampling", boost::json::object{}}});
  EXPECT_TRUE(s.negotiated());
  EXPECT_EQ(s.protocolVersion(), "2025-11-25");
  EXPECT_TRUE(s.clientCapabilities().contains("sampling"));
  s.setLogLevel(LogLevel::Warning);
  EXPECT_EQ(s.logLevel(), LogLevel::Warning);
  s.subscribe("test://x");
  EXPECT_TRUE(s.subscribed("test://x"));
  s.unsubscribe("test://x");
  EXPECT_FALSE(s.subscribed("test://x"));
}

}  // namespace
}  // namespace bastion::mcp
