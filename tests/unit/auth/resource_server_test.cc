// The resource server (bearer extraction, challenges, PRM) over a fake TokenVerifier.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "auth/resource_server.h"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <string>

#include "audit/audit_log.h"
#include "auth/token_cache.h"
#include "auth/token_memo.h"
#include "core/clock.h"

namespace bastion::auth {
namespace {

namespace json = boost::json;

// Tokens from a table: "good" is alice with mcp:tools; any listed token maps to its AuthError.
class FakeVerifier final : public TokenVerifier {
 public:
  boost::system::result<VerifiedToken, AuthError> verify(std::string_view token) override {
    ++calls;
    last = std::string(token);
    if (token == "good" || token == "Z29vZA==") {
      return VerifiedToken{Principal{.iss = "https://as", .sub = "alice", .client_id = "c1",
                                     .scopes = {"mcp:tools"}},
                           std::chrono::system_clock::now() + std::chrono::minutes(5)};
    }
    const auto it = errors.find(std::string(token));
    return it != errors.end() ? it->second : AuthError::BadSignature;
  }
  std::map<std::string, AuthError> errors{{"expired", AuthError::Expired},
                                          {"otheraud", AuthError::AudienceMismatch}};
  int calls = 0;
  std::string last;
};

class ResourceServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifier = std::make_shared<FakeVerifier>();
    auto rs = makeResourceServer(options(), verifier);
    ASSERT_TRUE(rs) << rs.error().message;
    server = std::move(*rs);
  }
  static ResourceServerOptions options() {
    ResourceServerOptions o;
    o.resource = "https://mcp.example.com/mcp";
    o.authorization_servers = {"https://as.example.com"};
    o.scopes_supported = {"mcp:tools", "offline_access", "files:read"};
    o.max_token_bytes = 64;
    return o;
  }
  boost::system::result<Principal, Challenge> auth(std::optional<std::string_view> authorization,
                                                   std::string_view target = "/mcp",
                                                   std::size_t count = 1) {
    RequestView v;
    v.method = "POST";
    v.target = target;
    v.authorization = authorization;
    v.authorization_count = authorization ? count : 0;
    v.remote_address = "127.0.0.1";
    return server->authenticate(v);
  }

  std::shared_ptr<FakeVerifier> verifier;
  std::unique_ptr<Authenticator> server;
};

constexpr std::string_view kMetadata =
    "resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\"";

TEST_F(ResourceServerTest, ValidBearerTokenGivesTheVerifiedPrincipal) {
  // A well-formed header with a good token yields the verifier's principal, token passed as is.
  auto r = auth("Bearer good");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sub, "alice");
  EXPECT_EQ(r->client_id, "c1");
  EXPECT_EQ(verifier->last, "good");
}

TEST_F(ResourceServerTest, SchemeIsCaseInsensitiveAndPaddingIsAllowed) {
  // RFC 7235: auth-scheme is case-insensitive; RFC 6750 b64token may end in '='.
  EXPECT_TRUE(auth("bearer good"));
  EXPECT_TRUE(auth("BEARER Z29vZA=="));
}

TEST_F(ResourceServerTest, MissingTokenIs401WithMetadataAndBaselineScopeButNoErrorCode) {
  // The first request of an unauthenticated client: discovery info, no error code (RFC 6750 3.1).
  auto r = auth(std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 401);
  EXPECT_EQ(r.error().www_authenticate,
            "Bearer " + std::string(kMetadata) + ", scope=\"mcp:tools files:read\"");
  EXPECT_EQ(r.error().reason, AuthError::MissingToken);
  EXPECT_EQ(verifier->calls, 0);
}

TEST_F(ResourceServerTest, ChallengeScopeNeverNamesOfflineAccess) {
  // offline_access is not a resource requirement (MCP authorization, "Refresh Tokens").
  auto r = auth(std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().www_authenticate.find("offline_access"), std::string::npos);
}

