// JWS parsing, signature verification and claims checks: one named test per attack, and every
// bit flip and truncation of a valid signature fails (google/jwt_verify_lib style).

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "unit/auth/jwt_test_keys.h"

namespace bastion::auth {
namespace {

using namespace testing;  // NOLINT: test helpers
using std::chrono::seconds;

const auto kNow = std::chrono::system_clock::time_point(seconds(1'800'000'000));

AuthResult<Jwt> verify(std::string_view token, const JwkSet& keys = allKeys(),
                       const VerifyOptions& options = defaultOptions()) {
  return verifyJwt(token, keys, options, kNow);
}

AuthError errorOf(const AuthResult<Jwt>& r) { return r ? static_cast<AuthError>(0) : r.error(); }

const TestKey* const kAllKeys[] = {&rsaKey(), &pssKey(), &ecKey(), &edKey()};

TEST(Jwt, AcceptsValidTokenOfEachAlgorithm) {
  // A correctly signed token with good claims verifies for RS256, PS256, ES256 and EdDSA.
  const JwkSet keys = allKeys();
  ASSERT_EQ(keys.keys.size(), 4u);
  for (const TestKey* k : kAllKeys) {
    auto r = verify(sign(*k, validClaims(kNow)), keys);
    ASSERT_TRUE(r) << algName(k->alg) << " " << toString(r.error());
    EXPECT_EQ(r->alg, k->alg);
    EXPECT_EQ(r->kid, k->kid);
  }
}

TEST(Jwt, EveryBitFlipOfTheSignatureFails) {
  // Flipping any single bit of a valid signature makes verification fail, for every algorithm.
  const JwkSet keys = allKeys();
  for (const TestKey* k : kAllKeys) {
    const std::string token = sign(*k, validClaims(kNow));
    const auto dot = token.rfind('.');
    const std::string sig = *crypto::base64UrlDecode(token.substr(dot + 1));
    ASSERT_TRUE(verify(token, keys));
    for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
      std::string flipped = sig;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      const std::string bad = token.substr(0, dot + 1) + crypto::base64UrlEncode(flipped);
      auto r = verify(bad, keys);
      ASSERT_FALSE(r) << algName(k->alg) << " bit " << bit;
      EXPECT_EQ(r.error(), AuthError::BadSignature);
    }
  }
}

TEST(Jwt, EveryTruncationOfTheSignatureFails) {
  // Every proper prefix of the signature segment (in characters) and of the signature bytes
  // fails, including the empty signature.
  const JwkSet keys = allKeys();
  for (const TestKey* k : kAllKeys) {
    const std::string token = sign(*k, validClaims(kNow));
    const auto dot = token.rfind('.');
    for (std::size_t len = dot + 1; len < token.size(); ++len) {
      EXPECT_FALSE(verify(token.substr(0, len), keys)) << algName(k->alg) << " len " << len;
    }
    const std::string sig = *crypto::base64UrlDecode(token.substr(dot + 1));
    for (std::size_t n = 0; n < sig.size(); ++n) {
      const std::string bad = token.substr(0, dot + 1) + crypto::base64UrlEncode(sig.substr(0, n));
      EXPECT_FALSE(verify(bad, keys)) << algName(k->alg) << " bytes " << n;
    }
  }
}

TEST(Jwt, AlteredClaimsFailTheSignature) {
  // The signature covers the claims: re-encoding different claims under the old signature fails.
  const std::string token = sign(ecKey(), validClaims(kNow));
  const auto first = token.find('.');
  const auto second = token.rfind('.');
  auto claims = validClaims(kNow);
  claims["sub"] = "mallory";
  const std::string forged = token.substr(0, first + 1) +
                             crypto::base64UrlEncode(boost::json::serialize(claims)) +
                             token.substr(second);
  EXPECT_EQ(errorOf(verify(forged)), AuthError::BadSignature);
}

TEST(Jwt, RejectsAlgNone) {
  // Unsigned tokens (alg "none", any case) are refused as a disallowed algorithm.
  const std::string claims = boost::json::serialize(validClaims(kNow));
  for (const std::string alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = R"({"alg":")" + alg + R"(","kid":"ec-1"})";
    EXPECT_EQ(errorOf(verify(rawToken(header, claims, ""))), AuthError::AlgNotAllowed) << alg;
    EXPECT_EQ(errorOf(verify(rawToken(header, claims, "c2ln"))), AuthError::AlgNotAllowed);
  }
}

TEST(Jwt, RejectsHs256SignedWithRsaPublicKey) {
  // The classic confusion: HMAC keyed with the RSA public key (as PEM, DER or JWK text) must
  // never be checked as a MAC; HS256/384/512 are not in the algorithm set at all.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), rsaKey().key.get()), 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  const std::string pem(data, static_cast<std::size_t>(n));
  const std::string claims = boost::json::serialize(validClaims(kNow));
  for (const std::string alg : {"HS256", "HS384", "HS512"}) {
    const std::string header = R"({"alg":")" + alg + R"(","kid":"rsa-1"})";
    for (const std::string& secret : {pem, jwkOf(rsaKey())}) {
      const std::string input =
          crypto::base64UrlEncode(header) + "." + crypto::base64UrlEncode(claims);
      const std::string token =
          input + "." + crypto::base64UrlEncode(crypto::hmacSha256(secret, input));
      EXPECT_EQ(errorOf(verify(token)), AuthError::AlgNotAllowed) << alg;
    }
  }
}

TEST(Jwt, RejectsAlgOutsideTheConfiguredAllowList) {
  // A supported algorithm that the verifier was not configured for is refused.
  VerifyOptions only_rsa = defaultOptions();
  only_rsa.allowed_algs = {JwsAlg::RS256};
  EXPECT_EQ(errorOf(verify(sign(ecKey(), validClaims(kNow)), allKeys(), only_rsa)),
            AuthError::AlgNotAllowed);
  EXPECT_TRUE(verify(sign(rsaKey(), validClaims(kNow)), allKeys(), only_rsa));
}

TEST(Jwt, RejectsUnknownKid) {
  // A kid that is in no published key, or no kid at all, selects no key.
  auto header = headerFor(ecKey());
  header["kid"] = "nobody";
  EXPECT_EQ(errorOf(verify(sign(ecKey(), header, validClaims(kNow)))), AuthError::UnknownKid);
  header.erase("kid");
  EXPECT_EQ(errorOf(verify(sign(ecKey(), header, validClaims(kNow)))), AuthError::UnknownKid);
}

TEST(Jwt, RejectsJwkAlgMismatch) {
  // The JWK says RS256: a PS256 token with that kid, validly signed by the same RSA key, is
  // refused. A JWK without alg is used only for algorithms that fit its key type.
  auto header = headerFor(rsaKey());
  header["alg"] = "PS256";
  const std::string pss_by_rs_key = sign(rsaKey(), header, validClaims(kNow));
  ASSERT_FALSE(pss_by_rs_key.empty());
  EXPECT_EQ(errorOf(verify(pss_by_rs_key)), AuthError::KidAlgMismatch);

  const JwkSet no_alg = keySetOf({jwkOf(ecKey(), /*with_alg=*/false)});
  auto rs_header = headerFor(rsaKey());
  rs_header["kid"] = "ec-1";
  EXPECT_EQ(errorOf(verify(sign(rsaKey(), rs_header, validClaims(kNow)), no_alg)),
            AuthError::KidAlgMismatch);
  EXPECT_TRUE(verify(sign(ecKey(), validClaims(kNow)), no_alg));
}

TEST(Jwt, RejectsEmbeddedJwkAndKeyUrls) {
  // Keys carried or named by the token are never used: an attacker's key in `jwk` (with our
  // kid, or a fresh one) or a `jku`/`x5u` URL does not make the token verify.
  auto attacker_jwk = boost::json::parse(jwkOf(attackerEcKey())).as_object();
  auto header = headerFor(attackerEcKey());
  header["jwk"] = attacker_jwk;
  header["jku"] = "https://attacker.example/jwks";
  header["x5u"] = "https://attacker.example/cert";
  EXPECT_EQ(errorOf(verify(sign(attackerEcKey(), header, validClaims(kNow)))),
            AuthError::BadSignature);
  header["kid"] = "attacker";
  EXPECT_EQ(errorOf(verify(sign(attackerEcKey(), header, validClaims(kNow)))),
            AuthError::UnknownKid);
}

TEST(Jwt, RejectsExpired) {
  // exp + skew <= now is expired; one second inside the skew is still accepted.
  auto claims = validClaims(kNow);
  claims["exp"] = epochSeconds(kNow) - 60;
  EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::Expired);
  claims["exp"] = epochSeconds(kNow) - 3600;
  EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::Expired);
  claims["exp"] = epochSeconds(kNow) - 59;
  EXPECT_TRUE(verify(sign(ecKey(), claims)));
}

TEST(Jwt, RejectsNotYetValid) {
  // nbf - skew > now is not yet valid; nbf within the skew is accepted.
  auto claims = validClaims(kNow);
  claims["nbf"] = epochSeconds(kNow) + 61;
  EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::NotYetValid);
  claims["nbf"] = epochSeconds(kNow) + 60;
  EXPECT_TRUE(verify(sign(ecKey(), claims)));
}

