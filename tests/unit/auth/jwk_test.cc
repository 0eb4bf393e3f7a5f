// JWK and JWK Set parsing: supported key types, refusal of private material, skipping of keys
// that cannot verify signatures, and the kid-AND-alg matching rule.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "auth/jwk.h"

#include <gtest/gtest.h>

#include "auth/strict_json.h"
#include "unit/auth/jwt_test_keys.h"

namespace bastion::auth {
namespace {

using namespace testing;  // NOLINT: test helpers

int codeOf(const Result<Jwk>& r) { return r ? 0 : r.error().code; }
int codeOf(const Result<JwkSet>& r) { return r ? 0 : r.error().code; }
constexpr int code(JwkError e) { return static_cast<int>(e); }

boost::json::object jwkObject(const TestKey& k, bool with_alg = true) {
  return boost::json::parse(jwkOf(k, with_alg)).as_object();
}

std::string withMember(const TestKey& k, std::string_view name, boost::json::value v) {
  auto o = jwkObject(k);
  o[name] = std::move(v);
  return boost::json::serialize(o);
}

TEST(Jwk, ParsesRsaEcAndOkpPublicKeys) {
  // Each supported key type round-trips through publicJwkJson and parseJwk.
  const std::pair<const TestKey*, KeyKind> cases[] = {
      {&rsaKey(), KeyKind::Rsa}, {&ecKey(), KeyKind::EcP256}, {&edKey(), KeyKind::Ed25519}};
  for (const auto& [k, kind] : cases) {
    auto jwk = parseJwk(jwkOf(*k));
    ASSERT_TRUE(jwk) << jwkOf(*k);
    EXPECT_EQ(jwk->kind, kind);
    EXPECT_EQ(jwk->kid, k->kid);
    EXPECT_EQ(jwk->alg, k->alg);
    EXPECT_TRUE(jwk->key);
  }
}

TEST(Jwk, RejectsPrivateKeyInJwks) {
  // Any private or symmetric member refuses the whole set, whichever key carries it.
  for (const std::string member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    const std::string leaked = withMember(rsaKey(), member, "AQAB");
    EXPECT_EQ(codeOf(parseJwk(leaked)), code(JwkError::PrivateKeyMaterial)) << member;
    EXPECT_EQ(codeOf(parseJwkSet(jwksOf({jwkOf(ecKey()), leaked}))),
              code(JwkError::PrivateKeyMaterial))
        << member;
  }
  EXPECT_EQ(codeOf(parseJwkSet(jwksOf({R"({"kty":"oct","k":"c2VjcmV0","kid":"h"})"}))),
            code(JwkError::PrivateKeyMaterial));
}

TEST(Jwk, SkipsKeysNotForSignatures) {
  // use "enc" or key_ops without "verify" are skipped in a set and refused alone.
  const std::string enc = withMember(ecKey(), "use", "enc");
  const std::string ops = withMember(rsaKey(), "key_ops", boost::json::array{"encrypt"});
  EXPECT_EQ(codeOf(parseJwk(enc)), code(JwkError::NotForSignature));
  EXPECT_EQ(codeOf(parseJwk(ops)), code(JwkError::NotForSignature));
  auto set = parseJwkSet(jwksOf({enc, ops, jwkOf(edKey())}));
  ASSERT_TRUE(set);
  ASSERT_EQ(set->keys.size(), 1u);
  EXPECT_EQ(set->keys[0].kid, "ed-1");
  EXPECT_EQ(set->skipped, 2u);
  EXPECT_TRUE(parseJwk(withMember(ecKey(), "key_ops", boost::json::array{"verify"})));
}

TEST(Jwk, RejectsWeakRsaKey) {
  // RSA under 2048 bits is unsupported (skipped in a set).
  TestKey weak{generateKey("RSA", 1024), "weak", JwsAlg::RS256};
  ASSERT_TRUE(weak.key);
  EXPECT_EQ(codeOf(parseJwk(jwkOf(weak))), code(JwkError::UnsupportedKey));
  auto set = parseJwkSet(jwksOf({jwkOf(weak)}));
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->keys.empty());
  EXPECT_EQ(set->skipped, 1u);
}

TEST(Jwk, RejectsBadRsaExponent) {
  // An even exponent or e = 1 is refused.
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "e", "AQAA"))), code(JwkError::InvalidKey));
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "e", "AQ"))), code(JwkError::InvalidKey));
}