TEST_F(ResourceServerTest, RefusedTokenIs401InvalidTokenWithGenericDescription) {
  // Expired and wrong-audience tokens look alike to the client; the reason is kept for audit.
  for (auto [token, reason] : {std::pair{"expired", AuthError::Expired},
                               {"otheraud", AuthError::AudienceMismatch},
                               {"forged", AuthError::BadSignature}}) {
    auto r = auth("Bearer " + std::string(token));
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().status, 401);
    EXPECT_EQ(r.error().reason, reason);
    EXPECT_EQ(r.error().www_authenticate,
              "Bearer error=\"invalid_token\", error_description=\"The access token is invalid or "
              "expired\", " + std::string(kMetadata) + ", scope=\"mcp:tools files:read\"");
    EXPECT_EQ(r.error().description, "Unauthorized: invalid token");
  }
}

// Keeps audit events in memory.
class RecordingAuditSink final : public audit::AuditSink {
 public:
  void record(boost::json::object event) override { events.push_back(std::move(event)); }
  std::vector<boost::json::object> events;
};

TEST_F(ResourceServerTest, RefusalsAreAuditedWithTheExactReasonButNeverTheToken) {
  // The client sees a generic 401; the audit log gets the AuthError and the peer address.
  auto sink = std::make_shared<RecordingAuditSink>();
  ResourceServerOptions o = options();
  o.audit = sink;
  auto rs = makeResourceServer(o, verifier);
  ASSERT_TRUE(rs);
  RequestView v;
  v.method = "POST";
  v.target = "/mcp";
  v.remote_address = "192.0.2.7";
  const std::string header = "Bearer otheraud";
  v.authorization = header;
  v.authorization_count = 1;
  ASSERT_FALSE((*rs)->authenticate(v));
  v.authorization = std::nullopt;
  v.authorization_count = 0;
  ASSERT_FALSE((*rs)->authenticate(v));
  v.authorization = "Bearer good";
  v.authorization_count = 1;
  ASSERT_TRUE((*rs)->authenticate(v));
  ASSERT_EQ(sink->events.size(), 2u);
  EXPECT_EQ(sink->events[0].at("type"), "auth");
  EXPECT_EQ(sink->events[0].at("outcome"), "refused");
  EXPECT_EQ(sink->events[0].at("reason").as_string(), toString(AuthError::AudienceMismatch));
  EXPECT_EQ(sink->events[0].at("remote"), "192.0.2.7");
  EXPECT_EQ(boost::json::serialize(sink->events[0]).find("otheraud"), std::string::npos);
  EXPECT_EQ(sink->events[1].at("reason").as_string(), toString(AuthError::MissingToken));
}

TEST_F(ResourceServerTest, TokenInQueryStringIsRefusedEvenWithAValidHeader) {
  // RFC 9700 / MCP: tokens never in the URL; the request is refused, not just the query ignored.
  for (const char* target : {"/mcp?access_token=good", "/mcp?a=1&access_token=good",
                             "/mcp?access%5Ftoken=good", "/mcp?access_token=good&bad=%zz"}) {
    auto r = auth("Bearer good", target);
    ASSERT_FALSE(r) << target;
    EXPECT_EQ(r.error().status, 400) << target;
    EXPECT_EQ(r.error().reason, AuthError::TokenInQuery) << target;
    EXPECT_NE(r.error().www_authenticate.find("error=\"invalid_request\""), std::string::npos);
  }
  EXPECT_EQ(verifier->calls, 0);
  EXPECT_TRUE(auth("Bearer good", "/mcp?not_access_token=1"));
}

TEST_F(ResourceServerTest, TokenInFormBodyIsRefused) {
  // A form-encoded body carrying access_token (RFC 6750 2.2) is not accepted.
  RequestView v;
  v.method = "POST";
  v.target = "/mcp";
  v.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  v.body = "access_token=good";
  auto r = server->authenticate(v);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, AuthError::TokenInQuery);
  EXPECT_EQ(verifier->calls, 0);
}