TEST(Jwt, RejectsIssuedInFuture) {
  // iat - skew > now is refused; iat within the skew is accepted.
  auto claims = validClaims(kNow);
  claims["iat"] = epochSeconds(kNow) + 61;
  EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::IssuedInFuture);
  claims["iat"] = epochSeconds(kNow) + 60;
  EXPECT_TRUE(verify(sign(ecKey(), claims)));
}

TEST(Jwt, SkewIsConfigurable) {
  // With zero skew, a token that expired one second ago is refused.
  auto claims = validClaims(kNow);
  claims["exp"] = epochSeconds(kNow);
  VerifyOptions strict = defaultOptions();
  strict.claims.skew = seconds(0);
  EXPECT_EQ(errorOf(verify(sign(ecKey(), claims), allKeys(), strict)), AuthError::Expired);
  claims["exp"] = epochSeconds(kNow) + 1;
  EXPECT_TRUE(verify(sign(ecKey(), claims), allKeys(), strict));
}

TEST(Jwt, RejectsWrongIssuer) {
  // iss must equal the configured issuer exactly (no prefix, case or trailing-slash leniency).
  for (const std::string iss : {"https://evil.example", "https://issuer.example/",
                                "HTTPS://ISSUER.EXAMPLE", "https://issuer.example.evil"}) {
    auto claims = validClaims(kNow);
    claims["iss"] = iss;
    EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::IssuerMismatch) << iss;
  }
}

