// Local users: name rules and argon2id hashing.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "oauth/users.h"

#include <gtest/gtest.h>

#include "core/random.h"

namespace bastion::oauth {
namespace {

constexpr PasswordParams kCheap{1, 64, 1};

TEST(Users, HashVerifiesOnlyItsPassword) {
  // An argon2id hash verifies its password and nothing else; salts differ per hash.
  auto h1 = hashPassword("s3cret", systemRandom(), kCheap);
  auto h2 = hashPassword("s3cret", systemRandom(), kCheap);
  ASSERT_TRUE(h1);
  ASSERT_TRUE(h2);
  EXPECT_TRUE(h1->starts_with("$argon2id$v=19$"));
  EXPECT_NE(*h1, *h2);
  EXPECT_TRUE(verifyPassword(*h1, "s3cret"));
  EXPECT_FALSE(verifyPassword(*h1, "s3cret "));
  EXPECT_FALSE(verifyPassword(*h1, ""));
}

TEST(Users, MalformedHashNeverVerifies) {
  // A corrupt or non-argon2id stored hash fails closed.
  EXPECT_FALSE(verifyPassword("", "x"));
  EXPECT_FALSE(verifyPassword("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
  EXPECT_FALSE(verifyPassword("$argon2id$garbage", "x"));
}

TEST(Users, DefaultCostIsRfc9106) {
  // The default is t=3, 64 MiB.
  PasswordParams p;
  EXPECT_EQ(p.t_cost, 3u);
  EXPECT_EQ(p.m_cost_kib, 65536u);
}

TEST(Users, NameAndPasswordRules) {
  // Names are short and plain; passwords are bounded.
  EXPECT_TRUE(checkUserName("alice.b-c_d@e+f"));
  EXPECT_FALSE(checkUserName(""));
  EXPECT_FALSE(checkUserName("a b"));
  EXPECT_FALSE(checkUserName("<x>"));
  EXPECT_FALSE(checkUserName(std::string(65, 'a')));
  EXPECT_FALSE(hashPassword("", systemRandom(), kCheap));
  EXPECT_FALSE(hashPassword(std::string(1025, 'x'), systemRandom(), kCheap));
}

}  // namespace
}  // namespace bastion::oauth