TEST_F(ResourceServerTest, DuplicateAuthorizationHeaderIsRefused) {
  // Two headers could be read differently by a proxy and by us.
  auto r = auth("Bearer good", "/mcp", 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().reason, AuthError::MalformedHeader);
  EXPECT_EQ(verifier->calls, 0);
}

TEST_F(ResourceServerTest, MalformedBearerValuesAreRefusedBeforeVerification) {
  // Not b64token: spaces, commas, quotes, control bytes, '=' inside, empty token.
  for (const char* v : {"Bearer ", "Bearer a b", "Bearer a,b", "Bearer \"good\"", "Bearer a=b",
                        "Bearer =", "Bearer good\x01", "Bearergood"}) {
    auto r = auth(v);
    ASSERT_FALSE(r) << v;
    EXPECT_EQ(r.error().reason, AuthError::MalformedHeader) << v;
  }
  EXPECT_EQ(verifier->calls, 0);
}

// The resource server over a caching verifier, authenticating as one connection with a memo.
class ResourceServerMemoTest : public ResourceServerTest {
 protected:
  void SetUp() override {
    verifier = std::make_shared<FakeVerifier>();
    auto rs = makeResourceServer(options(), makeCachingVerifier(verifier, {}, systemClock()));
    ASSERT_TRUE(rs) << rs.error().message;
    server = std::move(*rs);
  }
  boost::system::result<Principal, Challenge> authOnConnection(std::string_view authorization) {
    RequestView v;
    v.method = "POST";
    v.target = "/mcp";
    v.authorization = authorization;
    v.authorization_count = 1;
    v.remote_address = "127.0.0.1";
    v.memo = &memo;
    return server->authenticate(v);
  }
  TokenMemo memo;
};

TEST_F(ResourceServerMemoTest, ConnectionMemoReachesTheVerifier) {
  // The connection's memo is handed to the verifier: it ends up holding the token, and a
  // repeat gives the same principal without a second verification.
  ASSERT_TRUE(authOnConnection("Bearer good"));
  EXPECT_TRUE(memo.holds("good"));
  auto again = authOnConnection("Bearer good");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->sub, "alice");
  EXPECT_EQ(again->scopes, std::vector<std::string>{"mcp:tools"});
  EXPECT_EQ(verifier->calls, 1);
}

TEST_F(ResourceServerMemoTest, MalformedTokenIsRefusedDespiteAMemoisedPrefix) {
  // The syntax check is skipped only for the memoised token itself: the same token with
  // characters appended that b64token forbids is still a malformed header.
  ASSERT_TRUE(authOnConnection("Bearer good"));
  for (const char* v : {"Bearer good!", "Bearer good,x", "Bearer good\x01", "Bearer good x"}) {
    auto r = authOnConnection(v);
    ASSERT_FALSE(r) << v;
    EXPECT_EQ(r.error().reason, AuthError::MalformedHeader) << v;
  }
  EXPECT_EQ(verifier->calls, 1);
}

TEST_F(ResourceServerTest, OtherSchemeIs401WithoutErrorCode) {
  // Basic credentials are not bearer credentials: the client is told how to get a token.
  auto r = auth("Basic dXNlcjpwYXNz");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 401);
  EXPECT_EQ(r.error().www_authenticate.find("error="), std::string::npos);
  EXPECT_EQ(r.error().reason, AuthError::MalformedHeader);
}

TEST_F(ResourceServerTest, OversizedTokenIsRefusedUnverified) {
  // Larger than max_token_bytes: refused before any parsing or signature work.
  auto r = auth("Bearer " + std::string(65, 'a'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 401);
  EXPECT_EQ(r.error().reason, AuthError::TokenTooLarge);
  auto huge = auth("Bearer " + std::string(100000, 'a'));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().reason, AuthError::TokenTooLarge);
  EXPECT_EQ(verifier->calls, 0);
  EXPECT_TRUE(auth("Bearer good"));
}

