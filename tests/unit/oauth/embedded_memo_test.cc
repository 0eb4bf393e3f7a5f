// The embedded verifier with a connection's token memo: a repeat of the connection's token may
// skip the cache, but never a revocation (made here or learned from the store) or an expiry.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include "as_fixture.h"
#include "auth/token_memo.h"

namespace bastion::oauth::testing {
namespace {

using std::chrono::seconds;

class EmbeddedMemo : public AsFixture {
 protected:
  // The verdict for `token` as the next request of the connection that owns `memo`.
  std::optional<auth::AuthError> verifyOnConnection(auth::TokenMemo& memo,
                                                    const std::string& token) {
    auto v = as_->verifier()->verifyWithMemo(token, memo);
    if (v) {
      return std::nullopt;
    }
    return v.error();
  }
};

TEST_F(EmbeddedMemo, RepeatOnTheSameConnectionGivesTheSamePrincipal) {
  // The memoised answer is the token's own principal, on every repeat.
  auto token = as_->issueAccessToken("alice", {"files:read"}, std::chrono::minutes(10));
  ASSERT_TRUE(token) << token.error().message;
  auth::TokenMemo memo;
  for (int i = 0; i < 3; ++i) {
    auto v = as_->verifier()->verifyWithMemo(*token, memo);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->principal.sub, "alice");
    EXPECT_EQ(v->principal.scopes, std::vector<std::string>{"files:read"});
  }
  EXPECT_TRUE(memo.holds(*token));
}

TEST_F(EmbeddedMemo, RevokedTokenIsRefusedOnTheSameConnection) {
  // A token verified (and memoised) by a connection, then revoked, is refused on that
  // connection's very next request.
  const std::string access = str(redeemFreshCode(), "access_token");
  auth::TokenMemo memo;
  ASSERT_FALSE(verifyOnConnection(memo, access).has_value());
  ASSERT_FALSE(verifyOnConnection(memo, access).has_value());  // answered from the memo
  ASSERT_EQ(post("/revoke", {{"token", access}, {"client_id", kPublicId}}).status, 200);
  EXPECT_EQ(verifyOnConnection(memo, access), auth::AuthError::Revoked);
}

TEST_F(EmbeddedMemo, RevocationOfAnotherTokenLeavesThisOneValid) {
  // Ending the memo on a revocation costs a re-verification, not the connection's access.
  const std::string mine = str(redeemFreshCode(), "access_token");
  const std::string other = str(redeemFreshCode(), "access_token");
  auth::TokenMemo memo;
  ASSERT_FALSE(verifyOnConnection(memo, mine).has_value());
  ASSERT_EQ(post("/revoke", {{"token", other}, {"client_id", kPublicId}}).status, 200);
  EXPECT_FALSE(verifyOnConnection(memo, mine).has_value());
  EXPECT_EQ(verifyOnConnection(memo, other), auth::AuthError::Revoked);
}

TEST_F(EmbeddedMemo, FamilyRevokedByAnotherServerIsRefusedOnTheSameConnection) {
  // A family revoked through another server on the same store reaches a memoised token once
  // this server's revocation poll (5 s) has run, exactly as it reaches cached verdicts.
  auto tokens = redeemFreshCode();
  const std::string access = str(tokens, "access_token");
  auth::TokenMemo memo;
  ASSERT_FALSE(verifyOnConnection(memo, access).has_value());
  auto here = revokeFamilyThroughAnotherServer(tokens);
  auto v = here->verifier()->verifyWithMemo(access, memo);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), auth::AuthError::Revoked);
}

TEST_F(EmbeddedMemo, ExpiredTokenIsRefusedDespiteTheMemo) {
  // A one-minute token memoised by its connection is refused once past its expiry (and the
  // verifier's 60 s skew): the memo never outlives the token.
  auto token = as_->issueAccessToken("alice", {"files:read"}, seconds(60));
  ASSERT_TRUE(token) << token.error().message;
  auth::TokenMemo memo;
  ASSERT_FALSE(verifyOnConnection(memo, *token).has_value());
  clock_.advance(seconds(121));
  EXPECT_EQ(verifyOnConnection(memo, *token), auth::AuthError::Expired);
}

}  // namespace
}  // namespace bastion::oauth::testing
