// The RFC 7662 introspection verifier over a fake Fetcher and a ManualClock: what it sends,
// which answers it accepts, how it fails closed, and how its cache behaves.

// GCC 12 at -O2 calls boost::system::result's operator-> and Asio's executor comparison
// "potential null pointer dereference"; false positives that would fail -Werror release builds.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "auth/introspection_verifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/web.h"

namespace bastion::auth {
namespace {

using std::chrono::seconds;

constexpr std::string_view kResource = "https://mcp.example.com/mcp";
constexpr std::string_view kEndpoint = "https://as.example.com/introspect";

// Answers with scripted responses (or errors) in order and records every request.
class FakeFetcher final : public net::Fetcher {
 public:
  Result<net::FetchResponse> fetch(const net::FetchRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(req);
    if (answers.empty()) {
      return Error(net::FetchError::ConnectFailed, "no scripted answer");
    }
    auto next = std::move(answers.front());
    answers.pop_front();
    return next;
  }
  void answerJson(std::string body, int status = 200) {
    net::FetchResponse r;
    r.status = status;
    r.headers = {{"content-type", "application/json"}};
    r.body = std::move(body);
    answers.emplace_back(std::move(r));
  }

  std::mutex mu_;
  std::deque<Result<net::FetchResponse>> answers;
  std::vector<net::FetchRequest> requests;
};

class IntrospectionVerifierTest : public ::testing::Test {
 protected:
  std::unique_ptr<TokenVerifier> make(IntrospectionOptions extra = {}) {
    extra.endpoint = std::string(kEndpoint);
    extra.client_id = "bastion rs";
    extra.client_secret = "s3cr:et";
    extra.resource = std::string(kResource);
    auto v = makeIntrospectionVerifier(std::move(extra), fetcher, clock);
    EXPECT_TRUE(v) << (v ? "" : v.error().message);
    return v ? std::move(*v) : nullptr;
  }
  // An active answer expiring `ttl` from now, with the given extra members.
  std::string active(seconds ttl, std::string extra = R"("aud":"https://mcp.example.com/mcp")") {
    const auto exp = std::chrono::duration_cast<seconds>(clock.now().time_since_epoch() + ttl);
    return R"({"active":true,"sub":"alice","client_id":"app","iss":"https://as.example.com",)"
           R"("scope":"files:read  files:write","exp":)" +
           std::to_string(exp.count()) + (extra.empty() ? "" : "," + extra) + "}";
  }
  static int reason(const boost::system::result<VerifiedToken, AuthError>& r) {
    return r ? 0 : static_cast<int>(r.error());
  }
  static constexpr int code(AuthError e) { return static_cast<int>(e); }

