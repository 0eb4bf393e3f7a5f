#include "tools/text.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

namespace bastion::tools {
namespace {

// Returns the same bytes every time, so UUID output is predictable.
class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(unsigned char byte) : byte_(byte) {}
  void fill(unsigned char* out, std::size_t n) override { std::memset(out, byte_, n); }

 private:
  unsigned char byte_;
};

// RFC 4648 section 10 test vectors, both directions.
TEST(Base64, Rfc4648Vectors) {
  const std::array<std::pair<const char*, const char*>, 7> vectors{{{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64Encode(plain, false), encoded);
    EXPECT_EQ(base64Decode(encoded, false).value(), plain);
  }
}

// base64url uses - and _ and no padding when encoding; padding is optional when decoding.
TEST(Base64, UrlSafeAlphabet) {
  EXPECT_EQ(base64Encode("\xfb\xff", true), "-_8");
  EXPECT_EQ(base64Encode("\xfb\xff", false), "+/8=");
  EXPECT_EQ(base64Decode("-_8", true).value(), "\xfb\xff");
  EXPECT_EQ(base64Decode("-_8=", true).value(), "\xfb\xff");
  EXPECT_FALSE(base64Decode("+/8=", true));
  EXPECT_FALSE(base64Decode("-_8=", false));
}

// Strict decoding: one text decodes one way, and anything malformed is an error.
TEST(Base64, RejectsMalformed) {
  for (const char* bad :
       {"Zg", "Zg=", "Z===", "Zm9v YmFy", "Zm9v\n", "Zh==", "Zm9=", "====", "Zm9vY", "@@@@"}) {
    auto r = base64Decode(bad, false);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message, "the text is not valid base64");
  }
}

// UTF-8 checks refuse overlongs, surrogates, truncation and code points past U+10FFFF.
TEST(Utf8, RejectsIllFormedSequences) {
  EXPECT_TRUE(isUtf8("plain ascii"));
  EXPECT_TRUE(isUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  for (const char* bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3",
                          "\x80", "\xff", "\xe2\x82"}) {
    EXPECT_FALSE(isUtf8(bad)) << testing::PrintToString(bad);
  }
}

// Version and variant bits are forced whatever the random bytes are.
TEST(Uuid, SetsVersionAndVariant) {
  FixedRandom ones(0xff);
  EXPECT_EQ(uuidV4(ones), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  FixedRandom zeros(0x00);
  EXPECT_EQ(uuidV4(zeros), "00000000-0000-4000-8000-000000000000");
}

// RFC 3339 rendering of known instants, including a leap day.
TEST(Rfc3339, KnownInstants) {
  using std::chrono::sys_seconds;
  EXPECT_EQ(rfc3339(sys_seconds{std::chrono::seconds(0)}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(sys_seconds{std::chrono::seconds(1709210096)}), "2024-02-29T12:34:56Z");
}

// Characters are code points, words are whitespace-separated, a final line needs no newline.
TEST(CountText, CountsCodePointsWordsLines) {
  TextCounts c = countText("h\xc3\xa9llo  w\xc3\xb6rld\nsecond line");
  EXPECT_EQ(c.characters, 24u);
  EXPECT_EQ(c.bytes, 26u);
  EXPECT_EQ(c.words, 4u);
  EXPECT_EQ(c.lines, 2u);
  TextCounts empty = countText("");
  EXPECT_EQ(empty.lines, 0u);
  EXPECT_EQ(empty.words, 0u);
  EXPECT_EQ(countText("a\n\n").lines, 2u);
}

}  // namespace
}  // namespace bastion::tools
