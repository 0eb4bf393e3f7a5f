// /token: the three grants, and one test per attack on them (RFC 6749, OAuth 2.1, RFC 9700).

// GCC 12 at -O2 reports checked boost::system::result values and std::istreambuf_iterator
// internals as potential null dereferences (false positives).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <barrier>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "as_fixture.h"

namespace bastion::oauth::testing {
namespace {

using std::chrono::seconds;

class TokenEndpoint : public AsFixture {};

// ---- authorization_code: happy path ----------------------------------------------------------

TEST_F(TokenEndpoint, CodeExchangeIssuesVerifiableAccessAndRefreshTokens) {
  // A correct exchange returns a Bearer ES256 at+jwt for our resource and a refresh token.
  auto r = post("/token", codeForm(plantCode()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "cache-control"), "no-store");
  auto body = json(r);
  EXPECT_EQ(str(body, "token_type"), "Bearer");
  EXPECT_EQ(str(body, "scope"), "files:read files:write");
  EXPECT_EQ(body.at("expires_in").as_int64(), 600);
  EXPECT_FALSE(str(body, "refresh_token").empty());
  const std::string token = str(body, "access_token");
  auto head = jwtPart(token, 0);
  EXPECT_EQ(str(head, "alg"), "ES256");
  EXPECT_EQ(str(head, "typ"), "at+jwt");
  auto claims = jwtPart(token, 1);
  EXPECT_EQ(str(claims, "iss"), kAsIssuer);
  EXPECT_EQ(str(claims, "aud"), kAsResource);
  EXPECT_EQ(str(claims, "sub"), "alice");
  EXPECT_EQ(str(claims, "client_id"), kPublicId);
  EXPECT_FALSE(str(claims, "jti").empty());
  EXPECT_FALSE(str(claims, "fid").empty());
  auto verified = as_->verifier()->verify(token);
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->principal.sub, "alice");
  EXPECT_EQ(verified->principal.iss, kAsIssuer);
  EXPECT_EQ(verified->principal.client_id, kPublicId);
  EXPECT_EQ(verified->principal.scopes, (std::vector<std::string>{"files:read", "files:write"}));
}

TEST_F(TokenEndpoint, ConfidentialClientExchangesCodeWithBasicAuth) {
  // A confidential client authenticates with client_secret_basic during the code exchange.
  Form form = codeForm(plantCode(kConfidentialId));
  form.erase(std::remove_if(form.begin(), form.end(),
                            [](const auto& p) { return p.first == "client_id"; }),
             form.end());
  auto r = post("/token", form, confidentialBasic());
  EXPECT_EQ(r.status, 200) << r.body;
}

// ---- authorization_code: attacks -------------------------------------------------------------

TEST_F(TokenEndpoint, CodeReuseRevokesFamily) {
  // A second redemption fails and revokes every token issued from the first one.
  const std::string code = plantCode();
  auto first = post("/token", codeForm(code));
  ASSERT_EQ(first.status, 200);
  const auto tokens = json(first);
  const std::string access = str(tokens, "access_token");
  ASSERT_FALSE(verifyError(access).has_value());

  auto second = post("/token", codeForm(code));
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(errorOf(second), "invalid_grant");
  EXPECT_EQ(verifyError(access), auth::AuthError::Revoked);
  auto refresh = post("/token", {{"grant_type", "refresh_token"},
                                 {"refresh_token", str(tokens, "refresh_token")},
                                 {"client_id", kPublicId}});
  EXPECT_EQ(errorOf(refresh), "invalid_grant");
}

TEST_F(TokenEndpoint, CodeUsedByAnotherClientRefused) {
  // A code issued to one client cannot be redeemed by another, even with the right verifier.
  Form form = codeForm(plantCode(kPublicId));
  auto r = post("/token",
                {{"grant_type", "authorization_code"},
                 {"code", form[1].second},
                 {"redirect_uri", kRedirectUri},
                 {"code_verifier", kVerifier}},
                confidentialBasic());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r), "invalid_grant");
  EXPECT_EQ(str(json(r), "error_description"), "authorization code was issued to another client");
}

