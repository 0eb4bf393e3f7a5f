// Client resolution: Client ID Metadata Documents (fetch, validation, cache) and URI rules.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "oauth/clients.h"

#include "web_fixture.h"

namespace bastion::oauth::testing {
namespace {

using ClientsTest = WebFixture;

std::string cimdDocument(const std::string& client_id, const std::string& extra = "") {
  return R"({"client_id":")" + client_id +
         R"(","client_name":"Tool","redirect_uris":["http://127.0.0.1:3000/callback"],)"
         R"("grant_types":["authorization_code","refresh_token"],"response_types":["code"],)"
         R"("token_endpoint_auth_method":"none")" +
         extra + "}";
}

void serve(FakeFetcher& f, std::string body, std::string cache_control = "") {
  f.error.reset();
  f.response.status = 200;
  f.response.body = std::move(body);
  f.response.headers.clear();
  if (!cache_control.empty()) {
    f.response.headers.emplace_back("cache-control", cache_control);
  }
}

std::map<std::string, std::string> cimdParams() {
  auto p = WebFixture::validParams();
  p["client_id"] = kCimdUrl;
  p["redirect_uri"] = "http://127.0.0.1:49152/callback";
  return p;
}

TEST_F(ClientsTest, CimdClientAuthorizes) {
  // A valid document lets its client reach the login page; the page names the document's host.
  serve(*fetcher_, cimdDocument(kCimdUrl));
  auto r = authorize(cimdParams());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("tool.example"), std::string::npos);
  EXPECT_EQ(fetcher_->calls, 1);
  EXPECT_EQ(fetcher_->last_request.url, kCimdUrl);
  EXPECT_LE(fetcher_->last_request.max_bytes, 64u * 1024);
  EXPECT_LE(fetcher_->last_request.timeout, std::chrono::seconds(5));
}

TEST_F(ClientsTest, CimdClientIdMismatchRefused) {
  // A document claiming another client_id (even one differing only in case or a slash) is
  // refused on a page, never redirected.
  for (const std::string claimed :
       {"https://tool.example/oauth/other.json", "https://TOOL.example/oauth/client.json",
        "https://tool.example/oauth/client.json/"}) {
    serve(*fetcher_, cimdDocument(claimed));
    auto r = authorize(cimdParams());
    EXPECT_EQ(r.status, 400) << claimed;
    EXPECT_EQ(header(r, "location"), "");
    EXPECT_NE(r.body.find("differs from its URL"), std::string::npos);
  }
  EXPECT_EQ(state_->clients->cachedDocuments(), 0u);
  auto direct = state_->clients->resolve(kCimdUrl);
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code, static_cast<int>(ClientError::ClientIdMismatch));
}

TEST_F(ClientsTest, CimdFetchFailureRefused) {
  // The SSRF guard's refusal (a client_id URL resolving to 127.0.0.1, 169.254.169.254, ...) is a
  // refused client, shown on a page, and not cached.
  fetcher_->error = Error(net::FetchError::ForbiddenAddress, "tool.example: forbidden address");
  auto r = authorize(cimdParams());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(header(r, "location"), "");
  auto direct = state_->clients->resolve(kCimdUrl);
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code, static_cast<int>(ClientError::MetadataFetchFailed));
  // Redirects are not followed: a 302 answer is a failure too.
  serve(*fetcher_, "");
  fetcher_->response.status = 302;
  fetcher_->response.headers = {{"location", "https://elsewhere.example/doc.json"}};
  auto redirected = state_->clients->resolve(kCimdUrl);
  ASSERT_FALSE(redirected);
  EXPECT_EQ(redirected.error().code, static_cast<int>(ClientError::MetadataFetchFailed));
  EXPECT_EQ(state_->clients->cachedDocuments(), 0u);
}

TEST_F(ClientsTest, CimdRedirectUriNotInDocumentRefused) {
  // The document's redirect_uris bind the client like registered ones.
  serve(*fetcher_, cimdDocument(kCimdUrl));
  auto p = cimdParams();
  p["redirect_uri"] = "https://evil.example/callback";
  auto r = authorize(p);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(header(r, "location"), "");
}