TEST(Jwt, RejectsTokenForAnotherAudience) {
  // A token minted for another resource (string or array aud) is refused: no passthrough.
  auto claims = validClaims(kNow);
  claims["aud"] = "https://other.example/mcp";
  EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::AudienceMismatch);
  claims["aud"] = boost::json::array{"https://other.example/mcp", "https://mcp.example"};
  EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::AudienceMismatch);
  claims["aud"] = boost::json::array{"https://other.example/mcp", kAudience};
  EXPECT_TRUE(verify(sign(ecKey(), claims)));
}

TEST(Jwt, RejectsMissingOrMistypedClaims) {
  // exp, iss, sub and aud are required with the right types; nbf/iat must be numbers if present.
  const std::pair<const char*, boost::json::value> cases[] = {
      {"exp", nullptr},
      {"iss", nullptr},
      {"sub", nullptr},
      {"aud", nullptr},
      {"exp", "1900000000"},
      {"iss", 7},
      {"sub", ""},
      {"aud", boost::json::array{}},
      {"aud", boost::json::array{1}},
      {"nbf", "0"},
      {"iat", true},
      {"exp", 1e300},
      {"exp", -5},
  };
  for (const auto& [name, value] : cases) {
    auto claims = validClaims(kNow);
    if (value.is_null()) {
      claims.erase(name);
    } else {
      claims[name] = value;
    }
    EXPECT_EQ(errorOf(verify(sign(ecKey(), claims))), AuthError::MissingClaim)
        << name << "=" << boost::json::serialize(value);
  }
}

TEST(Jwt, RejectsOversizedToken) {
  // A token over the cap is refused before any decoding.
  auto claims = validClaims(kNow);
  claims["pad"] = std::string(9000, 'x');
  const std::string token = sign(ecKey(), claims);
  EXPECT_GT(token.size(), kMaxTokenBytes);
  EXPECT_EQ(errorOf(verify(token)), AuthError::TokenTooLarge);
  VerifyOptions roomy = defaultOptions();
  roomy.max_token_bytes = 64 * 1024;
  EXPECT_TRUE(verify(token, allKeys(), roomy));
}