TEST_F(TokenEndpoint, RedirectUriMismatchAtTokenRefused) {
  // The redirect_uri must equal the one of the authorization request, exactly.
  for (const char* uri : {"http://127.0.0.1:9998/callback", "http://127.0.0.1:9999/callback/",
                          "http://127.0.0.1:9999/CALLBACK"}) {
    Form form = codeForm(plantCode());
    form[2].second = uri;
    auto r = post("/token", form);
    EXPECT_EQ(errorOf(r), "invalid_grant") << uri;
    EXPECT_EQ(str(json(r), "error_description"),
              "redirect_uri does not match the authorization request");
  }
  Form missing = codeForm(plantCode());
  missing.erase(missing.begin() + 2);
  EXPECT_EQ(errorOf(post("/token", missing)), "invalid_request");
}

TEST_F(TokenEndpoint, PkceWrongVerifierRefused) {
  // A verifier that does not hash to the code_challenge fails, and the code is spent.
  const std::string code = plantCode();
  Form form = codeForm(code);
  form[3].second = std::string(43, 'a');
  auto r = post("/token", form);
  EXPECT_EQ(errorOf(r), "invalid_grant");
  EXPECT_EQ(str(json(r), "error_description"), "code_verifier does not match the code_challenge");
  EXPECT_EQ(errorOf(post("/token", codeForm(code))), "invalid_grant");
}

TEST_F(TokenEndpoint, PkcePlainVerifierEqualToChallengeRefused) {
  // Sending the challenge itself as verifier ("plain" downgrade) fails: only S256 is computed.
  Form form = codeForm(plantCode());
  form[3].second = crypto::pkceChallenge(kVerifier);
  EXPECT_EQ(errorOf(post("/token", form)), "invalid_grant");
}

TEST_F(TokenEndpoint, PkceMissingVerifierRefused) {
  // Without a (well-formed) verifier the request is refused before the code is touched.
  const std::string code = plantCode();
  for (const std::string& bad :
       std::vector<std::string>{"", "short", std::string(129, 'a'), std::string(43, '+')}) {
    Form form = codeForm(code);
    form[3].second = bad;
    auto r = post("/token", form);
    EXPECT_EQ(errorOf(r), "invalid_request") << bad;
  }
  EXPECT_EQ(post("/token", codeForm(code)).status, 200);  // the code was not spent
}

TEST_F(TokenEndpoint, ExpiredCodeRefused) {
  // A code lives 60 s.
  get("/jwks");  // runs the first purge now, so the expired code is still there to be refused
  const std::string code = plantCode();
  clock_.advance(seconds(60));
  auto r = post("/token", codeForm(code));
  EXPECT_EQ(errorOf(r), "invalid_grant");
  EXPECT_EQ(str(json(r), "error_description"), "authorization code expired");
}

TEST_F(TokenEndpoint, CodeJustBeforeExpiryAccepted) {
  // The boundary of the previous test: at 59 s the code still works.
  const std::string code = plantCode();
  clock_.advance(seconds(59));
  EXPECT_EQ(post("/token", codeForm(code)).status, 200);
}

TEST_F(TokenEndpoint, ResourceMismatchRefused) {
  // RFC 8707: a token for another audience is never minted.
  Form form = codeForm(plantCode());
  form[5].second = "https://evil.example/mcp";
  auto r = post("/token", form);
  EXPECT_EQ(errorOf(r), "invalid_target");
  Form trailing = codeForm(plantCode());
  trailing[5].second = std::string(kAsResource) + "/";
  EXPECT_EQ(errorOf(post("/token", trailing)), "invalid_target");
}

TEST_F(TokenEndpoint, UnknownCodeRefused) {
  // A code that was never issued is invalid_grant.
  EXPECT_EQ(errorOf(post("/token", codeForm("made-up-code"))), "invalid_grant");
}

// ---- refresh_token ---------------------------------------------------------------------------

Form refreshForm(const std::string& token, const std::string& scope = "") {
  Form f = {{"grant_type", "refresh_token"}, {"refresh_token", token}, {"client_id", kPublicId}};
  if (!scope.empty()) {
    f.emplace_back("scope", scope);
  }
  return f;
}

