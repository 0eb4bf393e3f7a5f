// Scope implications: transitive, cycle-free, and the missing-scope computation tools use.

#include "policy/scope_policy.h"

#include <gtest/gtest.h>

namespace bastion::policy {
namespace {

auth::Principal holding(std::vector<std::string> scopes) {
  return auth::Principal{.iss = "i", .sub = "s", .client_id = "c", .scopes = std::move(scopes)};
}

TEST(ScopePolicy, ImplicationsAreTransitive) {
  // admin => files:write => files:read: admin satisfies files:read.
  auto p = ScopePolicy::create({{"admin", {"files:write"}}, {"files:write", {"files:read"}}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE((*p)->implies("admin", "files:read"));
  EXPECT_TRUE((*p)->implies("files:write", "files:read"));
  EXPECT_FALSE((*p)->implies("files:read", "files:write")) << "implication is one-way";
  EXPECT_TRUE((*p)->allows(holding({"admin"}), {"files:read", "files:write"}));
}

TEST(ScopePolicy, MissingListsOnlyScopesNotHeld) {
  // The caller holds files:write (so files:read) but not users:read.
  auto p = ScopePolicy::create({{"files:write", {"files:read"}}});
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->missing(holding({"files:write"}), {"files:read", "users:read"}),
            std::vector<std::string>{"users:read"});
  EXPECT_TRUE((*p)->missing(holding({}), {}).empty()) << "a tool without scopes is open";
}

TEST(ScopePolicy, SimilarScopeNamesDoNotSatisfy) {
  // No prefix or case matching: "files" is not "files:read", "FILES:READ" is not either.
  auto p = ScopePolicy::create({});
  ASSERT_TRUE(p);
  EXPECT_FALSE((*p)->allows(holding({"files", "FILES:READ", "files:read "}), {"files:read"}));
}

TEST(ScopePolicy, CycleIsRejectedAndNamed) {
  // a => b => c => a would make all three equivalent.
  auto p = ScopePolicy::create({{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, static_cast<int>(ScopePolicyError::Cycle));
  EXPECT_EQ(p.error().message, "scope implications form a cycle: a -> b -> c -> a");
  EXPECT_EQ(findImplicationCycle({{"x", {"x"}}}), (std::vector<std::string>{"x", "x"}));
  EXPECT_FALSE(findImplicationCycle({{"a", {"b", "c"}}, {"b", {"c"}}})) << "a diamond is fine";
}

TEST(ScopePolicy, InvalidScopeTokensAreRejected) {
  // RFC 6749 scope-token excludes space, '"' and '\'.
  EXPECT_FALSE(ScopePolicy::create({{"a b", {"c"}}}));
  EXPECT_FALSE(ScopePolicy::create({{"a", {"c\"d"}}}));
  EXPECT_FALSE(ScopePolicy::create({{"a", {""}}}));
  EXPECT_TRUE(isScopeToken("files:read"));
  EXPECT_FALSE(isScopeToken("a\\b"));
}

}  // namespace
}  // namespace bastion::policy
