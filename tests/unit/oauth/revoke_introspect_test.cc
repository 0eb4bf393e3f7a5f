// /revoke (RFC 7009), /introspect (RFC 7662), the metadata documents (RFC 8414) and the
// embedded verifier's refusals.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include "as_fixture.h"

namespace bastion::oauth::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class Revocation : public AsFixture {};

TEST_F(Revocation, RevokedAccessTokenRefusedByVerifier) {
  // Revoking an access token (after it was verified and cached) makes the verifier refuse it;
  // other tokens of the same grant are unaffected.
  auto tokens = redeemFreshCode();
  const std::string access = str(tokens, "access_token");
  ASSERT_FALSE(verifyError(access).has_value());  // now in the verifier's cache
  auto r = post("/revoke", {{"token", access}, {"client_id", kPublicId}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(verifyError(access), auth::AuthError::Revoked);
  auto refreshed = post("/token", {{"grant_type", "refresh_token"},
                                   {"refresh_token", str(tokens, "refresh_token")},
                                   {"client_id", kPublicId}});
  EXPECT_EQ(refreshed.status, 200);
}

TEST_F(Revocation, RevokedAccessTokenRefusedByAnotherServerOnTheStore) {
  // A second server on the same store (not sharing memory) refuses the revoked token too.
  auto tokens = redeemFreshCode();
  const std::string access = str(tokens, "access_token");
  ASSERT_EQ(post("/revoke", {{"token", access}, {"client_id", kPublicId}}).status, 200);
  createServer();
  EXPECT_EQ(verifyError(access), auth::AuthError::Revoked);
}

TEST_F(Revocation, FamilyRevokedByAnotherServerReachesCachedVerdicts) {
  // A family revoked through another server on the same store is refused here, even for a
  // token already cached, once this server's revocation poll (5 s) has run.
  auto tokens = redeemFreshCode();
  const std::string access = str(tokens, "access_token");
  ASSERT_FALSE(verifyError(access).has_value());  // cached here
  auto here = revokeFamilyThroughAnotherServer(tokens);
  auto v = here->verifier()->verify(access);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), auth::AuthError::Revoked);
}

TEST_F(Revocation, RevokingRefreshTokenRevokesFamily) {
  // A revoked refresh token takes its family down: it and the access tokens stop working.
  auto tokens = redeemFreshCode();
  ASSERT_EQ(post("/revoke", {{"token", str(tokens, "refresh_token")},
                             {"token_type_hint", "refresh_token"},
                             {"client_id", kPublicId}})
                .status,
            200);
  EXPECT_EQ(verifyError(str(tokens, "access_token")), auth::AuthError::Revoked);
  auto refreshed = post("/token", {{"grant_type", "refresh_token"},
                                   {"refresh_token", str(tokens, "refresh_token")},
                                   {"client_id", kPublicId}});
  EXPECT_EQ(errorOf(refreshed), "invalid_grant");
}

TEST_F(Revocation, AnotherClientCannotRevokeTokens) {
  // Revocation by a client other than the token's is answered 200 and does nothing.
  auto tokens = redeemFreshCode();
  auto r = post("/revoke", {{"token", str(tokens, "refresh_token")}}, confidentialBasic());
  EXPECT_EQ(r.status, 200);
  auto a = post("/revoke", {{"token", str(tokens, "access_token")}}, confidentialBasic());
  EXPECT_EQ(a.status, 200);
  EXPECT_FALSE(verifyError(str(tokens, "access_token")).has_value());
}

TEST_F(Revocation, UnknownTokenIs200AndUnauthenticatedIs401) {
  // Unknown tokens reveal nothing (200); a wrong secret is still invalid_client.
  EXPECT_EQ(post("/revoke", {{"token", "nonsense"}, {"client_id", kPublicId}}).status, 200);
  auto r =
      post("/revoke", {{"token", "x"}}, {{"authorization", basicAuth(kConfidentialId, "wrong")}});
  EXPECT_EQ(r.status, 401);
}

// ---- introspection ---------------------------------------------------------------------------

