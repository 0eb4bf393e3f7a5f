// ECMA-262 -> RE2 translation: what is translated, what is refused.
#include "json/regex.h"

#include <gtest/gtest.h>

#include "json/schema.h"

namespace bastion::json {
namespace {

bool matches(std::string_view pattern, std::string_view text) {
  auto re = Regex::compile(pattern);
  EXPECT_TRUE(re.has_value()) << pattern << ": " << (re ? "" : re.error().message);
  return re && re->search(text);
}

void expectRefused(std::string_view pattern) {
  auto re = Regex::compile(pattern);
  ASSERT_FALSE(re.has_value()) << pattern << " became " << re->translated();
  EXPECT_EQ(re.error().code, static_cast<int>(SchemaError::BadPattern));
  EXPECT_FALSE(re.error().message.empty());
}

// Intent: `pattern` is a search, not a full match.
TEST(Regex, SearchIsUnanchored) {
  EXPECT_TRUE(matches("b", "abc"));
  EXPECT_FALSE(matches("^b", "abc"));
}

// Intent: \d and \w stay ASCII as in ECMA-262, while \p{...} long names reach Unicode.
TEST(Regex, AsciiClassesAndUnicodeProperties) {
  EXPECT_TRUE(matches("^\\d+$", "0123"));
  EXPECT_FALSE(matches("^\\d+$", "\xe0\xa7\xa8"));  // BENGALI DIGIT TWO
  EXPECT_TRUE(matches("^\\p{digit}+$", "\xe0\xa7\xa8"));
  EXPECT_TRUE(matches("^\\p{Letter}cole$", "\xc3\xa9" "cole"));
  EXPECT_FALSE(matches("^\\wcole$", "\xc3\xa9" "cole"));
}

// Intent: ECMA-262 \s covers Unicode spaces (NBSP, BOM, line separator) and \S excludes them.
TEST(Regex, EcmaWhitespace) {
  EXPECT_TRUE(matches("^\\s$", "\xc2\xa0"));
  EXPECT_TRUE(matches("^\\s$", "\xef\xbb\xbf"));
  EXPECT_TRUE(matches("^\\s$", "\xe2\x80\xa8"));
  EXPECT_FALSE(matches("^\\S$", "\xc2\xa0"));
  EXPECT_TRUE(matches("^[\\sa]+$", "a \xc2\xa0"));
}

// Intent: escapes RE2 spells differently are translated (\cX, \uXXXX, surrogate pairs, [^]).
TEST(Regex, EscapesAreTranslated) {
  EXPECT_TRUE(matches("^\\cC$", "\x03"));
  EXPECT_TRUE(matches("^\\u00e9$", "\xc3\xa9"));
  EXPECT_TRUE(matches("^\\ud83d\\udc32$", "\xf0\x9f\x90\xb2"));
  EXPECT_TRUE(matches("^[^]$", "x"));
  EXPECT_FALSE(matches("[]", "x"));
  EXPECT_TRUE(matches("^(?<year>\\d{4})$", "2026"));
  EXPECT_TRUE(matches("^[\\s\\S]+$", "a \xc2\xa0\n"));
  EXPECT_FALSE(matches("^.$", "\r"));
  EXPECT_TRUE(matches("^.$", "\xc3\xa9"));
}

// Intent: constructs RE2 cannot express are schema errors, never approximations or crashes.
TEST(Regex, RejectsBackreferencesAndLookaround) {
  expectRefused("(a)\\1");
  expectRefused("(?<n>a)\\k<n>");
  expectRefused("a(?=b)");
  expectRefused("a(?!b)");
  expectRefused("(?<=a)b");
  expectRefused("(?<!a)b");
}

// Intent: malformed patterns are BadPattern with a message, not a crash.
TEST(Regex, RejectsMalformedPatterns) {
  expectRefused("(");
  expectRefused("[a-");
  expectRefused("\\");
  expectRefused("\\u12");
  expectRefused("a{2,1}");
}

// Intent: the `regex` format accepts well-formed ECMA-262 that RE2 could not run, and only that.
TEST(Regex, SyntaxCheckAcceptsWhatMatchingRefuses) {
  EXPECT_TRUE(isEcmaRegexSyntax("(a)\\1"));
  EXPECT_TRUE(isEcmaRegexSyntax("(?<n>a)\\k<n>"));
  EXPECT_TRUE(isEcmaRegexSyntax("(?<=a+)b(?!c)"));
  EXPECT_FALSE(isEcmaRegexSyntax("(?<=a"));
  EXPECT_FALSE(isEcmaRegexSyntax("^(abc]"));
  EXPECT_FALSE(Regex::compile("(a)\\1").has_value());
}

}  // namespace
}  // namespace bastion::json
