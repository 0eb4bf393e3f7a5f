// Every AuthError has its own stable snake_case name for logs and audit.
#include "auth/auth_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace bastion::auth {
namespace {

TEST(AuthError, EveryEnumeratorHasADistinctName) {
  // From MissingToken to InsufficientScope: names are unique, snake_case and never "unknown".
  std::set<std::string> names;
  const int first = static_cast<int>(AuthError::MissingToken);
  const int last = static_cast<int>(AuthError::InsufficientScope);
  for (int i = first; i <= last; ++i) {
    const std::string name(toString(static_cast<AuthError>(i)));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos) << name;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(last - first + 1));
  EXPECT_EQ(toString(AuthError::KidAlgMismatch), "kid_alg_mismatch");
}

}  // namespace
}  // namespace bastion::auth
