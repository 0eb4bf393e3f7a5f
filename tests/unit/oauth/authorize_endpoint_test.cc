// GET /authorize: what is shown on a page, what is redirected, and what a redirect carries.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "oauth/authorization_flow.h"
#include "oauth/clients.h"
#include "web_fixture.h"

namespace bastion::oauth::testing {
namespace {

using AuthorizeTest = WebFixture;

// Asserts the response is a page, not a redirect.
void expectPageNotRedirect(const web::Response& r) {
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(WebFixture::header(r, "location"), "");
  EXPECT_NE(WebFixture::header(r, "content-type").find("text/html"), std::string::npos);
}

TEST_F(AuthorizeTest, OpenRedirectToUnregisteredUriShownOnPage) {
  // An attacker-chosen redirect_uri must produce an error page and never a Location to it.
  auto p = validParams();
  p["redirect_uri"] = "https://evil.example/steal";
  auto r = authorize(p);
  expectPageNotRedirect(r);
  EXPECT_EQ(r.body.find("evil.example"), std::string::npos);
}

TEST_F(AuthorizeTest, RedirectUriMismatchAtAuthorizeNeverRedirects) {
  // Near misses of a registered URI are mismatches: no normalisation, no prefix matching.
  for (const std::string uri :
       {"https://app.example/callback/", "https://app.example/callback?x=1",
        "https://APP.example/callback", "http://app.example/callback",
        "https://app.example/callback#frag", "https://app.example@evil.example/callback",
        "https://app.example/callbackx", "https://app.example:443/callback",
        "http://127.0.0.1:8080/cb/", "http://127.0.0.2/cb", "http://localhost/cb",
        "http://127.0.0.1/cb?x=1", "http://localhost:4000/cb", "javascript:alert(1)"}) {
    auto p = validParams();
    p["redirect_uri"] = uri;
    p["code_challenge"] = "";  // a later error must not be redirected either
    expectPageNotRedirect(authorize(p));
  }
}

TEST_F(AuthorizeTest, UnknownClientShownOnPage) {
  // An unknown client_id is reported on a page even with a plausible redirect_uri.
  auto p = validParams();
  p["client_id"] = "nobody";
  expectPageNotRedirect(authorize(p));
}

TEST_F(AuthorizeTest, RepeatedRedirectUriShownOnPage) {
  // A repeated parameter (here redirect_uri) is malformed: nothing is trusted for a redirect.
  auto p = validParams();
  web::Request r;
  r.method = "GET";
  r.target = "/authorize?" + encode(p) + "&redirect_uri=" + web::formEncode("https://e.example/");
  auto resp = handleAuthorize(*state_, r);
  expectPageNotRedirect(resp);
}

TEST_F(AuthorizeTest, LoopbackRedirectMatchesAnyPort) {
  // RFC 8252 §7.3: a loopback redirect matches whatever port the native client listens on.
  for (const std::string uri : {"http://127.0.0.1:51234/cb", "http://127.0.0.1/cb",
                                "http://[::1]:8080/cb", "http://localhost:1/cb?x=1"}) {
    auto p = validParams();
    p["redirect_uri"] = uri;
    auto r = authorize(p);
    EXPECT_EQ(r.status, 200) << uri << ": " << r.body;
    EXPECT_NE(r.body.find("name=\"password\""), std::string::npos) << uri;
  }
  const std::vector<std::string> registered{"http://127.0.0.1:3000/cb"};
  EXPECT_TRUE(redirectUriMatches(registered, "http://127.0.0.1:9/cb"));
  EXPECT_FALSE(redirectUriMatches(registered, "http://127.0.0.1:9/other"));
  EXPECT_FALSE(redirectUriMatches(registered, "https://127.0.0.1:3000/cb"));
  EXPECT_FALSE(redirectUriMatches({"https://app.example:3000/cb"}, "https://app.example:4000/cb"));
}

TEST_F(AuthorizeTest, PkceMissingRefused) {
  // Without a code_challenge the request is refused at the (trusted) redirect.
  auto p = validParams();
  p.erase("code_challenge");
  auto r = authorize(p);
  EXPECT_EQ(r.status, 302);
  auto q = locationParams(r);
  EXPECT_EQ(q["error"], "invalid_request");
  EXPECT_EQ(q["state"], "st-123");
  EXPECT_EQ(q["iss"], kIssuer);
  EXPECT_TRUE(header(r, "location").starts_with(std::string(kRedirect) + "?"));
}

TEST_F(AuthorizeTest, PkcePlainRefused) {
  // code_challenge_method=plain, or none given (which means plain), is refused.
  for (const std::string method : {"plain", ""}) {
    auto p = validParams();
    p["code_challenge_method"] = method;
    auto r = authorize(p);
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(locationParams(r)["error"], "invalid_request") << method;
  }
  auto p = validParams();
  p["code_challenge"] = "short";
  EXPECT_EQ(locationParams(authorize(p))["error"], "invalid_request");
}

TEST_F(AuthorizeTest, ResourceMismatchRefused) {
  // A token for another resource (or none named) is not issued: invalid_target.
  for (const std::string resource :
       {"https://other.example/mcp", "https://as.example/mcp/x", "", "https://as.example"}) {
    auto p = validParams();
    p["resource"] = resource;
    auto r = authorize(p);
    EXPECT_EQ(r.status, 302) << resource;
    EXPECT_EQ(locationParams(r)["error"], "invalid_target") << resource;
  }
  auto p = validParams();
  p["resource"] = "HTTPS://AS.EXAMPLE/mcp";  // scheme and host case are not significant
  EXPECT_EQ(authorize(p).status, 200);
}

TEST_F(AuthorizeTest, ScopeBeyondClientRefused) {
  // tools:call is supported by the server but not registered by the client; "admin" by neither.
  for (const std::string scope : {"files:read tools:call", "admin", "files:read  files:write"}) {
    auto p = validParams();
    p["scope"] = scope;
    auto r = authorize(p);
    EXPECT_EQ(r.status, 302) << scope;
    EXPECT_EQ(locationParams(r)["error"], "invalid_scope") << scope;
  }
}

TEST_F(AuthorizeTest, ResponseTypeTokenRefused) {
  // The implicit grant does not exist in OAuth 2.1.
  auto p = validParams();
  p["response_type"] = "token";
  EXPECT_EQ(locationParams(authorize(p))["error"], "unsupported_response_type");
}

TEST_F(AuthorizeTest, StatePassedThroughAndIssPresent) {
  // Success and error redirects both echo state verbatim and carry iss (RFC 9207).
  auto p = validParams();
  p["state"] = "a b&c=d/é";
  auto flow = authorizeAndLogin(p);
  auto done = consent(flow.cookie, flow.response, "allow");
  ASSERT_EQ(done.status, 303) << done.body;
  auto q = locationParams(done);
  EXPECT_EQ(q["state"], "a b&c=d/é");
  EXPECT_EQ(q["iss"], kIssuer);
  EXPECT_FALSE(q["code"].empty());
  EXPECT_EQ(q.count("error"), 0u);

  p.erase("code_challenge");
  auto err = authorize(p);
  auto eq = locationParams(err);
  EXPECT_EQ(eq["state"], "a b&c=d/é");
  EXPECT_EQ(eq["iss"], kIssuer);
}

TEST_F(AuthorizeTest, CodeStoredHashedBoundAndShortLived) {
  // The code is stored only as its hash, bound to client, redirect, challenge, resource, user.
  auto flow = authorizeAndLogin(validParams());
  auto done = consent(flow.cookie, flow.response, "allow");
  const std::string code = locationParams(done)["code"];
  ASSERT_FALSE(code.empty());
  store::AuthorizationCode replay;
  EXPECT_FALSE(state_->deps.store->consumeCode(code, &replay));  // not stored in clear
  auto stored = state_->deps.store->consumeCode(hashSecret(code), &replay);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->client_id, kClientId);
  EXPECT_EQ(stored->redirect_uri, kRedirect);
  EXPECT_EQ(stored->code_challenge, kChallenge);
  EXPECT_EQ(stored->resource, kResource);
  EXPECT_EQ(stored->sub, "alice");
  EXPECT_EQ(stored->scopes, std::vector<std::string>{"files:read"});
  EXPECT_FALSE(stored->family_id.empty());
  EXPECT_EQ(stored->expires, clock_.now() + std::chrono::seconds(60));
}

TEST_F(AuthorizeTest, DefaultScopesWhenNoneRequested) {
  // No scope parameter: the server's default scopes that the client may have.
  auto p = validParams();
  p.erase("scope");
  auto flow = authorizeAndLogin(p);
  EXPECT_NE(flow.response.body.find("files:read"), std::string::npos);
}

TEST_F(AuthorizeTest, ExistingRedirectQueryKept) {
  // A registered redirect with a query keeps it; our parameters are appended.
  EXPECT_EQ(appendQuery("http://localhost:4000/cb?x=1", {{"code", "a+b"}}),
            "http://localhost:4000/cb?x=1&code=a%2Bb");
  EXPECT_EQ(appendQuery("https://a.example/cb", {{"state", "s t"}, {"iss", "https://i"}}),
            "https://a.example/cb?state=s%20t&iss=https%3A%2F%2Fi");
}

}  // namespace
}  // namespace bastion::oauth::testing