TEST_F(ClientsTest, CimdSecretsAndPrivateKeyJwtRefused) {
  // Documents cannot carry secrets; private_key_jwt is not supported yet (a clear error).
  serve(*fetcher_, cimdDocument(kCimdUrl, R"(,"client_secret":"s")"));
  auto secret = state_->clients->resolve(kCimdUrl);
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().code, static_cast<int>(ClientError::MetadataInvalid));

  auto doc = std::string(R"({"client_id":")") + kCimdUrl +
             R"(","client_name":"T","redirect_uris":["https://t.example/cb"],)"
             R"("token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://t.example/j"})";
  serve(*fetcher_, doc);
  auto pkj = state_->clients->resolve(kCimdUrl);
  ASSERT_FALSE(pkj);
  EXPECT_EQ(pkj.error().code, static_cast<int>(ClientError::UnsupportedAuthMethod));
  EXPECT_NE(pkj.error().message.find("private_key_jwt"), std::string::npos);
}

TEST_F(ClientsTest, CimdMalformedDocumentsRefused) {
  // Not JSON, not an object, missing or ill-typed members, bad redirect URIs, other grants.
  const std::vector<std::pair<std::string, ClientError>> cases{
      {"not json", ClientError::MetadataNotJson},
      {"[]", ClientError::MetadataNotJson},
      {R"({"client_name":"x"})", ClientError::MetadataInvalid},
      {R"({"client_id":")" + std::string(kCimdUrl) + R"(","client_name":"x"})",
       ClientError::MetadataInvalid},
      {R"({"client_id":")" + std::string(kCimdUrl) +
           R"j(","client_name":"x","redirect_uris":["javascript:alert(1)"]})j",
       ClientError::MetadataInvalid},
      {R"({"client_id":")" + std::string(kCimdUrl) +
           R"(","client_name":"x","redirect_uris":["http://evil.example/cb"]})",
       ClientError::MetadataInvalid},
      {cimdDocument(kCimdUrl, R"(,"grant_types":["client_credentials"])"),
       ClientError::MetadataInvalid},
      {R"({"client_id":")" + std::string(kCimdUrl) +
           R"(","redirect_uris":["https://t.example/cb"]})",
       ClientError::MetadataInvalid},
  };
  for (const auto& [body, code] : cases) {
    serve(*fetcher_, body);
    auto r = state_->clients->resolve(kCimdUrl);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, static_cast<int>(code)) << body;
  }
}

TEST_F(ClientsTest, CimdUrlRulesEnforcedBeforeFetching) {
  // http, no path, dot segments, userinfo and fragments are refused without a fetch.
  for (const std::string url :
       {"https://tool.example", "https://tool.example/", "https://tool.example/a/../b.json",
        "https://tool.example/a/%2E%2e/b.json", "https://user:pw@tool.example/c.json",
        "https://tool.example/c.json#x", "https:///c.json"}) {
    auto r = state_->clients->resolve(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, static_cast<int>(ClientError::BadMetadataUrl)) << url;
  }
  EXPECT_EQ(fetcher_->calls, 0);
}

TEST_F(ClientsTest, CimdCachedHonouringMaxAgeWithinBounds) {
  // max-age decides the cache lifetime, clamped; no-store is not cached.
  serve(*fetcher_, cimdDocument(kCimdUrl), "max-age=120");
  ASSERT_TRUE(state_->clients->resolve(kCimdUrl));
  ASSERT_TRUE(state_->clients->resolve(kCimdUrl));
  EXPECT_EQ(fetcher_->calls, 1);
  clock_.advance(std::chrono::seconds(121));
  ASSERT_TRUE(state_->clients->resolve(kCimdUrl));
  EXPECT_EQ(fetcher_->calls, 2);

  serve(*fetcher_, cimdDocument(kCimdUrl), "max-age=999999999");  // clamped to 24 h
  clock_.advance(std::chrono::seconds(121));
  ASSERT_TRUE(state_->clients->resolve(kCimdUrl));
  EXPECT_EQ(fetcher_->calls, 3);
  clock_.advance(std::chrono::hours(24));
  ASSERT_TRUE(state_->clients->resolve(kCimdUrl));
  EXPECT_EQ(fetcher_->calls, 4);

  serve(*fetcher_, cimdDocument(kCimdUrl), "no-store");
  clock_.advance(std::chrono::hours(25));
  ASSERT_TRUE(state_->clients->resolve(kCimdUrl));
  ASSERT_TRUE(state_->clients->resolve(kCimdUrl));
  EXPECT_EQ(fetcher_->calls, 6);
}