TEST(Jwt, RejectsMalformedToken) {
  // Shapes that are not a compact JWS of two JSON objects and a base64url signature.
  const std::string good = sign(ecKey(), validClaims(kNow));
  const auto first = good.find('.');
  const auto second = good.rfind('.');
  const std::string h = good.substr(0, first);
  const std::string c = good.substr(first + 1, second - first - 1);
  const std::string s = good.substr(second + 1);
  const std::string claims = boost::json::serialize(validClaims(kNow));
  const std::string shapes[] = {
      "",
      ".",
      "..",
      h,
      h + "." + c,
      h + "." + c + "." + s + ".",
      h + "." + c + "." + s + "." + s + "." + s,  // JWE compact has five parts
      "." + c + "." + s,
      h + ".." + s,
      h + "." + c + "." + s + "=",
      h + "=." + c + "." + s,
      " " + good,
      good + " ",
      h + "." + c + "\n." + s,
      h + "." + c + "." + s.substr(0, s.size() - 1) + "+",
      rawToken(R"(["ES256"])", claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1"} )"
               "x",
               claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1"})", R"(["a"])", s),
      rawToken(R"({"alg":"ES256","kid":"ec-1"})", "not json", s),
      rawToken(R"({"alg":"ES256","kid":"ec-1"})", "", s),
      rawToken(R"({"alg":"ES256","kid":7})", claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1","typ":1})", claims, s),
      rawToken(R"({"alg":7,"kid":"ec-1"})", claims, s),
      rawToken(R"({"kid":"ec-1"})", claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1","crit":["exp"],"exp":1})", claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1","b64":false})", claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1","alg":"ES256"})", claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1",})", claims, s),
      rawToken(R"({"alg":"ES256","kid":"ec-1"/*c*/})", claims, s),
  };
  for (const auto& t : shapes) {
    EXPECT_EQ(errorOf(verify(t)), AuthError::MalformedToken) << "[" << t << "]";
  }
}

TEST(Jwt, RejectsDuplicateClaimSmuggling) {
  // {"sub":"alice",...,"sub":"admin"}: parsers disagree on which wins, so neither does here.
  const std::string dup = R"({"iss":"https://issuer.example","sub":"alice","sub":"admin",)"
                          R"("aud":"https://mcp.example/mcp","exp":1800000300})";
  const std::string header = boost::json::serialize(headerFor(ecKey()));
  auto token = signJwt(header, R"({"a":1})", ecKey().key.get());
  ASSERT_TRUE(token);
  const std::string forged = rawToken(header, dup, token->substr(token->rfind('.') + 1));
  EXPECT_EQ(errorOf(verify(forged)), AuthError::MalformedToken);
  // Even signing refuses to produce such a token.
  EXPECT_FALSE(signJwt(header, dup, ecKey().key.get()));
}

TEST(Jwt, WrongTokenTypeWhenTypRequired) {
  // With required_typ "at+jwt", "JWT" or no typ is refused; "application/AT+JWT" is accepted.
  VerifyOptions o = defaultOptions();
  o.claims.required_typ = "at+jwt";
  auto header = headerFor(ecKey());
  EXPECT_TRUE(verify(sign(ecKey(), header, validClaims(kNow)), allKeys(), o));
  header["typ"] = "application/AT+JWT";
  EXPECT_TRUE(verify(sign(ecKey(), header, validClaims(kNow)), allKeys(), o));
  header["typ"] = "JWT";
  EXPECT_EQ(errorOf(verify(sign(ecKey(), header, validClaims(kNow)), allKeys(), o)),
            AuthError::WrongTokenType);
  header.erase("typ");
  EXPECT_EQ(errorOf(verify(sign(ecKey(), header, validClaims(kNow)), allKeys(), o)),
            AuthError::WrongTokenType);
}

TEST(Jwt, EmptyConfiguredIssuerOrAudienceMatchesNothing) {
  // A verifier configured without issuer or audience refuses everything (fail closed).
  VerifyOptions o = defaultOptions();
  o.claims.issuer.clear();
  EXPECT_EQ(errorOf(verify(sign(ecKey(), validClaims(kNow)), allKeys(), o)),
            AuthError::IssuerMismatch);
  o = defaultOptions();
  o.claims.audience.clear();
  EXPECT_EQ(errorOf(verify(sign(ecKey(), validClaims(kNow)), allKeys(), o)),
            AuthError::AudienceMismatch);
}

TEST(Jwt, PrincipalAndExpiryFromClaims) {
  // iss, sub, client_id (or azp) and the scopes reach the Principal; exp becomes expiryOf.
  auto r = verify(sign(ecKey(), validClaims(kNow)));
  ASSERT_TRUE(r);
  const Principal p = principalOf(*r);
  EXPECT_EQ(p.iss, kIssuer);
  EXPECT_EQ(p.sub, "alice");
  EXPECT_EQ(p.client_id, "client-1");
  EXPECT_EQ(p.scopes, (std::vector<std::string>{"files:read", "files:write"}));
  EXPECT_EQ(expiryOf(*r), kNow + seconds(300));

  auto claims = validClaims(kNow);
  claims.erase("client_id");
  claims.erase("scope");
  claims["azp"] = "client-2";
  claims["scp"] = boost::json::array{"a", "b"};
  auto r2 = verify(sign(ecKey(), claims));
  ASSERT_TRUE(r2);
  EXPECT_EQ(principalOf(*r2).client_id, "client-2");
  EXPECT_EQ(principalOf(*r2).scopes, (std::vector<std::string>{"a", "b"}));
}