TEST_F(TokenEndpoint, RefreshRotatesToken) {
  // Each refresh returns a new refresh token and a working access token.
  auto tokens = redeemFreshCode();
  auto r = post("/token", refreshForm(str(tokens, "refresh_token")));
  ASSERT_EQ(r.status, 200) << r.body;
  auto next = json(r);
  EXPECT_NE(str(next, "refresh_token"), str(tokens, "refresh_token"));
  EXPECT_FALSE(verifyError(str(next, "access_token")).has_value());
  EXPECT_EQ(post("/token", refreshForm(str(next, "refresh_token"))).status, 200);
}

TEST_F(TokenEndpoint, RefreshMayNarrowScope) {
  // A refresh may ask for fewer scopes; the next refresh may ask for the original ones again.
  auto tokens = redeemFreshCode();
  auto r = post("/token", refreshForm(str(tokens, "refresh_token"), "files:read"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto narrowed = json(r);
  EXPECT_EQ(str(narrowed, "scope"), "files:read");
  EXPECT_EQ(str(jwtPart(str(narrowed, "access_token"), 1), "scope"), "files:read");
  auto again =
      post("/token", refreshForm(str(narrowed, "refresh_token"), "files:read files:write"));
  EXPECT_EQ(again.status, 200) << again.body;
}

TEST_F(TokenEndpoint, RefreshReuseRevokesFamily) {
  // Presenting a rotated refresh token revokes the family: the newest tokens die too.
  auto tokens = redeemFreshCode();
  const std::string first_refresh = str(tokens, "refresh_token");
  auto rotated = json(post("/token", refreshForm(first_refresh)));
  const std::string new_access = str(rotated, "access_token");
  ASSERT_FALSE(verifyError(new_access).has_value());

  auto replay = post("/token", refreshForm(first_refresh));
  EXPECT_EQ(errorOf(replay), "invalid_grant");
  EXPECT_EQ(verifyError(new_access), auth::AuthError::Revoked);
  EXPECT_EQ(verifyError(str(tokens, "access_token")), auth::AuthError::Revoked);
  EXPECT_EQ(errorOf(post("/token", refreshForm(str(rotated, "refresh_token")))), "invalid_grant");
}

TEST_F(TokenEndpoint, TokenIssueAndReplayRevocationAreAuditedWithoutTokens) {
  // Each grant is one token_issue record; a refresh replay is a token_revoke with its reason.
  // No record carries a token.
  auto tokens = redeemFreshCode();
  const std::string first_refresh = str(tokens, "refresh_token");
  auto rotated = json(post("/token", refreshForm(first_refresh)));
  ASSERT_EQ(errorOf(post("/token", refreshForm(first_refresh))), "invalid_grant");
  const auto events = audit_->events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].at("type"), "token_issue");
  EXPECT_EQ(events[0].at("grant"), "authorization_code");
  EXPECT_EQ(events[0].at("sub"), "alice");
  EXPECT_EQ(events[0].at("client_id"), kPublicId);
  EXPECT_EQ(events[1].at("grant"), "refresh_token");
  EXPECT_EQ(events[1].at("family"), events[0].at("family"));
  EXPECT_EQ(events[2].at("type"), "token_revoke");
  EXPECT_EQ(events[2].at("reason"), "refresh_replay");
  EXPECT_EQ(events[2].at("family"), events[0].at("family"));
  for (const auto& e : events) {
    const std::string text = boost::json::serialize(e);
    for (const std::string& secret :
         {str(tokens, "access_token"), first_refresh, str(rotated, "access_token"),
          str(rotated, "refresh_token")}) {
      EXPECT_EQ(text.find(secret), std::string::npos);
    }
  }
}

TEST_F(TokenEndpoint, ScopeEscalationOnRefreshRefused) {
  // A refresh cannot widen the grant: neither a supported scope nor an unknown one is added.
  auto r = post("/token", codeForm(plantCode(kPublicId, {"files:read"})));
  auto tokens = json(r);
  for (const char* scope : {"files:read files:write", "admin", "files:write"}) {
    auto refused = post("/token", refreshForm(str(tokens, "refresh_token"), scope));
    EXPECT_EQ(errorOf(refused), "invalid_scope") << scope;
  }
  // The refused attempts did not spend the token.
  EXPECT_EQ(post("/token", refreshForm(str(tokens, "refresh_token"))).status, 200);
}

