// The Redactor: registered secrets in every searched encoding, credential shapes, JSON values
// and keys. Each test is an attack: a way a secret could leave the server unnoticed.

#include "guard/redactor.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <boost/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.h"
#include "core/web.h"
#include "guard/secrets.h"

namespace bastion::guard {
namespace {

constexpr std::string_view kSecret = "s3cr3t/Value+With?Odd=Chars&more";
constexpr std::string_view kMask = Redactor::kMask;

std::shared_ptr<const Redactor> redactorFor(std::vector<std::string> values, bool shapes = false) {
  return makeRedactor(values, {.shapes = shapes});
}

// Standard padded base64 by OpenSSL: an oracle independent of the redactor's own encoder.
std::string opensslBase64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string lowerHexEscapes(std::string s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '%') {
      for (std::size_t j = i + 1; j <= i + 2; ++j) {
        s[j] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[j])));
      }
    }
  }
  return s;
}

// `text` after redaction holds no trace of kSecret's given form, and holds the mask.
void expectHidden(const Redactor& r, std::string text, std::string_view form) {
  ASSERT_NE(text.find(form), std::string::npos) << "test setup: form not in text";
  EXPECT_TRUE(r.redact(text));
  EXPECT_EQ(text.find(form), std::string::npos) << text;
  EXPECT_NE(text.find(kMask), std::string::npos) << text;
}

TEST(Redactor, SecretEchoedVerbatimIsRedacted) {
  // A downstream API echoes the key back; every occurrence is masked, the rest kept.
  auto r = redactorFor({std::string(kSecret)});
  std::string text = "a " + std::string(kSecret) + " b " + std::string(kSecret);
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "a [REDACTED] b [REDACTED]");
}

TEST(Redactor, TextWithoutSecretIsUntouched) {
  // Redaction reports false and changes nothing when there is nothing to hide.
  auto r = redactorFor({std::string(kSecret)}, true);
  std::string text = "ordinary output: 42 rows, bearer of news, AKIA too short";
  const std::string before = text;
  EXPECT_FALSE(r->redact(text));
  EXPECT_EQ(text, before);
}

TEST(Redactor, SecretBase64EncodedIsRedacted) {
  // The key leaves as standard base64, padded or not, and as base64url.
  auto r = redactorFor({std::string(kSecret)});
  const std::string standard = opensslBase64(kSecret);
  expectHidden(*r, "x=" + standard + ";", standard);
  std::string unpadded = standard;
  while (!unpadded.empty() && unpadded.back() == '=') {
    unpadded.pop_back();
  }
  expectHidden(*r, "[" + unpadded + "]", unpadded);
  const std::string url = crypto::base64UrlEncode(kSecret);
  expectHidden(*r, "u " + url + " v", url);
}

TEST(Redactor, SecretInsideBasicCredentialsIsRedacted) {
  // "Basic base64(user:secret)": the secret sits at some byte offset of a longer encoding;
  // every offset modulo 3 and any suffix are caught.
  auto r = redactorFor({std::string(kSecret)});
  for (const std::string prefix : {"", "u:", "us:", "use:", "user:"}) {
    for (const std::string suffix : {"", "!", "!!", "!!!"}) {
      std::string encoded = opensslBase64(prefix + std::string(kSecret) + suffix);
      std::string text = "Authorization: Basic " + encoded;
      EXPECT_TRUE(r->redact(text)) << prefix << suffix;
      // What is left cannot be decoded back to anything holding the secret.
      EXPECT_EQ(text.find(encoded), std::string::npos) << text;
      EXPECT_LE(text.size(), std::string("Authorization: Basic ").size() + kMask.size() + 16)
          << text;
    }
  }
}

TEST(Redactor, SecretUrlEncodedIsRedacted) {
  // The key leaves percent-encoded in a URL, with upper- or lower-case hex, or form-encoded.
  auto r = redactorFor({std::string(kSecret), "pass phrase with spaces"});
  const std::string upper = web::formEncode(kSecret);
  ASSERT_NE(upper, kSecret);
  expectHidden(*r, "https://api.example/?key=" + upper + "&x=1", upper);
  const std::string lower = lowerHexEscapes(upper);
  ASSERT_NE(lower, upper);
  expectHidden(*r, "https://api.example/?key=" + lower, lower);
  expectHidden(*r, "q=pass+phrase+with+spaces&", "pass+phrase+with+spaces");
  expectHidden(*r, "q=pass%20phrase%20with%20spaces&", "pass%20phrase%20with%20spaces");
}

TEST(Redactor, Base64SecretInUrlIsRedacted) {
  // base64 of the key, then percent-encoded into a query string.
  auto r = redactorFor({std::string(kSecret)});
  const std::string twice = web::formEncode(opensslBase64(kSecret));
  expectHidden(*r, "/cb?state=" + twice, twice);
}

