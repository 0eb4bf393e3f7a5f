// POST /login and POST /consent: CSRF, throttling, sessions and remembered consent.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "oauth/browser_state.h"
#include "oauth/pages.h"
#include "oauth/throttle.h"
#include "web_fixture.h"

namespace bastion::oauth::testing {
namespace {

using LoginConsentTest = WebFixture;

TEST_F(LoginConsentTest, LoginCsrfRefused) {
  // A login POST without the form's CSRF token, or from a browser without the session, fails.
  auto page = authorize(validParams());
  const std::string cookie = cookieOf(page);
  const std::string id = hiddenField(page.body, "request_id");
  const std::string csrf = hiddenField(page.body, "csrf");
  ASSERT_FALSE(cookie.empty());
  ASSERT_FALSE(csrf.empty());

  auto forged = login(cookie, id, "forged-token", "alice", "correct horse");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(cookieOf(forged), "");
  // The attacker's own session and token do not work from the victim's browser either.
  auto attacker = authorize(validParams());
  auto cross = login(cookie, hiddenField(attacker.body, "request_id"),
                     hiddenField(attacker.body, "csrf"), "alice", "correct horse");
  EXPECT_NE(cross.status, 303);
  EXPECT_EQ(cookieOf(cross), "");
  auto no_cookie = login("", id, csrf, "alice", "correct horse");
  EXPECT_EQ(no_cookie.status, 400);
  // The forged attempt burnt the pending request: even the right token no longer works.
  EXPECT_EQ(login(cookie, id, csrf, "alice", "correct horse").status, 400);
}

TEST_F(LoginConsentTest, ConsentCsrfRefused) {
  // A consent POST with a wrong token, or another session's token, issues no code.
  auto flow = authorizeAndLogin(validParams());
  ASSERT_EQ(flow.response.status, 200);
  const std::string id = hiddenField(flow.response.body, "request_id");
  auto forged = handleConsent(
      *state_, formPost("/consent", {{"request_id", id}, {"csrf", "guess"}, {"decision", "allow"}},
                        flow.cookie));
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(header(forged, "location"), "");
  EXPECT_FALSE(state_->deps.store->getConsent("alice", kClientId));

  // Another logged-in browser's valid form does not work with this browser's cookie.
  auto other = authorizeAndLogin(validParams());
  auto cross = consent(flow.cookie, other.response, "allow");
  EXPECT_EQ(header(cross, "location"), "");
  // And a not-logged-in session cannot consent at all.
  auto anon = authorize(validParams());
  auto anon_consent = consent(cookieOf(anon), other.response, "allow");
  EXPECT_EQ(header(anon_consent, "location"), "");
}

TEST_F(LoginConsentTest, LoginRotatesSessionId) {
  // Session fixation: the id before login stops working after it.
  auto page = authorize(validParams());
  const std::string before = cookieOf(page);
  auto after = login(before, hiddenField(page.body, "request_id"), hiddenField(page.body, "csrf"),
                     "alice", "correct horse");
  const std::string fresh = cookieOf(after);
  ASSERT_FALSE(fresh.empty());
  EXPECT_NE(fresh, before);
  auto again = authorize(validParams(), before);
  EXPECT_NE(again.body.find("name=\"password\""), std::string::npos);  // asked to log in again
}

TEST_F(LoginConsentTest, WrongPasswordShowsLoginAgain) {
  // A wrong password re-renders the form (same request) with a generic message.
  auto page = authorize(validParams());
  const std::string cookie = cookieOf(page);
  auto r = login(cookie, hiddenField(page.body, "request_id"), hiddenField(page.body, "csrf"),
                 "alice", "wrong");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Wrong user name or password"), std::string::npos);
  auto unknown =
      login(cookie, hiddenField(r.body, "request_id"), hiddenField(r.body, "csrf"), "mallory", "x");
  EXPECT_NE(unknown.body.find("Wrong user name or password"), std::string::npos);
  auto ok = login(cookie, hiddenField(unknown.body, "request_id"),
                  hiddenField(unknown.body, "csrf"), "alice", "correct horse");
  EXPECT_NE(ok.body.find("Allow access?"), std::string::npos);
}

TEST_F(LoginConsentTest, FailedLoginsRateLimitedPerUser) {
  // After 3 failures for alice (from different IPs) even the right password is refused, until
  // the 15-minute window has passed.
  auto page = authorize(validParams());
  const std::string cookie = cookieOf(page);
  std::string body = page.body;
  for (int i = 0; i < 3; ++i) {
    auto r = login(cookie, hiddenField(body, "request_id"), hiddenField(body, "csrf"), "alice",
                   "wrong", "198.51.100." + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    body = r.body;
  }
  auto blocked = login(cookie, hiddenField(body, "request_id"), hiddenField(body, "csrf"), "alice",
                       "correct horse", "198.51.100.9");
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(header(blocked, "retry-after"), "900");  // the rest of the 15-minute window
  EXPECT_EQ(cookieOf(blocked), "");
  clock_.advance(std::chrono::minutes(15));
  auto ok = login(cookie, hiddenField(blocked.body, "request_id"),
                  hiddenField(blocked.body, "csrf"), "alice", "correct horse", "198.51.100.9");
  EXPECT_NE(cookieOf(ok), "");
}

TEST_F(LoginConsentTest, FailedLoginsRateLimitedPerIp) {
  // 5 failures from one address (any user names) block it; another address is unaffected.
  auto page = authorize(validParams());
  const std::string cookie = cookieOf(page);
  std::string body = page.body;
  for (int i = 0; i < 5; ++i) {
    auto r = login(cookie, hiddenField(body, "request_id"), hiddenField(body, "csrf"),
                   "user" + std::to_string(i), "wrong", "203.0.113.7");
    ASSERT_EQ(r.status, 200);
    body = r.body;
  }
  auto blocked = login(cookie, hiddenField(body, "request_id"), hiddenField(body, "csrf"), "alice",
                       "correct horse", "203.0.113.7");
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(header(blocked, "retry-after"), "900");
  auto elsewhere =
      login(cookie, hiddenField(blocked.body, "request_id"), hiddenField(blocked.body, "csrf"),
            "alice", "correct horse", "203.0.113.8");
  EXPECT_NE(cookieOf(elsewhere), "");
}

TEST_F(LoginConsentTest, SuccessfulLoginsDoNotCountAsFailures) {
  // Logging in more often than the failure limit is fine.
  for (int i = 0; i < 7; ++i) {
    auto flow = authorizeAndLogin(validParams());
    EXPECT_EQ(flow.response.status, 200) << i;
  }
}

TEST_F(LoginConsentTest, RememberedConsentSkipsPage) {
  // After "allow" with remember, the same client and scopes get a code without a page.
  auto flow = authorizeAndLogin(validParams());
  ASSERT_NE(flow.response.body.find("Allow access?"), std::string::npos);
  ASSERT_EQ(consent(flow.cookie, flow.response, "allow").status, 303);
  auto again = authorize(validParams(), flow.cookie);
  EXPECT_EQ(again.status, 302);
  EXPECT_FALSE(locationParams(again)["code"].empty());
  // More scopes than remembered: the page again.
  auto p = validParams();
  p["scope"] = "files:read files:write";
  auto wider = authorize(p, flow.cookie);
  EXPECT_EQ(wider.status, 200);
  EXPECT_NE(wider.body.find("files:write"), std::string::npos);
}

TEST_F(LoginConsentTest, UnrememberedConsentAsksAgain) {
  // Without the remember box, the next request shows the page again.
  auto flow = authorizeAndLogin(validParams());
  ASSERT_EQ(consent(flow.cookie, flow.response, "allow", false).status, 303);
  EXPECT_EQ(authorize(validParams(), flow.cookie).status, 200);
}

TEST_F(LoginConsentTest, RevokedConsentShowsPageAgain) {
  // Revoking the remembered consent brings the consent page back.
  auto flow = authorizeAndLogin(validParams());
  ASSERT_EQ(consent(flow.cookie, flow.response, "allow").status, 303);
  ASSERT_EQ(authorize(validParams(), flow.cookie).status, 302);
  ASSERT_TRUE(state_->deps.store->revokeConsent("alice", kClientId));
  auto again = authorize(validParams(), flow.cookie);
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("Allow access?"), std::string::npos);
}

TEST_F(LoginConsentTest, DenyRedirectsAccessDenied) {
  // "Deny" sends access_denied with state and iss, and remembers nothing.
  auto flow = authorizeAndLogin(validParams());
  auto r = consent(flow.cookie, flow.response, "deny");
  EXPECT_EQ(r.status, 303);
  auto q = locationParams(r);
  EXPECT_EQ(q["error"], "access_denied");
  EXPECT_EQ(q["state"], "st-123");
  EXPECT_EQ(q["iss"], kIssuer);
  EXPECT_FALSE(state_->deps.store->getConsent("alice", kClientId));
}

TEST_F(LoginConsentTest, ConsentFormSingleUse) {
  // A consent form cannot be replayed for a second code.
  auto flow = authorizeAndLogin(validParams());
  ASSERT_EQ(consent(flow.cookie, flow.response, "allow").status, 303);
  EXPECT_EQ(header(consent(flow.cookie, flow.response, "allow"), "location"), "");
}

TEST_F(LoginConsentTest, PagesForbidFraming) {
  // Login, consent and error pages all forbid framing and caching and leak no referrer to other
  // origins.
  auto login_page = authorize(validParams());
  auto flow = authorizeAndLogin(validParams());
  auto p = validParams();
  p["redirect_uri"] = "https://evil.example/";
  auto error_page = authorize(p);
  for (const auto* r : {&login_page, &flow.response, &error_page}) {
    const std::string csp = header(*r, "content-security-policy");
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp.find("form-action 'self'"), std::string::npos);
    EXPECT_EQ(csp.find("script-src"), std::string::npos);
    EXPECT_EQ(header(*r, "x-frame-options"), "DENY");
    EXPECT_EQ(header(*r, "cache-control"), "no-store");
    EXPECT_EQ(header(*r, "referrer-policy"), "same-origin");  // Origin kept for our POSTs
    EXPECT_EQ(r->body.find("<script"), std::string::npos);
  }
  // The consent form may redirect to the client's origin, and only there.
  EXPECT_NE(header(flow.response, "content-security-policy")
                .find("form-action 'self' https://app.example"),
            std::string::npos);
}

TEST_F(LoginConsentTest, CookieAttributes) {
  // Without TLS: HttpOnly, SameSite=Lax, Path=/; with TLS: __Host- prefix and Secure, no Domain.
  auto plain = authorize(validParams());
  const std::string c = header(plain, "set-cookie");
  EXPECT_TRUE(c.starts_with("bastion_session=")) << c;
  EXPECT_NE(c.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("; SameSite=Lax"), std::string::npos);
  EXPECT_NE(c.find("; Path=/"), std::string::npos);
  EXPECT_EQ(c.find("Secure"), std::string::npos);
  EXPECT_EQ(c.find("Domain"), std::string::npos);

  tls_ = true;
  auto secure = authorize(validParams());
  const std::string s = header(secure, "set-cookie");
  EXPECT_TRUE(s.starts_with("__Host-bastion_session=")) << s;
  EXPECT_NE(s.find("; Secure"), std::string::npos);
  EXPECT_NE(s.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(s.find("; SameSite=Lax"), std::string::npos);
  EXPECT_NE(s.find("; Path=/"), std::string::npos);
  EXPECT_EQ(s.find("Domain"), std::string::npos);
  // Over TLS the unprefixed cookie is ignored (it could have been set by a sibling host).
  web::Request r;
  r.tls = true;
  r.headers = {{"cookie", "bastion_session=abc; __Host-bastion_session=xyz"}};
  EXPECT_EQ(readSessionCookie(r), "xyz");
  r.headers = {{"cookie", "bastion_session=abc"}};
  EXPECT_EQ(readSessionCookie(r), std::nullopt);
}

TEST_F(LoginConsentTest, ClientNameEscapedOnPages) {
  // A hostile client_name is text, never markup.
  store::Client c;
  c.client_id = "xss";
  c.client_name = "<script>alert(1)</script>\"'&";
  c.redirect_uris = {kRedirect};
  ASSERT_TRUE(state_->deps.store->putClient(c));
  auto p = validParams();
  p["client_id"] = "xss";
  auto page = authorize(p);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_NE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"),
            std::string::npos);
}

TEST_F(LoginConsentTest, ConsentPageNamesClientRedirectHostAndScopes) {
  // The consent page says who asks, where the browser goes next and what is granted.
  auto p = validParams();
  p["scope"] = "files:read files:write";
  auto flow = authorizeAndLogin(p);
  const std::string& b = flow.response.body;
  EXPECT_NE(b.find("Test Client"), std::string::npos);
  EXPECT_NE(b.find("app.example"), std::string::npos);
  EXPECT_NE(b.find("Read your files"), std::string::npos);
  EXPECT_NE(b.find("Create and change your files"), std::string::npos);
  auto loop = validParams();
  loop["redirect_uri"] = "http://127.0.0.1:5555/cb";
  auto flow2 = authorizeAndLogin(loop);
  EXPECT_NE(flow2.response.body.find("your own computer"), std::string::npos);
}

TEST(ScopeWords, PlainWordsForCommonShapes) {
  // Scopes are described in words; unknown shapes fall back to quoting the scope.
  EXPECT_EQ(describeScope("files:read"), "Read your files");
  EXPECT_EQ(describeScope("mcp:tools"), "Call the tools of this server");
  EXPECT_EQ(describeScope("offline_access"), "Stay connected when you are not using it");
  EXPECT_EQ(describeScope("weird"), "Use “weird”");
  EXPECT_EQ(describeScope("a:b:c"), "Use “a:b:c”");
}

TEST(Throttle, TableFullFailsClosed) {
  // When every slot holds a live key, new keys are refused rather than evicting counters.
  WindowCounter counter(2);
  const auto t0 = std::chrono::system_clock::time_point{};
  EXPECT_TRUE(counter.tryAcquire("a", 5, std::chrono::minutes(15), t0));
  EXPECT_TRUE(counter.tryAcquire("b", 5, std::chrono::minutes(15), t0));
  EXPECT_FALSE(counter.tryAcquire("c", 5, std::chrono::minutes(15), t0));
  EXPECT_TRUE(counter.tryAcquire("a", 5, std::chrono::minutes(15), t0));  // known keys still count
  EXPECT_TRUE(counter.tryAcquire("c", 5, std::chrono::minutes(15), t0 + std::chrono::minutes(15)));
}

TEST(BrowserSessionsTable, FloodCannotEvictLoggedInSessions) {
  // Filling the table with anonymous sessions pushes out other anonymous ones, never a login.
  BrowserSessions sessions;
  const auto now = std::chrono::system_clock::time_point{std::chrono::hours(1000)};
  auto victim = sessions.create(systemRandom(), now);
  ASSERT_TRUE(victim);
  auto logged = sessions.login(*victim, "alice", systemRandom(), now);
  ASSERT_TRUE(logged);
  for (std::size_t i = 0; i < BrowserSessions::kMaxSessions + 10; ++i) {
    ASSERT_TRUE(sessions.create(systemRandom(), now));
  }
  auto still = sessions.find(*logged, now);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->user, "alice");
}

}  // namespace
}  // namespace bastion::oauth::testing