TEST_F(ResourceServerTest, InsufficientScopeIs403NamingEveryRequiredScope) {
  // The step-up challenge lists all scopes the operation needs, with the PRM URL.
  const Challenge c = server->insufficientScope({"files:read", "files:write"});
  EXPECT_EQ(c.status, 403);
  EXPECT_EQ(c.reason, AuthError::InsufficientScope);
  EXPECT_EQ(c.www_authenticate,
            "Bearer error=\"insufficient_scope\", scope=\"files:read files:write\", " +
                std::string(kMetadata) + ", error_description=\"Additional scope required\"");
}

TEST(ResourceServerCreate, RefusesMissingVerifierAndRelativeResource) {
  // Misconfiguration fails at start, not at the first request.
  ResourceServerOptions o;
  o.resource = "https://h/mcp";
  EXPECT_FALSE(makeResourceServer(o, nullptr));
  o.resource = "/mcp";
  EXPECT_FALSE(makeResourceServer(o, std::make_shared<FakeVerifier>()));
  o.resource = "https://h/mcp?x=1";
  EXPECT_FALSE(makeResourceServer(o, std::make_shared<FakeVerifier>()));
}

TEST(MetadataUrl, PathIsInsertedAfterTheWellKnownPrefix) {
  // RFC 9728 3.1: the resource's path follows /.well-known/oauth-protected-resource.
  EXPECT_EQ(protectedResourceMetadataUrl("https://h.example:8443/mcp"),
            "https://h.example:8443/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(protectedResourceMetadataUrl("https://h.example"),
            "https://h.example/.well-known/oauth-protected-resource");
  EXPECT_EQ(protectedResourceMetadataUrl("h.example/mcp"), "");
}

TEST(B64Token, Rfc6750Syntax) {
  EXPECT_TRUE(isB64Token("abcXYZ019-._~+/"));
  EXPECT_TRUE(isB64Token("eyJ.eyJ.sig=="));
  EXPECT_FALSE(isB64Token(""));
  EXPECT_FALSE(isB64Token("=="));
  EXPECT_FALSE(isB64Token("a=b"));
  EXPECT_FALSE(isB64Token("a b"));
}

class MetadataRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResourceServerOptions o;
    o.resource = "https://mcp.example.com/mcp";
    o.authorization_servers = {"https://as.example.com"};
    o.scopes_supported = {"mcp:tools", "offline_access"};
    routes = makeProtectedResourceMetadata(o, "/mcp");
    ASSERT_NE(routes, nullptr);
  }
  web::Response get(std::string target, std::string method = "GET") {
    web::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    return routes->handle(req);
  }
  std::shared_ptr<web::Routes> routes;
};

TEST_F(MetadataRoutesTest, ServesRootAndPathInsertedDocuments) {
  // Both discovery locations the MCP spec names, nothing else.
  EXPECT_TRUE(routes->serves("/.well-known/oauth-protected-resource"));
  EXPECT_TRUE(routes->serves("/.well-known/oauth-protected-resource/mcp"));
  EXPECT_FALSE(routes->serves("/.well-known/oauth-protected-resource/other"));
  EXPECT_FALSE(routes->serves("/.well-known/oauth-authorization-server"));
}

TEST_F(MetadataRoutesTest, DocumentHasResourceServersBaselineScopesAndHeaderMethodOnly) {
  // RFC 9728 fields; scopes_supported is the baseline and never offline_access.
  const web::Response res = get("/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(res.status, 200);
  const json::object doc = json::parse(res.body).as_object();
  EXPECT_EQ(doc.at("resource"), "https://mcp.example.com/mcp");
  EXPECT_EQ(doc.at("authorization_servers"), json::array{"https://as.example.com"});
  EXPECT_EQ(doc.at("scopes_supported"), json::array{"mcp:tools"});
  EXPECT_EQ(doc.at("bearer_methods_supported"), json::array{"header"});
}

TEST_F(MetadataRoutesTest, OnlyReadsAreAllowed) {
  // The document is read-only; POST and friends get 405 with Allow.
  const web::Response res = get("/.well-known/oauth-protected-resource", "POST");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(get("/.well-known/oauth-protected-resource", "HEAD").body, "");
}

}  // namespace
}  // namespace bastion::auth
