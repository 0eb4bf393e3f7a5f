// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "tools/path_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bastion::tools {
namespace {

using Parts = std::vector<std::string_view>;

int codeOf(std::string_view path) {
  auto r = splitRelativePath(path);
  return r ? 0 : r.error().code;
}

bool match(std::string_view pattern, std::string_view name, bool fold = false) {
  auto g = Glob::compile(pattern, fold);
  EXPECT_TRUE(g) << pattern;
  return g && g.value().matches(name);
}

// Plain relative paths split into their components; '.' and empty components vanish.
TEST(SplitRelativePath, DropsDotsAndEmptyComponents) {
  EXPECT_EQ(splitRelativePath("a/b/c.txt").value(), (Parts{"a", "b", "c.txt"}));
  EXPECT_EQ(splitRelativePath("./a//b/./").value(), (Parts{"a", "b"}));
  EXPECT_TRUE(splitRelativePath("").value().empty());
  EXPECT_TRUE(splitRelativePath(".").value().empty());
  EXPECT_TRUE(splitRelativePath("././/").value().empty());
  EXPECT_EQ(joinComponents({}), ".");
  EXPECT_EQ(joinComponents({"a", "b"}), "a/b");
}

// Each refusal has its own code; '..' anywhere is refused, even where it would stay inside.
TEST(SplitRelativePath, RefusesEscapingForms) {
  EXPECT_EQ(codeOf("/etc/passwd"), static_cast<int>(FilesError::AbsolutePath));
  EXPECT_EQ(codeOf("~"), static_cast<int>(FilesError::TildePath));
  EXPECT_EQ(codeOf("~user/x"), static_cast<int>(FilesError::TildePath));
  // Regression (found by files_path_fuzz): "./~h" slipped past a check of the first byte only.
  EXPECT_EQ(codeOf("./~h/id_rsa"), static_cast<int>(FilesError::TildePath));
  EXPECT_EQ(codeOf(".//~"), static_cast<int>(FilesError::TildePath));
  EXPECT_EQ(codeOf(".."), static_cast<int>(FilesError::DotDot));
  EXPECT_EQ(codeOf("a/../b"), static_cast<int>(FilesError::DotDot));
  EXPECT_EQ(codeOf("a/.."), static_cast<int>(FilesError::DotDot));
  EXPECT_EQ(codeOf(std::string_view("a\0b", 3)), static_cast<int>(FilesError::NulByte));
  EXPECT_EQ(codeOf(std::string(kMaxPathBytes + 1, 'a')), static_cast<int>(FilesError::PathTooLong));
  EXPECT_EQ(codeOf(std::string(kMaxPathBytes, 'a')), 0);
}

// Encoded and look-alike forms are names, not separators or parents.
TEST(SplitRelativePath, DecodesNothing) {
  EXPECT_EQ(splitRelativePath("%2e%2e/x").value(), (Parts{"%2e%2e", "x"}));
  EXPECT_EQ(splitRelativePath("..%2fx").value(), (Parts{"..%2fx"}));
  EXPECT_EQ(splitRelativePath("...").value(), (Parts{"..."}));
  EXPECT_EQ(splitRelativePath("..\\x").value(), (Parts{"..\\x"}));
  EXPECT_EQ(splitRelativePath("a/~b").value(), (Parts{"a", "~b"}));
}

// Messages quote the caller's path, except an absolute one (possibly a host path).
TEST(SplitRelativePath, MessagesNameTheCallersPath) {
  EXPECT_EQ(splitRelativePath("x/../y").error().message, "'x/../y': '..' is not allowed in paths");
  EXPECT_EQ(splitRelativePath("/srv/data").error().message.find("/srv"), std::string::npos);
}

// The glob language: * ? sets ranges negation escapes; anchored at both ends.
TEST(Glob, MatchesShellStyle) {
  EXPECT_TRUE(match("*.pem", "server.pem"));
  EXPECT_FALSE(match("*.pem", "server.pem.txt"));
  EXPECT_TRUE(match(".env*", ".env"));
  EXPECT_TRUE(match(".env*", ".env.local"));
  EXPECT_FALSE(match(".env*", "x.env"));
  EXPECT_TRUE(match("id_?sa", "id_rsa"));
  EXPECT_TRUE(match("[a-c]x", "bx"));
  EXPECT_FALSE(match("[a-c]x", "dx"));
  EXPECT_TRUE(match("[!a-c]x", "dx"));
  EXPECT_FALSE(match("[^a-c]x", "ax"));
  EXPECT_TRUE(match("[]]", "]"));
  EXPECT_TRUE(match("\\*", "*"));
  EXPECT_FALSE(match("\\*", "a"));
  EXPECT_TRUE(match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(match("**", ""));
  EXPECT_FALSE(match("", "a"));
}

// Case folding applies to letters in sets too, and negated sets exclude both cases.
TEST(Glob, FoldsCaseWhenAsked) {
  EXPECT_TRUE(match("*.pem", "KEY.PEM", true));
  EXPECT_FALSE(match("*.pem", "KEY.PEM", false));
  EXPECT_TRUE(match("[a-c]", "B", true));
  EXPECT_FALSE(match("[!a]", "A", true));
  // The one place folding narrows a pattern (found by the files_path fuzzer).
  EXPECT_TRUE(match("[!a-c]x", "Bx", false));
  EXPECT_FALSE(match("[!a-c]x", "Bx", true));
}

// Malformed patterns are refused, not matched literally.
TEST(Glob, RefusesMalformedPatterns) {
  for (const char* p : {"[abc", "a\\", "a/b", "[z-a]"}) {
    auto g = Glob::compile(p, false);
    ASSERT_FALSE(g) << p;
    EXPECT_EQ(g.error().code, static_cast<int>(FilesError::InvalidGlob));
  }
}

// A pathological pattern against a long name finishes quickly (no exponential backtracking).
TEST(Glob, PathologicalPatternIsLinear) {
  std::string pattern;
  for (int i = 0; i < 100; ++i) {
    pattern += "*a";
  }
  pattern += "b";
  EXPECT_FALSE(match(pattern, std::string(255, 'a')));
}

// The default deny list hides the usual secrets, case-insensitively; ".git/" means ".git".
TEST(DenyList, DefaultPatternsHideSecrets) {
  auto deny = DenyList::create({".env*", "*.pem", "*.key", "id_*", ".git/"});
  ASSERT_TRUE(deny);
  for (const char* name :
       {".env", ".env.production", "a.pem", "B.KEY", "id_rsa", "ID_ED25519", ".git", ".Git"}) {
    EXPECT_TRUE(deny.value().denies(name)) << name;
  }
  for (const char* name : {"env", "a.pem.txt", "keys", "myid_rsa", ".github", "readme.md"}) {
    EXPECT_FALSE(deny.value().denies(name)) << name;
  }
  EXPECT_TRUE(deny.value().deniesAny({"src", ".git", "config"}));
  EXPECT_FALSE(deny.value().deniesAny({"src", "main.cc"}));
}

// Deny patterns name components: an inner '/' or an empty pattern is a configuration error.
TEST(DenyList, RefusesPatternsWithPaths) {
  EXPECT_FALSE(DenyList::create({"secrets/*.txt"}));
  EXPECT_FALSE(DenyList::create({""}));
  EXPECT_FALSE(DenyList::create({"/"}));
  EXPECT_TRUE(DenyList::create({}));
}

// Binary: a NUL in the first 8 KiB or any invalid UTF-8; a later NUL is still caught by UTF-8
// validity only if invalid, so both rules are checked.
TEST(LooksBinary, NulOrInvalidUtf8) {
  EXPECT_FALSE(looksBinary("plain text\n"));
  EXPECT_FALSE(looksBinary("caf\xc3\xa9"));
  EXPECT_FALSE(looksBinary(""));
  EXPECT_TRUE(looksBinary(std::string("a\0b", 3)));
  EXPECT_TRUE(looksBinary("\xff\xfe"));
  EXPECT_TRUE(looksBinary("\xc3"));
  EXPECT_TRUE(looksBinary(std::string(9000, 'a') + "\xc0\xae"));
}

// Cutting text never splits a UTF-8 sequence.
TEST(Utf8Prefix, CutsAtCharacterBoundaries) {
  EXPECT_EQ(utf8Prefix("abc", 10), "abc");
  EXPECT_EQ(utf8Prefix("ab\xc3\xa9", 3), "ab");
  EXPECT_EQ(utf8Prefix("ab\xc3\xa9", 4), "ab\xc3\xa9");
  EXPECT_EQ(utf8Prefix("\xe2\x82\xac\xe2\x82\xac", 5), "\xe2\x82\xac");
}

}  // namespace
}  // namespace bastion::tools