TEST_F(Revocation, IntrospectionReportsActiveAccessToken) {
  // A confidential client learns a live token's subject, client and scope.
  auto tokens = redeemFreshCode();
  auto r = post("/introspect", {{"token", str(tokens, "access_token")}}, confidentialBasic());
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json(r);
  EXPECT_TRUE(body.at("active").as_bool());
  EXPECT_EQ(str(body, "sub"), "alice");
  EXPECT_EQ(str(body, "client_id"), kPublicId);
  EXPECT_EQ(str(body, "scope"), "files:read files:write");
  EXPECT_EQ(str(body, "aud"), kAsResource);
  EXPECT_EQ(str(body, "iss"), kAsIssuer);
}

TEST_F(Revocation, IntrospectionReportsRevokedAndExpiredAsInactive) {
  // Revoked, expired and foreign tokens are {"active": false} with nothing else.
  auto tokens = redeemFreshCode();
  const std::string access = str(tokens, "access_token");
  ASSERT_EQ(post("/revoke", {{"token", access}, {"client_id", kPublicId}}).status, 200);
  auto revoked = post("/introspect", {{"token", access}}, confidentialBasic());
  EXPECT_EQ(revoked.body, R"({"active":false})");
  auto fresh = redeemFreshCode();
  clock_.advance(minutes(12));
  auto expired = post("/introspect", {{"token", str(fresh, "access_token")}}, confidentialBasic());
  EXPECT_EQ(expired.body, R"({"active":false})");
  auto junk = post("/introspect", {{"token", "abc.def.ghi"}}, confidentialBasic());
  EXPECT_EQ(junk.body, R"({"active":false})");
}

TEST_F(Revocation, IntrospectionRequiresConfidentialClient) {
  // A public client cannot introspect (it cannot authenticate).
  auto tokens = redeemFreshCode();
  auto r = post("/introspect", {{"token", str(tokens, "access_token")}, {"client_id", kPublicId}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(errorOf(r), "invalid_client");
}

TEST_F(Revocation, RefreshTokenIntrospectionOnlyForItsClient) {
  // Refresh tokens are reported only to the client holding them.
  auto r = post("/token",
                {{"grant_type", "authorization_code"},
                 {"code", plantCode(kConfidentialId)},
                 {"redirect_uri", kRedirectUri},
                 {"code_verifier", kVerifier}},
                confidentialBasic());
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string refresh = str(json(r), "refresh_token");
  auto own = post("/introspect", {{"token", refresh}}, confidentialBasic());
  EXPECT_TRUE(json(own).at("active").as_bool());
  EXPECT_EQ(str(json(own), "token_type"), "refresh_token");
  auto public_tokens = redeemFreshCode();
  auto foreign =
      post("/introspect", {{"token", str(public_tokens, "refresh_token")}}, confidentialBasic());
  EXPECT_EQ(foreign.body, R"({"active":false})");
}

// ---- verifier refusals -----------------------------------------------------------------------

TEST_F(Revocation, ExpiredAccessTokenRefused) {
  // exp plus the skew allowance is the end.
  auto token = as_->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  clock_.advance(minutes(10) + seconds(61));
  EXPECT_EQ(verifyError(*token), auth::AuthError::Expired);
}

TEST_F(Revocation, TokenForAnotherAudienceRefused) {
  // A token this server's keys signed for another resource is not accepted here.
  AsOptions other = options();
  other.resource = "http://127.0.0.1:8080/other";
  AsDependencies d;
  d.store = store_;  // same keys
  d.clock = &clock_;
  auto as2 = AuthorizationServer::create(other, d);
  ASSERT_TRUE(as2);
  auto token = (*as2)->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  EXPECT_EQ(verifyError(*token), auth::AuthError::AudienceMismatch);
}

TEST_F(Revocation, TokenFromAnotherIssuerRefused) {
  // Same keys, different issuer name: refused.
  AsOptions other = options();
  other.issuer = "http://127.0.0.1:9090";
  AsDependencies d;
  d.store = store_;
  d.clock = &clock_;
  auto as2 = AuthorizationServer::create(other, d);
  ASSERT_TRUE(as2);
  auto token = (*as2)->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  EXPECT_EQ(verifyError(*token), auth::AuthError::IssuerMismatch);
}

TEST_F(Revocation, EveryBitFlipOfTheSignatureRefused) {
  // Flipping any bit of the signature, or truncating it, breaks verification.
  auto token = as_->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  const auto dot = token->rfind('.');
  auto sig = *crypto::base64UrlDecode(token->substr(dot + 1));
  for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
    std::string flipped = sig;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_TRUE(verifyError(token->substr(0, dot + 1) + crypto::base64UrlEncode(flipped))) << bit;
  }
  for (std::size_t len = 0; len < sig.size(); len += 7) {
    EXPECT_TRUE(
        verifyError(token->substr(0, dot + 1) + crypto::base64UrlEncode(sig.substr(0, len))));
  }
}

TEST_F(Revocation, IssuedTokenCarriesExactlyTheGivenIdentity) {
  // `bastion token issue`: the token verifies with the given subject, scopes and client; a scope
  // that is not one scope-token (space, quote, empty) is refused rather than split.
  auto token = as_->issueAccessToken("svc", {"files:read", "admin"}, minutes(5), "ci");
  ASSERT_TRUE(token);
  auto v = as_->verifier()->verify(*token);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->principal.sub, "svc");
  EXPECT_EQ(v->principal.client_id, "ci");
  EXPECT_EQ(v->principal.scopes, (std::vector<std::string>{"files:read", "admin"}));
  EXPECT_EQ(v->expires, clock_.now() + minutes(5));
  for (const char* bad : {"a b", "", "q\"x"}) {
    EXPECT_FALSE(as_->issueAccessToken("svc", {bad}, minutes(5))) << bad;
  }
  EXPECT_FALSE(as_->issueAccessToken("", {"files:read"}, minutes(5)));
}