TEST_F(ClientsTest, CimdCacheBounded) {
  // The cache never holds more than its bound, however many client_ids are presented.
  ClientResolverOptions ro;
  ro.scopes_supported = state_->options.scopes_supported;
  ro.max_cached_documents = 4;
  ClientResolver resolver(ro, state_->deps.store, fetcher_, clock_);
  for (int i = 0; i < 10; ++i) {
    const std::string url = "https://tool.example/c" + std::to_string(i) + ".json";
    serve(*fetcher_, cimdDocument(url));
    ASSERT_TRUE(resolver.resolve(url));
    EXPECT_LE(resolver.cachedDocuments(), 4u);
  }
}

TEST_F(ClientsTest, CimdDisabledRefused) {
  // With metadata documents off, a URL client_id is refused without a fetch.
  state_->options.metadata_documents = false;
  rebuildResolver();
  auto r = state_->clients->resolve(kCimdUrl);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(ClientError::MetadataDocumentsDisabled));
  EXPECT_EQ(fetcher_->calls, 0);
}

TEST_F(ClientsTest, CimdScopesIntersectedWithSupported) {
  // A document's scope member narrows; scopes foreign to this server are dropped.
  serve(*fetcher_, cimdDocument(kCimdUrl, R"(,"scope":"files:read other:thing")"));
  auto c = state_->clients->resolve(kCimdUrl);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scopes, std::vector<std::string>{"files:read"});
  EXPECT_EQ(c->source, store::ClientSource::MetadataDocument);
  EXPECT_EQ(c->token_endpoint_auth_method, "none");
}

TEST(RedirectUriPolicy, HttpsOrLoopbackOnly) {
  // The registration policy: https anywhere, http only to loopback unless allowed.
  EXPECT_TRUE(checkRedirectUri("https://app.example/cb", false));
  EXPECT_TRUE(checkRedirectUri("http://127.0.0.1:8080/cb", false));
  EXPECT_TRUE(checkRedirectUri("http://[::1]/cb", false));
  EXPECT_TRUE(checkRedirectUri("http://localhost/cb", false));
  EXPECT_FALSE(checkRedirectUri("http://app.example/cb", false));
  EXPECT_TRUE(checkRedirectUri("http://app.example/cb", true));
  for (const std::string bad :
       {"javascript:alert(1)", "data:text/html,x", "https://app.example/cb#f",
        "https://u:p@app.example/cb", "/relative", "https://app.example/c b",
        "https://app.example/\"x", "ftp://app.example/", "com.example.app:/cb"}) {
    EXPECT_FALSE(checkRedirectUri(bad, true)) << bad;
  }
}

TEST(NewClientId, OptionInjectionThroughALeadingDashIsImpossible) {
  // Random bytes 0xfb... encode to "-_..." in base64url: an id made of them alone would be read
  // as an option by `bastion clients remove <id>`.
  struct DashFirst final : RandomSource {
    void fill(unsigned char* out, std::size_t n) override {
      for (std::size_t i = 0; i < n; ++i) out[i] = 0xfb;
    }
  } dash_first;
  const std::string id = newClientId(dash_first);
  EXPECT_TRUE(id.starts_with("bc_")) << id;
  EXPECT_EQ(id.size(), 3u + 22u);  // 16 bytes -> 22 base64url characters
  EXPECT_FALSE(isMetadataDocumentUrl(id));
}

}  // namespace
}  // namespace bastion::oauth::testing