TEST_F(TokenEndpoint, RefreshByAnotherClientRefused) {
  // A refresh token is bound to the client it was issued to.
  auto tokens = redeemFreshCode();
  auto r = post("/token",
                {{"grant_type", "refresh_token"}, {"refresh_token", str(tokens, "refresh_token")}},
                confidentialBasic());
  EXPECT_EQ(errorOf(r), "invalid_grant");
}

TEST_F(TokenEndpoint, RefreshForAnotherResourceRefused) {
  // A refresh token issued for one resource URI mints nothing once the server serves another
  // (public_url changed), and a resource parameter naming another audience is refused.
  auto tokens = redeemFreshCode();
  Form other = refreshForm(str(tokens, "refresh_token"));
  other.emplace_back("resource", "https://evil.example/mcp");
  EXPECT_EQ(errorOf(post("/token", other)), "invalid_target");
  AsOptions moved = options();
  moved.resource = "http://127.0.0.1:8080/v2/mcp";
  createServer(moved);
  EXPECT_EQ(errorOf(post("/token", refreshForm(str(tokens, "refresh_token")))), "invalid_target");
}

TEST_F(TokenEndpoint, ExpiredRefreshTokenRefused) {
  // Refresh tokens expire (30 days by default).
  auto tokens = redeemFreshCode();
  clock_.advance(std::chrono::hours(24 * 30));
  EXPECT_EQ(errorOf(post("/token", refreshForm(str(tokens, "refresh_token")))), "invalid_grant");
}

TEST_F(TokenEndpoint, ExpiredGrantsArePurgedFromTheStore) {
  // Requests purge expired codes and refresh tokens from the store (every 10 minutes).
  get("/jwks");  // the first request purges (nothing yet) and schedules the next purge
  const std::string code = plantCode();
  auto tokens = redeemFreshCode();
  const std::string refresh_hash = crypto::sha256Hex(str(tokens, "refresh_token"));
  ASSERT_TRUE(store_->getRefresh(refresh_hash));
  clock_.advance(std::chrono::hours(24 * 31));
  get("/jwks");
  EXPECT_FALSE(store_->getRefresh(refresh_hash));
  store::AuthorizationCode replayed;
  EXPECT_EQ(store_->consumeCode(crypto::sha256Hex(code), &replayed).error().code,
            static_cast<int>(store::StoreError::NotFound));
}

// ---- client authentication -------------------------------------------------------------------

TEST_F(TokenEndpoint, ClientSecretWrongRefused) {
  // A wrong secret is invalid_client, by Basic (with a Basic challenge) and by POST.
  auto basic = post("/token", {{"grant_type", "client_credentials"}},
                    {{"authorization", basicAuth(kConfidentialId, "wrong")}});
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(errorOf(basic), "invalid_client");
  ASSERT_TRUE(header(basic, "www-authenticate"));
  EXPECT_TRUE(header(basic, "www-authenticate")->starts_with("Basic"));
  auto form = post("/token", {{"grant_type", "client_credentials"},
                              {"client_id", kConfidentialId},
                              {"client_secret", std::string(kConfidentialSecret) + "x"}});
  EXPECT_EQ(form.status, 401);
  EXPECT_EQ(errorOf(form), "invalid_client");
}