// ---- metadata --------------------------------------------------------------------------------

TEST_F(Revocation, MetadataNamesExactIssuerAndEndpoints) {
  // RFC 8414 metadata, identical at both well-known paths.
  auto r = get("/.well-known/oauth-authorization-server");
  ASSERT_EQ(r.status, 200);
  auto m = json(r);
  EXPECT_EQ(str(m, "issuer"), kAsIssuer);
  EXPECT_EQ(str(m, "authorization_endpoint"), std::string(kAsIssuer) + "/authorize");
  EXPECT_EQ(str(m, "token_endpoint"), std::string(kAsIssuer) + "/token");
  EXPECT_EQ(str(m, "registration_endpoint"), std::string(kAsIssuer) + "/register");
  EXPECT_EQ(str(m, "revocation_endpoint"), std::string(kAsIssuer) + "/revoke");
  EXPECT_EQ(str(m, "introspection_endpoint"), std::string(kAsIssuer) + "/introspect");
  EXPECT_EQ(str(m, "jwks_uri"), std::string(kAsIssuer) + "/jwks");
  EXPECT_EQ(boost::json::serialize(m.at("code_challenge_methods_supported")), R"(["S256"])");
  EXPECT_EQ(boost::json::serialize(m.at("response_types_supported")), R"(["code"])");
  EXPECT_EQ(boost::json::serialize(m.at("grant_types_supported")),
            R"(["authorization_code","refresh_token","client_credentials"])");
  EXPECT_EQ(boost::json::serialize(m.at("token_endpoint_auth_methods_supported")),
            R"(["none","client_secret_basic","client_secret_post"])");
  EXPECT_EQ(boost::json::serialize(m.at("scopes_supported")),
            R"(["files:read","files:write","admin"])");
  EXPECT_TRUE(m.at("authorization_response_iss_parameter_supported").as_bool());
  EXPECT_TRUE(m.at("client_id_metadata_document_supported").as_bool());
  EXPECT_EQ(get("/.well-known/openid-configuration").body, r.body);
}

TEST_F(Revocation, OnlyExactPathsAreServed) {
  // No prefix, suffix or case variants of the endpoints.
  EXPECT_TRUE(as_->serves("/token"));
  EXPECT_TRUE(as_->serves("/jwks"));
  for (const char* p : {"/token/", "/Token", "/tokens", "/jwks.json",
                        "/.well-known/oauth-authorization-server/x", "/"}) {
    EXPECT_FALSE(as_->serves(p)) << p;
  }
}

}  // namespace
}  // namespace bastion::oauth::testing