TEST(Jwk, RejectsPointNotOnCurve) {
  // An EC point off P-256 (invalid-curve attack material) is refused by the public key check.
  auto o = jwkObject(ecKey());
  std::string y = *crypto::base64UrlDecode(std::string_view(o["y"].as_string()));
  y[31] = static_cast<char>(y[31] ^ 1);
  o["y"] = crypto::base64UrlEncode(y);
  EXPECT_EQ(codeOf(parseJwk(boost::json::serialize(o))), code(JwkError::InvalidKey));
}

TEST(Jwk, RejectsWrongLengthsAndUnsupportedCurves) {
  // Short coordinates, other curves and other key types are refused.
  EXPECT_EQ(codeOf(parseJwk(withMember(ecKey(), "x", "AAAA"))), code(JwkError::BadMember));
  EXPECT_EQ(codeOf(parseJwk(withMember(edKey(), "x", "AAAA"))), code(JwkError::BadMember));
  EXPECT_EQ(codeOf(parseJwk(withMember(ecKey(), "crv", "P-384"))), code(JwkError::UnsupportedKey));
  EXPECT_EQ(codeOf(parseJwk(withMember(edKey(), "crv", "X25519"))), code(JwkError::UnsupportedKey));
  EXPECT_EQ(codeOf(parseJwk(withMember(ecKey(), "kty", "XYZ"))), code(JwkError::UnsupportedKey));
  EXPECT_EQ(codeOf(parseJwk(withMember(ecKey(), "x", "not base64!"))), code(JwkError::BadMember));
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "n", 7))), code(JwkError::BadMember));
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "e", ""))), code(JwkError::BadMember));
  auto no_y = jwkObject(ecKey());
  no_y.erase("y");
  EXPECT_EQ(codeOf(parseJwk(boost::json::serialize(no_y))), code(JwkError::MissingMember));
  EXPECT_EQ(codeOf(parseJwk(R"({"kid":"x"})")), code(JwkError::MissingMember));
}

TEST(Jwk, RejectsAlgThatDoesNotFitTheKey) {
  // A JWK claiming ES256 on an RSA key, or an alg we do not support, is refused.
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "alg", "ES256"))), code(JwkError::BadMember));
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "alg", "HS256"))), code(JwkError::UnsupportedKey));
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "alg", "none"))), code(JwkError::UnsupportedKey));
  EXPECT_EQ(codeOf(parseJwk(withMember(rsaKey(), "kid", 5))), code(JwkError::BadMember));
}

