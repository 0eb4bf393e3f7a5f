#include "mcp/uri_template.h"

#include <gtest/gtest.h>

namespace bastion::mcp {
namespace {

UriTemplate make(std::string_view text) {
  auto t = UriTemplate::parse(text);
  EXPECT_TRUE(t) << text;
  return t.value();  // throws (failing the test) rather than dereferencing an error
}

TEST(UriTemplate, MatchesOneVariable) {
  // {id} binds the segment it stands for.
  auto vars = make("test://items/{id}").match("test://items/42");
  ASSERT_TRUE(vars);
  EXPECT_EQ(vars->at("id"), "42");
}

TEST(UriTemplate, MatchesSeveralVariablesAndLiterals) {
  // Literals between variables delimit them.
  auto vars = make("file:///{dir}/{name}.txt").match("file:///docs/readme.txt");
  ASSERT_TRUE(vars);
  EXPECT_EQ(vars->at("dir"), "docs");
  EXPECT_EQ(vars->at("name"), "readme");
}

TEST(UriTemplate, VariableNeverSpansSlash) {
  // A variable cannot swallow path separators (no traversal into other segments).
  EXPECT_FALSE(make("test://items/{id}").match("test://items/a/b"));
  EXPECT_FALSE(make("test://items/{id}").match("test://items/../secret"));
}

TEST(UriTemplate, VariableMustBeNonEmpty) {
  // An empty segment does not match.
  EXPECT_FALSE(make("test://items/{id}").match("test://items/"));
  EXPECT_FALSE(make("x/{a}/y").match("x//y"));
}

TEST(UriTemplate, LiteralsMustMatchExactly) {
  // Prefix, suffix and trailing text all count.
  const auto t = make("test://items/{id}.json");
  EXPECT_FALSE(t.match("test://item/1.json"));
  EXPECT_FALSE(t.match("test://items/1.jsonx"));
  EXPECT_FALSE(t.match("test://items/1"));
  EXPECT_TRUE(t.match("test://items/1.json"));
}

TEST(UriTemplate, TemplateWithoutVariablesMatchesOnlyItself) {
  // A pure literal is an exact comparison.
  const auto t = make("test://fixed");
  EXPECT_TRUE(t.match("test://fixed"));
  EXPECT_FALSE(t.match("test://fixed2"));
}

TEST(UriTemplate, RejectsBeyondLevelOne) {
  // Operators, modifiers, lists and malformed braces are registration errors.
  for (auto bad : {"a/{+path}", "a/{#frag}", "a/{x*}", "a/{x:3}", "a/{x,y}", "a/{}", "a/{x", "a/x}",
                   "a/{a}{b}", "a/{x}/{x}", ""}) {
    EXPECT_FALSE(UriTemplate::parse(bad)) << bad;
  }
}

TEST(UriTemplate, ListsVariables) {
  // variables() reports names in template order.
  const auto t = make("{a}/x/{b}");
  EXPECT_EQ(t.variables(), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace bastion::mcp
