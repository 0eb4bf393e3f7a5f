// Base64url, SHA-256, HMAC, constant-time comparison and PKCE against the RFC test vectors.
#include "core/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace bastion::crypto {
namespace {

std::string hexOf(std::string_view raw) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>> &rfc4648Vectors() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  return v;
}

TEST(Base64Url, EncodesRfc4648Vectors) {
  // RFC 4648 §10 vectors, without the padding §5 base64url drops.
  for (const auto &[plain, encoded] : rfc4648Vectors()) {
    EXPECT_EQ(base64UrlEncode(plain), encoded) << plain;
  }
}

TEST(Base64Url, DecodesRfc4648Vectors) {
  // Decoding inverts each vector exactly.
  for (const auto &[plain, encoded] : rfc4648Vectors()) {
    auto d = base64UrlDecode(encoded);
    ASSERT_TRUE(d.has_value()) << encoded;
    EXPECT_EQ(*d, plain);
  }
}

TEST(Base64Url, UsesUrlSafeAlphabet) {
  // 0xfb 0xff is "+/8=" in standard base64 and "-_8" in base64url.
  const std::string bytes("\xfb\xff", 2);
  EXPECT_EQ(base64UrlEncode(bytes), "-_8");
  EXPECT_EQ(base64UrlDecode("-_8"), bytes);
}

TEST(Base64Url, RoundTripsEveryByteValueAndLength) {
  // Every length 0..64 over all byte values survives encode then decode.
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all += static_cast<char>(i);
  }
  for (std::size_t n = 0; n <= 64; ++n) {
    const std::string s = all.substr(200 - n, n);
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(s)), s);
  }
  EXPECT_EQ(base64UrlDecode(base64UrlEncode(all)), all);
}

TEST(Base64Url, RejectsPadding) {
  // Padding is not part of the unpadded encoding tokens use.
  EXPECT_FALSE(base64UrlDecode("Zg==").has_value());
  EXPECT_FALSE(base64UrlDecode("Zm8=").has_value());
  EXPECT_FALSE(base64UrlDecode("=").has_value());
}

TEST(Base64Url, RejectsWhitespaceAndForeignCharacters) {
  // Whitespace, standard-alphabet '+' '/', NUL and high bytes are refused.
  for (const std::string &bad :
       {std::string("Zm9v YmFy"), std::string("Zm9v\nYmFy"), std::string(" Zm9v"),
        std::string("Zm9v\t"), std::string("+/8"), std::string("Zm9\0", 4),
        std::string("Zm9\xc3\xa9"), std::string("Zm.v")}) {
    EXPECT_FALSE(base64UrlDecode(bad).has_value()) << bad;
  }
}

TEST(Base64Url, RejectsImpossibleLength) {
  // A length of 1 mod 4 encodes no byte string.
  EXPECT_FALSE(base64UrlDecode("Z").has_value());
  EXPECT_FALSE(base64UrlDecode("Zm9vY").has_value());
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  // "Zh" and "Zm9" with low bits set decode to the same bytes as "Zg"/"Zm8": refused.
  EXPECT_FALSE(base64UrlDecode("Zh").has_value());
  EXPECT_FALSE(base64UrlDecode("Zv").has_value());
  EXPECT_FALSE(base64UrlDecode("Zm9").has_value());
  EXPECT_FALSE(base64UrlDecode("Zm-").has_value());
  EXPECT_TRUE(base64UrlDecode("Zg").has_value());
  EXPECT_TRUE(base64UrlDecode("Zm8").has_value());
}

TEST(Sha256, MatchesFips180Vectors) {
  // FIPS 180-2 "abc" and the empty string.
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").size(), 32u);
  EXPECT_EQ(hexOf(sha256("abc")), sha256Hex("abc"));
}

TEST(HmacSha256, MatchesRfc4231Vectors) {
  // RFC 4231 test cases 1 and 2.
  EXPECT_EQ(hexOf(hmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hexOf(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, AcceptsEmptyKey) {
  // HMAC pads keys with zeros, so an empty key and a one-byte zero key agree.
  EXPECT_EQ(hmacSha256("", "x").size(), 32u);
  EXPECT_EQ(hmacSha256("", "x"), hmacSha256(std::string(1, '\0'), "x"));
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  // Equal strings compare equal; any differing byte or length does not.
  EXPECT_TRUE(constantTimeEqual("", ""));
  EXPECT_TRUE(constantTimeEqual("secret", "secret"));
  EXPECT_FALSE(constantTimeEqual("secret", "secreT"));
  EXPECT_FALSE(constantTimeEqual("secret", "secret2"));
  EXPECT_FALSE(constantTimeEqual("", "a"));
}

TEST(Pkce, MatchesRfc7636AppendixB) {
  // RFC 7636 Appendix B: the S256 challenge of the example verifier.
  EXPECT_EQ(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

}  // namespace
}  // namespace bastion::crypto