  std::shared_ptr<FakeFetcher> fetcher = std::make_shared<FakeFetcher>();
  ManualClock clock;
};

TEST_F(IntrospectionVerifierTest, AcceptsActiveTokenAndBuildsPrincipal) {
  // An active answer for our audience yields {iss, sub, client_id, scopes}.
  auto v = make();
  fetcher->answerJson(active(seconds(300)));
  auto r = v->verify("opaque-token");
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(r->principal.iss, "https://as.example.com");
  EXPECT_EQ(r->principal.sub, "alice");
  EXPECT_EQ(r->principal.client_id, "app");
  EXPECT_EQ(r->principal.scopes, (std::vector<std::string>{"files:read", "files:write"}));
  // Verdicts are reusable for at most the configured cache lifetime (60 s < 300 s).
  EXPECT_EQ(r->expires, clock.now() + seconds(60));
}

TEST_F(IntrospectionVerifierTest, SendsTokenWithClientSecretBasic) {
  // POST token=... as a form, credentials form-encoded then base64'd (RFC 6749 §2.3.1).
  auto v = make();
  fetcher->answerJson(active(seconds(300)));
  ASSERT_TRUE(v->verify("a b+c"));
  ASSERT_EQ(fetcher->requests.size(), 1u);
  const auto& req = fetcher->requests[0];
  EXPECT_EQ(req.url, kEndpoint);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body, "token=a%20b%2Bc&token_type_hint=access_token");
  auto form = web::parseForm(req.body);
  ASSERT_TRUE(form);
  EXPECT_EQ((*form)[0].second, "a b+c");
  std::string authorization;
  for (const auto& [name, value] : req.headers) {
    if (name == "Authorization") {
      authorization = value;
    }
  }
  // base64("bastion%20rs:s3cr%3Aet")
  EXPECT_EQ(authorization, "Basic YmFzdGlvbiUyMHJzOnMzY3IlM0FldA==");
}

TEST_F(IntrospectionVerifierTest, RejectsInactiveToken) {
  // active=false is a refusal, and it is not cached: the next call asks again.
  auto v = make();
  fetcher->answerJson(R"({"active":false})");
  EXPECT_EQ(reason(v->verify("revoked")), code(AuthError::InactiveToken));
  fetcher->answerJson(R"({"active":false})");
  EXPECT_EQ(reason(v->verify("revoked")), code(AuthError::InactiveToken));
  EXPECT_EQ(fetcher->requests.size(), 2u);
}

TEST_F(IntrospectionVerifierTest, RejectsTokenForAnotherAudience) {
  // A token minted for another resource is refused (no passthrough), as string or array.
  auto v = make();
  fetcher->answerJson(active(seconds(300), R"("aud":"https://other.example.com/mcp")"));
  EXPECT_EQ(reason(v->verify("t1")), code(AuthError::AudienceMismatch));
  fetcher->answerJson(active(seconds(300), R"("aud":["https://other.example.com","x"])"));
  EXPECT_EQ(reason(v->verify("t2")), code(AuthError::AudienceMismatch));
  fetcher->answerJson(active(seconds(300), R"("aud":["x","https://mcp.example.com/mcp"])"));
  EXPECT_TRUE(v->verify("t3"));
  fetcher->answerJson(active(seconds(300), R"("aud":42)"));
  EXPECT_EQ(reason(v->verify("t4")), code(AuthError::MissingClaim));
}

TEST_F(IntrospectionVerifierTest, FailsClosedWhenIntrospectionUnreachable) {
  // No answer, a non-200, or a malformed answer are all IntrospectionFailed, never "active".
  auto v = make();
  fetcher->answers.emplace_back(Error(net::FetchError::Timeout, "deadline passed"));
  EXPECT_EQ(reason(v->verify("t")), code(AuthError::IntrospectionFailed));
  fetcher->answerJson(active(seconds(300)), 500);
  EXPECT_EQ(reason(v->verify("t")), code(AuthError::IntrospectionFailed));
  fetcher->answerJson("not json");
  EXPECT_EQ(reason(v->verify("t")), code(AuthError::IntrospectionFailed));
  fetcher->answerJson(R"([{"active":true}])");
  EXPECT_EQ(reason(v->verify("t")), code(AuthError::IntrospectionFailed));
  fetcher->answerJson(R"({"active":"true","sub":"alice"})");
  EXPECT_EQ(reason(v->verify("t")), code(AuthError::IntrospectionFailed));
  fetcher->answerJson(R"({"sub":"alice"})");
  EXPECT_EQ(reason(v->verify("t")), code(AuthError::IntrospectionFailed));
}

TEST_F(IntrospectionVerifierTest, CachesActiveToken) {
  // A second verify of the same token within the cache lifetime makes no fetch.
  auto v = make();
  fetcher->answerJson(active(seconds(300)));
  ASSERT_TRUE(v->verify("tok"));
  clock.advance(seconds(59));
  auto again = v->verify("tok");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->principal.sub, "alice");
  EXPECT_EQ(fetcher->requests.size(), 1u);
  // A different token is not served from the cache.
  fetcher->answerJson(R"({"active":false})");
  EXPECT_EQ(reason(v->verify("tok2")), code(AuthError::InactiveToken));
  EXPECT_EQ(fetcher->requests.size(), 2u);
}

TEST_F(IntrospectionVerifierTest, CacheLifetimeIsBoundedSoRevocationIsNoticed) {
  // After max_cache_lifetime the endpoint is asked again; its "inactive" now wins.
  auto v = make();
  fetcher->answerJson(active(seconds(3600)));
  ASSERT_TRUE(v->verify("tok"));
  clock.advance(seconds(61));
  fetcher->answerJson(R"({"active":false})");
  EXPECT_EQ(reason(v->verify("tok")), code(AuthError::InactiveToken));
  EXPECT_EQ(fetcher->requests.size(), 2u);
}

TEST_F(IntrospectionVerifierTest, RejectsExpiredCachedToken) {
  // A cached token past its own exp (plus skew) is refused without asking the endpoint.
  IntrospectionOptions o;
  o.clock_skew = seconds(0);
  o.max_cache_lifetime = seconds(600);
  auto v = make(o);
  fetcher->answerJson(active(seconds(30)));
  auto first = v->verify("tok");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->expires, clock.now() + seconds(30));
  clock.advance(seconds(30));
  EXPECT_EQ(reason(v->verify("tok")), code(AuthError::Expired));
  EXPECT_EQ(fetcher->requests.size(), 1u);
}

TEST_F(IntrospectionVerifierTest, RejectsExpiredAndNotYetValidAnswers) {
  // exp in the past / nbf in the future, beyond the skew, refuse an "active" answer.
  auto v = make();
  fetcher->answerJson(active(-seconds(31)));
  EXPECT_EQ(reason(v->verify("t1")), code(AuthError::Expired));
  fetcher->answerJson(active(-seconds(29)));  // within 30 s skew
  EXPECT_TRUE(v->verify("t2"));
  const auto nbf = std::chrono::duration_cast<seconds>(clock.now().time_since_epoch()).count() + 60;
  fetcher->answerJson(active(seconds(300), R"("nbf":)" + std::to_string(nbf)));
  EXPECT_EQ(reason(v->verify("t3")), code(AuthError::NotYetValid));
  fetcher->answerJson(active(seconds(300), R"("nbf":"soon")"));
  EXPECT_EQ(reason(v->verify("t4")), code(AuthError::MissingClaim));
}

TEST_F(IntrospectionVerifierTest, RejectsWrongIssuerWhenConfigured) {
  // With an issuer configured, iss must be present and equal.
  IntrospectionOptions o;
  o.issuer = "https://as.example.com";
  auto v = make(o);
  fetcher->answerJson(
      R"({"active":true,"sub":"alice","iss":"https://evil.example.com","aud":"https://mcp.example.com/mcp"})");
  EXPECT_EQ(reason(v->verify("t1")), code(AuthError::IssuerMismatch));
  fetcher->answerJson(R"({"active":true,"sub":"alice"})");
  EXPECT_EQ(reason(v->verify("t2")), code(AuthError::MissingClaim));
  fetcher->answerJson(active(seconds(300)));
  EXPECT_TRUE(v->verify("t3"));
}

TEST_F(IntrospectionVerifierTest, RejectsRefreshTokenAndMissingSubject) {
  // A refresh token is not an access token; an answer without sub names nobody.
  auto v = make();
  fetcher->answerJson(active(seconds(300), R"("token_type":"refresh_token")"));
  EXPECT_EQ(reason(v->verify("t1")), code(AuthError::WrongTokenType));
  fetcher->answerJson(R"({"active":true,"client_id":"app"})");
  EXPECT_EQ(reason(v->verify("t2")), code(AuthError::MissingClaim));
  fetcher->answerJson(R"({"active":true,"sub":7})");
  EXPECT_EQ(reason(v->verify("t3")), code(AuthError::MissingClaim));
}

TEST_F(IntrospectionVerifierTest, RefusesEmptyAndOversizedTokensWithoutAsking) {
  // Nothing is sent for tokens that cannot be valid.
  auto v = make();
  EXPECT_EQ(reason(v->verify("")), code(AuthError::MalformedToken));
  EXPECT_EQ(reason(v->verify(std::string(9000, 'a'))), code(AuthError::TokenTooLarge));
  EXPECT_TRUE(fetcher->requests.empty());
}

TEST_F(IntrospectionVerifierTest, CacheStaysWithinItsBound) {
  // With room for two entries, a third token evicts the one closest to expiry.
  IntrospectionOptions o;
  o.max_cache_entries = 2;
  auto v = make(o);
  fetcher->answerJson(active(seconds(10)));  // "a": cached until +10 s
  fetcher->answerJson(active(seconds(50)));  // "b"
  fetcher->answerJson(active(seconds(50)));  // "c" evicts "a"
  ASSERT_TRUE(v->verify("a"));
  ASSERT_TRUE(v->verify("b"));
  ASSERT_TRUE(v->verify("c"));
  ASSERT_TRUE(v->verify("b"));
  ASSERT_TRUE(v->verify("c"));
  EXPECT_EQ(fetcher->requests.size(), 3u);
  fetcher->answerJson(active(seconds(50)));
  ASSERT_TRUE(v->verify("a"));  // asked again
  EXPECT_EQ(fetcher->requests.size(), 4u);
}

TEST_F(IntrospectionVerifierTest, ConcurrentVerifiesAreSafe) {
  // verify() from several threads: every call succeeds and the shared cache stays consistent.
  auto v = make();
  for (int i = 0; i < 8; ++i) {
    fetcher->answerJson(active(seconds(300)));
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 20; ++j) {
        if (v->verify(i % 2 == 0 ? "even" : "odd")) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 160);
  std::lock_guard<std::mutex> lock(fetcher->mu_);
  EXPECT_GE(fetcher->requests.size(), 2u);
  EXPECT_LE(fetcher->requests.size(), 8u);
}

TEST(IntrospectionConfigTest, RefusesIncompleteConfiguration) {
  // Endpoint, credentials, resource and fetcher are all required, with exact messages.
  ManualClock clock;
  auto fetcher = std::make_shared<FakeFetcher>();
  IntrospectionOptions o{.endpoint = "ftp://as.example.com/introspect",
                         .client_id = "c",
                         .client_secret = "s",
                         .resource = std::string(kResource)};
  auto r = makeIntrospectionVerifier(o, fetcher, clock);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "auth.introspection endpoint must be an absolute http(s) URL");
  o.endpoint = std::string(kEndpoint);
  o.client_secret = "";
  r = makeIntrospectionVerifier(o, fetcher, clock);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(IntrospectionConfigError::MissingCredentials));
  o.client_secret = "s";
  o.resource = "";
  r = makeIntrospectionVerifier(o, fetcher, clock);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(IntrospectionConfigError::MissingResource));
  o.resource = std::string(kResource);
  r = makeIntrospectionVerifier(o, nullptr, clock);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(IntrospectionConfigError::MissingFetcher));
  EXPECT_TRUE(makeIntrospectionVerifier(o, fetcher, clock));
}

}  // namespace
}  // namespace bastion::auth