TEST(Jwk, RejectsMalformedSets) {
  // Not JSON, duplicate members, no keys array, a non-object entry, too many keys, too large.
  EXPECT_EQ(codeOf(parseJwkSet("nope")), code(JwkError::NotJson));
  EXPECT_EQ(codeOf(parseJwkSet(R"({"keys":[],"keys":[]})")), code(JwkError::NotJson));
  EXPECT_EQ(codeOf(parseJwkSet(R"({"key":[]})")), code(JwkError::MissingMember));
  EXPECT_EQ(codeOf(parseJwkSet(R"({"keys":{}})")), code(JwkError::MissingMember));
  EXPECT_EQ(codeOf(parseJwkSet(R"({"keys":[1]})")), code(JwkError::BadMember));
  std::string many = R"({"keys":[)";
  for (std::size_t i = 0; i <= kMaxJwksKeys; ++i) {
    many += (i ? "," : "") + std::string(R"({"kty":"XYZ"})");
  }
  EXPECT_EQ(codeOf(parseJwkSet(many + "]}")), code(JwkError::TooLarge));
  EXPECT_EQ(codeOf(parseJwkSet(std::string(kMaxJwksBytes + 1, ' '))), code(JwkError::TooLarge));
  auto empty = parseJwkSet(R"({"keys":[]})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->keys.empty());
}

TEST(Jwk, MatchesRequiresKidAndAlg) {
  // A key matches only its own kid, and its alg (or, without alg, its key type).
  auto with_alg = parseJwk(jwkOf(rsaKey()));
  auto no_alg = parseJwk(jwkOf(rsaKey(), /*with_alg=*/false));
  ASSERT_TRUE(with_alg && no_alg);
  EXPECT_TRUE(with_alg->matches("rsa-1", JwsAlg::RS256));
  EXPECT_FALSE(with_alg->matches("rsa-1", JwsAlg::PS256));
  EXPECT_FALSE(with_alg->matches("rsa-2", JwsAlg::RS256));
  EXPECT_FALSE(with_alg->matches("", JwsAlg::RS256));
  EXPECT_TRUE(no_alg->matches("rsa-1", JwsAlg::PS256));
  EXPECT_FALSE(no_alg->matches("rsa-1", JwsAlg::ES256));
  auto no_kid = boost::json::parse(jwkOf(ecKey())).as_object();
  no_kid.erase("kid");
  auto anonymous = parseJwk(boost::json::serialize(no_kid));
  ASSERT_TRUE(anonymous);
  EXPECT_FALSE(anonymous->matches("", JwsAlg::ES256));
}

TEST(Jwk, AlgNamesAreExact) {
  // Only the four exact names map to algorithms.
  EXPECT_EQ(algFromName("ES256"), JwsAlg::ES256);
  EXPECT_EQ(algFromName("EdDSA"), JwsAlg::EdDSA);
  for (const char* n : {"es256", "none", "HS256", "RS384", "ES256K", "Ed25519", ""}) {
    EXPECT_FALSE(algFromName(n)) << n;
  }
}

TEST(StrictJson, RefusesDuplicateMembersAtAnyDepth) {
  // Duplicates are found in nested objects and through escapes ("a" vs "\u0061").
  EXPECT_TRUE(parseStrictJsonObject(R"({"a":1,"b":{"a":2},"c":[{"a":3}]})"));
  EXPECT_FALSE(parseStrictJsonObject(R"({"a":1,"a":2})"));
  EXPECT_FALSE(parseStrictJsonObject(R"({"x":{"a":1,"a":1}})"));
  EXPECT_FALSE(parseStrictJsonObject(R"({"x":[{"a":1,"a":1}]})"));
  EXPECT_FALSE(parseStrictJsonObject(R"({"a":1,"\u0061":2})"));
}

TEST(StrictJson, RefusesNonStandardJsonAndNonObjects) {
  // Comments, trailing commas, invalid UTF-8, deep nesting, trailing bytes and non-objects.
  EXPECT_FALSE(parseStrictJsonObject(R"({"a":1,})"));
  EXPECT_FALSE(parseStrictJsonObject(R"({"a":1/*x*/})"));
  EXPECT_FALSE(parseStrictJsonObject("{\"a\":\"\xff\"}"));
  EXPECT_FALSE(parseStrictJsonObject(R"({"a":1} {})"));
  EXPECT_FALSE(parseStrictJsonObject("[1]"));
  EXPECT_FALSE(parseStrictJsonObject("\"s\""));
  EXPECT_FALSE(parseStrictJsonObject(""));
  std::string deep;
  for (int i = 0; i < 40; ++i) {
    deep += R"({"a":)";
  }
  deep += "1" + std::string(40, '}');
  EXPECT_FALSE(parseStrictJsonObject(deep));
}

}  // namespace
}  // namespace bastion::auth