TEST_F(TokenEndpoint, BasicCredentialsAreFormDecoded) {
  // RFC 6749 §2.3.1: id and secret are form-encoded before Basic, so ':' and '&' survive.
  auto stored = store_->getClient(kConfidentialId);
  ASSERT_TRUE(stored);
  store::Client c = stored.value();
  c.client_id = "svc:eu&1";
  c.secret_hash = crypto::sha256Hex("p@ss:w rd%");
  ASSERT_TRUE(store_->putClient(c));
  auto ok = post(
      "/token", {{"grant_type", "client_credentials"}},
      {{"authorization", basicAuth(web::formEncode("svc:eu&1"), web::formEncode("p@ss:w rd%"))}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto raw = post("/token", {{"grant_type", "client_credentials"}},
                  {{"authorization", basicAuth("svc%3Aeu%261", "p@ss:w rd%")}});  // bad % escape
  EXPECT_EQ(raw.status, 401);
}

TEST_F(TokenEndpoint, MalformedOrRepeatedBasicHeaderRefused) {
  // Not base64, no colon, another scheme, or two Authorization headers: never authenticated.
  for (const char* value : {"Basic !!!!", "Basic bWFjaGluZS1jbGllbnQ=", "Bearer abc", "Basic"}) {
    auto r = post("/token", {{"grant_type", "client_credentials"}}, {{"authorization", value}});
    EXPECT_EQ(r.status, 401) << value;
    EXPECT_EQ(errorOf(r), "invalid_client") << value;
  }
  auto twice = post("/token", {{"grant_type", "client_credentials"}},
                    {confidentialBasic()[0], confidentialBasic()[0]});
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(errorOf(twice), "invalid_request");
}

TEST_F(TokenEndpoint, ConfidentialClientWithoutSecretRefused) {
  // Naming a confidential client without its secret is not authentication.
  auto r = post("/token", {{"grant_type", "client_credentials"}, {"client_id", kConfidentialId}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(errorOf(r), "invalid_client");
}

TEST_F(TokenEndpoint, UnknownClientRefused) {
  // An unknown client_id is invalid_client.
  Form form = codeForm(plantCode("nobody"));
  form[4].second = "nobody";
  auto r = post("/token", form);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(errorOf(r), "invalid_client");
}

TEST_F(TokenEndpoint, TwoAuthenticationMethodsRefused) {
  // Basic and client_secret in the body at once is ambiguous and refused.
  auto r =
      post("/token", {{"grant_type", "client_credentials"}, {"client_secret", kConfidentialSecret}},
           confidentialBasic());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r), "invalid_request");
}

TEST_F(TokenEndpoint, PublicClientPresentingSecretRefused) {
  // A public client has no secret; presenting one is refused rather than ignored.
  auto r = post("/token", {{"grant_type", "authorization_code"},
                           {"client_id", kPublicId},
                           {"client_secret", "anything"}});
  EXPECT_EQ(errorOf(r), "invalid_client");
}

// ---- client_credentials ----------------------------------------------------------------------

TEST_F(TokenEndpoint, ClientCredentialsIssuesTokenForTheClient) {
  // A confidential client gets a token whose subject is itself, without a refresh token.
  auto r = post("/token", {{"grant_type", "client_credentials"}, {"scope", "files:write"}},
                confidentialBasic());
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json(r);
  EXPECT_FALSE(body.contains("refresh_token"));
  auto verified = as_->verifier()->verify(str(body, "access_token"));
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->principal.sub, kConfidentialId);
  EXPECT_EQ(verified->principal.scopes, std::vector<std::string>{"files:write"});
  auto post_auth = post("/token", {{"grant_type", "client_credentials"},
                                   {"client_id", kConfidentialId},
                                   {"client_secret", kConfidentialSecret}});
  ASSERT_EQ(post_auth.status, 200) << post_auth.body;
  EXPECT_EQ(str(json(post_auth), "scope"), "files:read");  // the default scopes
}

TEST_F(TokenEndpoint, ClientCredentialsForPublicClientRefused) {
  // A public client cannot use client_credentials (it proves nothing about itself).
  auto stored = store_->getClient(kPublicId);
  ASSERT_TRUE(stored);
  store::Client c = stored.value();
  ASSERT_TRUE(store_->deleteClient(kPublicId));
  c.grant_types.push_back("client_credentials");  // even if registered for it
  ASSERT_TRUE(store_->putClient(c));
  auto r = post("/token", {{"grant_type", "client_credentials"}, {"client_id", kPublicId}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r), "unauthorized_client");
}

TEST_F(TokenEndpoint, ClientCredentialsScopeBeyondClientRefused) {
  // A machine client gets only scopes it was registered for.
  auto r = post("/token", {{"grant_type", "client_credentials"}, {"scope", "admin"}},
                confidentialBasic());
  EXPECT_EQ(errorOf(r), "invalid_scope");
}

TEST_F(TokenEndpoint, GrantTypeNotRegisteredRefused) {
  // The public client is not registered for client_credentials: unauthorized_client.
  auto r = post("/token", {{"grant_type", "client_credentials"}, {"client_id", kPublicId}});
  EXPECT_EQ(errorOf(r), "unauthorized_client");
  auto unknown = post("/token", {{"grant_type", "password"}, {"client_id", kPublicId}});
  EXPECT_EQ(errorOf(unknown), "unsupported_grant_type");
}

// ---- request form ----------------------------------------------------------------------------

TEST_F(TokenEndpoint, RepeatedParameterRefused) {
  // RFC 6749 §3.2: parameters must not repeat (a second code or verifier smuggled in).
  Form form = codeForm(plantCode());
  form.emplace_back("code_verifier", kVerifier);
  auto r = post("/token", form);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorOf(r), "invalid_request");
}