TEST(Redactor, SecretJsonEscapedInTextIsRedacted) {
  // A tool returns JSON as text: the key appears with its quotes and backslashes escaped.
  const std::string secret = R"(pa"ss\word-12)";
  auto r = redactorFor({secret});
  const std::string text = boost::json::serialize(boost::json::object{{"password", secret}});
  ASSERT_EQ(text.find(secret), std::string::npos);
  std::string escaped = R"(pa\"ss\\word-12)";
  expectHidden(*r, text, escaped);
}

TEST(Redactor, SecretInJsonStringValueIsRedacted) {
  // Strings nested in arrays and objects are redacted in place; other values are untouched.
  auto r = redactorFor({std::string(kSecret)});
  boost::json::value v = {{"ok", 1},
                          {"list", {"fine", "key=" + std::string(kSecret), true}},
                          {"inner", {{"deep", std::string(kSecret)}}}};
  EXPECT_TRUE(r->redact(v));
  EXPECT_EQ(v.at("list").at(1).as_string(), "key=[REDACTED]");
  EXPECT_EQ(v.at("inner").at("deep").as_string(), kMask);
  EXPECT_EQ(v.at("ok").as_int64(), 1);
  EXPECT_EQ(v.at("list").at(0).as_string(), "fine");
  EXPECT_EQ(boost::json::serialize(v).find(kSecret), std::string::npos);
}

TEST(Redactor, SecretInObjectKeyIsRedacted) {
  // The key hides in an object key: the object is rebuilt in order with the key masked.
  auto r = redactorFor({std::string(kSecret)});
  boost::json::value v = {{"a", 1}, {std::string(kSecret), 2}, {"z", std::string(kSecret)}};
  EXPECT_TRUE(r->redact(v));
  const auto& o = v.as_object();
  ASSERT_EQ(o.size(), 3U);
  auto it = o.begin();
  EXPECT_EQ(it->key(), "a");
  ++it;
  EXPECT_EQ(it->key(), kMask);
  EXPECT_EQ(it->value().as_int64(), 2);
  ++it;
  EXPECT_EQ(it->key(), "z");
  EXPECT_EQ(it->value().as_string(), kMask);
}

TEST(Redactor, CollidingRedactedKeysKeepEveryValue) {
  // Two keys that both redact to the mask do not overwrite each other.
  auto r = redactorFor({"first-secret-1", "second-secret-2"});
  boost::json::value v = {{"first-secret-1", 1}, {"second-secret-2", 2}};
  EXPECT_TRUE(r->redact(v));
  const auto& o = v.as_object();
  ASSERT_EQ(o.size(), 2U);
  EXPECT_EQ(o.at(kMask).as_int64(), 1);
  EXPECT_EQ(o.at(std::string(kMask) + "#2").as_int64(), 2);
}

TEST(Redactor, LongerSecretContainingAnotherIsMaskedWhole) {
  // Overlapping secrets: the longest match wins, so no tail of the longer one survives.
  auto r = redactorFor({"abcdefgh", "abcdefgh-and-more"});
  std::string text = "<abcdefgh-and-more>";
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "<[REDACTED]>");
}

TEST(Redactor, SecretWithRegexMetacharactersIsLiteral) {
  // A value full of regex syntax is matched literally, not as a pattern.
  const std::string secret = R"(.*+?()[]{}|^$\x)";
  auto r = redactorFor({secret});
  std::string unrelated = "anything at all";
  EXPECT_FALSE(r->redact(unrelated));
  std::string text = "v=" + secret;
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "v=[REDACTED]");
}

TEST(Redactor, NonUtf8SecretIsRedacted) {
  // Secrets are bytes: an invalid UTF-8 value still builds and matches.
  const std::string secret = "\xff\xfe\x80raw-bytes\x01";
  auto r = redactorFor({secret});
  std::string text = "<" + secret + ">";
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "<[REDACTED]>");
}

TEST(Redactor, ShortValuesAreNeverRegistered) {
  // A value below the minimum length cannot turn ordinary text into masks.
  auto r = redactorFor({"e", "abc"});
  std::string text = "every abc";
  EXPECT_FALSE(r->redact(text));
  EXPECT_EQ(text, "every abc");
}

TEST(Redactor, PemPrivateKeyShapeIsRedacted) {
  // A private key block of any type is masked from BEGIN to END, text around it kept.
  auto r = redactorFor({}, true);
  for (const std::string type : {"", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED "}) {
    std::string text =
        "before\n-----BEGIN " + type +
        "PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
        "-----END " +
        type + "PRIVATE KEY-----\nafter";
    EXPECT_TRUE(r->redact(text)) << type;
    EXPECT_EQ(text, "before\n[REDACTED]\nafter") << type;
  }
}

TEST(Redactor, PgpPrivateKeyBlockIsRedacted) {
  // An OpenPGP armored secret key ("PRIVATE KEY BLOCK") is masked like a PEM key.
  auto r = redactorFor({}, true);
  std::string text =
      "k:\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF2lnPIBCADjKp\n=Xb5K\n"
      "-----END PGP PRIVATE KEY BLOCK-----\n";
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "k:\n[REDACTED]\n");
}