TEST(Jwt, ExpiryBeyondTheClockRangeIsClamped) {
  // An exp after 2262 (valid up to year 9999) is the clock's last instant, not an overflow
  // into the past (found by jwt_fuzz under UBSan).
  auto claims = validClaims(kNow);
  claims["exp"] = 9'800'000'000;
  auto r = verify(sign(ecKey(), claims));
  ASSERT_TRUE(r);
  EXPECT_GT(expiryOf(*r), kNow + std::chrono::hours(24 * 365 * 200));
}

TEST(JwtSign, RefusesKeyThatCannotProduceTheAlg) {
  // Signing checks that the key fits the header's alg, and that header and claims are objects.
  const std::string claims = R"({"sub":"x"})";
  EXPECT_FALSE(signJwt(R"({"alg":"RS256"})", claims, ecKey().key.get()));
  EXPECT_FALSE(signJwt(R"({"alg":"ES256"})", claims, edKey().key.get()));
  EXPECT_FALSE(signJwt(R"({"alg":"none"})", claims, ecKey().key.get()));
  EXPECT_FALSE(signJwt(R"({"alg":"HS256"})", claims, ecKey().key.get()));
  EXPECT_FALSE(signJwt("[]", claims, ecKey().key.get()));
  EXPECT_FALSE(signJwt(R"({"alg":"ES256"})", "[1]", ecKey().key.get()));
  EXPECT_FALSE(signJwt(R"({"alg":"ES256"})", claims, nullptr));
  EXPECT_TRUE(signJwt(R"({"alg":"ES256"})", claims, ecKey().key.get()));
}

TEST(JwtSign, Es256ConvenienceHeaderAndPemRoundTrip) {
  // A generated P-256 key survives PEM export/import and signs tokens the JWKS verifies.
  auto key = generateEs256Key();
  ASSERT_TRUE(key);
  auto pem = privateKeyToPem(key->get());
  ASSERT_TRUE(pem);
  EXPECT_NE(pem->find("BEGIN PRIVATE KEY"), std::string::npos);
  auto back = es256KeyFromPem(*pem);
  ASSERT_TRUE(back);
  auto jwk = publicJwkJson(key->get(), "k1", JwsAlg::ES256);
  ASSERT_TRUE(jwk);
  const JwkSet keys = keySetOf({*jwk});
  auto token = signEs256(back->get(), "k1", "at+jwt", boost::json::serialize(validClaims(kNow)));
  ASSERT_TRUE(token);
  auto r = verify(*token, keys);
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(r->typ, "at+jwt");
  EXPECT_EQ(r->header.size(), 3u);
}

TEST(JwtSign, PemImportRefusesOtherKeyTypes) {
  // es256KeyFromPem takes only P-256 private keys: RSA, Ed25519, garbage and oversize fail.
  for (const TestKey* k : {&rsaKey(), &edKey()}) {
    auto pem = privateKeyToPem(k->key.get());
    ASSERT_TRUE(pem);
    EXPECT_FALSE(es256KeyFromPem(*pem));
  }
  EXPECT_FALSE(es256KeyFromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(es256KeyFromPem(""));
  EXPECT_FALSE(es256KeyFromPem(std::string(17 * 1024, 'A')));
}

TEST(JwtSign, EcdsaRawDerConversionRoundTrips) {
  // r||s <-> DER: round trip; wrong lengths and trailing DER garbage give empty results.
  const std::string raw = *crypto::base64UrlDecode(
      sign(ecKey(), validClaims(kNow)).substr(sign(ecKey(), validClaims(kNow)).rfind('.') + 1));
  ASSERT_EQ(raw.size(), 64u);
  const std::string der = ecdsaRawToDer(raw);
  ASSERT_FALSE(der.empty());
  EXPECT_EQ(ecdsaDerToRaw(der), raw);
  EXPECT_TRUE(ecdsaRawToDer(raw.substr(0, 63)).empty());
  EXPECT_TRUE(ecdsaDerToRaw(der + "x").empty());
  EXPECT_TRUE(ecdsaDerToRaw("").empty());
  const std::string small_r = std::string(31, '\0') + "\x01" + raw.substr(32);
  EXPECT_EQ(ecdsaDerToRaw(ecdsaRawToDer(small_r)), small_r);
}

}  // namespace
}  // namespace bastion::auth