TEST_F(TokenEndpoint, ParametersInQueryRefused) {
  // Codes and secrets in the URL would land in logs: the query string must be empty.
  web::Request req;
  req.method = "POST";
  req.target = "/token?" + encode(codeForm(plantCode()));
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(errorOf(as_->handle(req)), "invalid_request");
}

TEST_F(TokenEndpoint, NonFormBodyAndGetRefused) {
  // JSON bodies and GET are not token requests.
  web::Request req;
  req.method = "POST";
  req.target = "/token";
  req.headers = {{"content-type", "application/json"}};
  req.body = R"({"grant_type":"client_credentials"})";
  EXPECT_EQ(errorOf(as_->handle(req)), "invalid_request");
  auto r = get("/token");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "allow"), "POST");
}

// ---- against a database file -----------------------------------------------------------------

// The same server over a SQLite file in a private temporary directory.
class TokenEndpointOnFile : public TokenEndpoint {
 protected:
  std::string storeUrl() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bastion-as-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    return "sqlite://" + (dir_ / "bastion.db").string();
  }
  void TearDown() override {
    as_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string fileBytes() const {
    std::string all;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::ifstream in((dir_ / "bastion.db").string() + suffix, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }
  std::filesystem::path dir_;
};

TEST_F(TokenEndpointOnFile, NoClearCodeTokenOrSecretInTheDatabase) {
  // After codes, refresh rotation and client_credentials, the file holds hashes, never the
  // clear code, refresh tokens or client secret.
  const std::string code = plantCode();
  auto tokens = json(post("/token", codeForm(code)));
  const std::string refresh = str(tokens, "refresh_token");
  auto rotated = json(post("/token", refreshForm(refresh)));
  ASSERT_FALSE(str(rotated, "refresh_token").empty());
  ASSERT_EQ(post("/token", {{"grant_type", "client_credentials"}}, confidentialBasic()).status,
            200);
  const std::string bytes = fileBytes();
  ASSERT_NE(bytes.find(crypto::sha256Hex(refresh)), std::string::npos);  // the scan sees rows
  for (const std::string& clear :
       {code, refresh, str(rotated, "refresh_token"), std::string(kConfidentialSecret)}) {
    EXPECT_EQ(bytes.find(clear), std::string::npos) << clear;
  }
}

TEST_F(TokenEndpointOnFile, ConcurrentCodeRedemptionHasOneWinner) {
  // Racing redemptions of one code through the endpoint: one token response, the rest refused,
  // and the winner's tokens revoked by the replays.
  constexpr int kRacers = 6;
  const std::string code = plantCode();
  std::vector<web::Response> responses(kRacers);
  std::barrier start(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      responses[static_cast<std::size_t>(i)] = post("/token", codeForm(code));
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  int winners = 0;
  std::string access;
  for (const auto& r : responses) {
    if (r.status == 200) {
      ++winners;
      access = str(json(r), "access_token");
    } else {
      EXPECT_EQ(errorOf(r), "invalid_grant");
    }
  }
  ASSERT_EQ(winners, 1);
  EXPECT_EQ(verifyError(access), auth::AuthError::Revoked);
}

}  // namespace
}  // namespace bastion::oauth::testing