TEST(Redactor, TwoPemBlocksKeepTheTextBetween) {
  // Longest-match does not swallow the text between two separate key blocks.
  auto r = redactorFor({}, true);
  const std::string block =
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----";
  std::string text = block + "\nmiddle\n" + block;
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "[REDACTED]\nmiddle\n[REDACTED]");
}

TEST(Redactor, TruncatedPemBlockIsRedacted) {
  // Output cut before the END line (size cap) still hides the key material.
  auto r = redactorFor({}, true);
  std::string text = "-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B";
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, kMask);
}

TEST(Redactor, PublicKeyAndCertificateAreKept) {
  // Only private keys are secrets; public PEM blocks stay readable.
  auto r = redactorFor({}, true);
  std::string text = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0C\n-----END PUBLIC KEY-----";
  EXPECT_FALSE(r->redact(text));
}

TEST(Redactor, BearerTokenShapeIsRedacted) {
  // "Bearer <token>" in any letter case is masked; prose using the word is not.
  auto r = redactorFor({}, true);
  for (const std::string word : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    std::string text = "Authorization: " + word + " abcDEF0123456789-._~+/xyz==\r\n";
    EXPECT_TRUE(r->redact(text)) << word;
    EXPECT_EQ(text, "Authorization: [REDACTED]\r\n") << word;
  }
  std::string prose = "the bearer of this letter";
  EXPECT_FALSE(r->redact(prose));
}

TEST(Redactor, JwtShapeIsRedacted) {
  // A three-segment eyJ... token is masked, also an unsigned one with an empty signature.
  auto r = redactorFor({}, true);
  const std::string jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.MEUCIQDx-sig_part";
  std::string text = "token=" + jwt + " end";
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "token=[REDACTED] end");
  std::string unsigned_jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
  EXPECT_TRUE(r->redact(unsigned_jwt));
  EXPECT_EQ(unsigned_jwt, kMask);
}

TEST(Redactor, AwsAccessKeyIdShapeIsRedacted) {
  // AKIA/ASIA + 16 upper-case letters or digits, as a whole word.
  auto r = redactorFor({}, true);
  std::string text = "id AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A.";
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "id [REDACTED] and [REDACTED].");
  std::string longer = "AKIAIOSFODNN7EXAMPLEX";  // 17 after the prefix: not a key id
  EXPECT_FALSE(r->redact(longer));
}

TEST(Redactor, ShapesOffLeavesShapes) {
  // With shapes disabled only registered values are masked.
  auto r = redactorFor({std::string(kSecret)}, false);
  std::string text = "AKIAIOSFODNN7EXAMPLE Bearer abcdefghijklmnopqrstuvwxyz";
  EXPECT_FALSE(r->redact(text));
}

TEST(Redactor, EmptyRedactorRedactsNothing) {
  // No value and no shapes: a redactor that never changes anything.
  auto r = redactorFor({}, false);
  std::string text = "AKIAIOSFODNN7EXAMPLE";
  EXPECT_FALSE(r->redact(text));
  boost::json::value v = {{"k", "v"}};
  EXPECT_FALSE(r->redact(v));
}

TEST(Redactor, LargeSecretsBuildAndMatch) {
  // A key file registered with add() (2 KiB) and a hundred secrets at once still build into one
  // redactor that finds each of them.
  std::vector<std::string> values;
  std::string big;
  for (std::uint64_t i = 0; big.size() < 2048; ++i) {
    big += "line-" + std::to_string(i * 2654435761U) + "\n";
  }
  values.push_back(big);
  for (int i = 0; i < 100; ++i) {
    values.push_back("secret-number-" + std::to_string(i) + "-padding");
  }
  auto r = redactorFor(values, true);
  std::string text = "<" + big + "|secret-number-99-padding>";
  EXPECT_TRUE(r->redact(text));
  EXPECT_EQ(text, "<[REDACTED]|[REDACTED]>");
  const std::string encoded = opensslBase64(big);
  expectHidden(*r, "b64:" + encoded, encoded);
}

TEST(Redactor, SharedBetweenThreads) {
  // One immutable redactor serves every worker thread at once with the same results.
  auto r = redactorFor({std::string(kSecret)}, true);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        std::string text = "k=" + std::string(kSecret) + " AKIAIOSFODNN7EXAMPLE";
        boost::json::value v = {{std::string(kSecret), i}};
        if (!r->redact(text) || text != "k=[REDACTED] [REDACTED]" || !r->redact(v) ||
            !v.as_object().contains(kMask)) {
          wrong.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Redactor, EncodedFormsAreDistinctAndLongEnough) {
  // The form list holds the verbatim value and nothing shorter than the minimum length.
  const auto forms = encodedForms(kSecret);
  EXPECT_NE(std::find(forms.begin(), forms.end(), std::string(kSecret)), forms.end());
  for (const auto& f : forms) {
    EXPECT_GE(f.size(), kMinSecretLength) << f;
  }
  EXPECT_TRUE(std::adjacent_find(forms.begin(), forms.end()) == forms.end());
}

}  // namespace
}  // namespace bastion::guard
