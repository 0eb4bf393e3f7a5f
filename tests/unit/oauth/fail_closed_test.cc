// When the store fails, nothing is granted and no token is accepted on a guess.
#include <gtest/gtest.h>

#include <atomic>

#include "as_fixture.h"
#include "oauth/keys.h"

namespace bastion::oauth::testing {
namespace {

using std::chrono::minutes;

// A store that forwards to a real one until `failing` is set; then every call fails as a
// broken database would (Unavailable).
class BreakableStore final : public store::Store {
 public:
  explicit BreakableStore(std::shared_ptr<store::Store> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> failing{false};

#define BASTION_FORWARD(ret, name, params, args)                                \
  ret name params override {                                                    \
    if (failing) {                                                              \
      return Error(store::StoreError::Unavailable, "database: disk I/O error"); \
    }                                                                           \
    return inner_->name args;                                                   \
  }
  BASTION_FORWARD(Result<void>, putClient, (const store::Client& c), (c))
  BASTION_FORWARD(Result<store::Client>, getClient, (std::string_view id), (id))
  BASTION_FORWARD(Result<void>, deleteClient, (std::string_view id), (id))
  BASTION_FORWARD(Result<void>, touchClient, (std::string_view id, store::TimePoint t), (id, t))
  BASTION_FORWARD(Result<std::size_t>, expireDynamicClients, (store::TimePoint t), (t))
  BASTION_FORWARD(Result<std::vector<store::Client>>, listClients, (), ())
  BASTION_FORWARD(Result<void>, putUser, (const store::User& u), (u))
  BASTION_FORWARD(Result<store::User>, getUser, (std::string_view n), (n))
  BASTION_FORWARD(Result<void>, deleteUser, (std::string_view n), (n))
  BASTION_FORWARD(Result<void>, putCode, (const store::AuthorizationCode& c), (c))
  BASTION_FORWARD(Result<store::AuthorizationCode>, consumeCode,
                  (std::string_view h, store::AuthorizationCode* r), (h, r))
  BASTION_FORWARD(Result<void>, putRefresh, (const store::RefreshToken& t), (t))
  BASTION_FORWARD(Result<store::RefreshToken>, getRefresh, (std::string_view h), (h))
  BASTION_FORWARD(Result<void>, rotateRefresh,
                  (std::string_view h, const store::RefreshToken& n, store::RefreshToken* r),
                  (h, n, r))
  BASTION_FORWARD(Result<void>, revokeFamily, (std::string_view f, store::TimePoint t), (f, t))
  BASTION_FORWARD(Result<bool>, isFamilyRevoked, (std::string_view f), (f))
  BASTION_FORWARD(Result<std::vector<std::string>>, revokedFamiliesSince, (store::TimePoint t), (t))
  BASTION_FORWARD(Result<void>, revokeJti, (std::string_view j, store::TimePoint t), (j, t))
  BASTION_FORWARD(Result<bool>, isJtiRevoked, (std::string_view j), (j))
  BASTION_FORWARD(Result<void>, putConsent, (const store::Consent& c), (c))
  BASTION_FORWARD(Result<store::Consent>, getConsent, (std::string_view u, std::string_view c),
                  (u, c))
  BASTION_FORWARD(Result<void>, revokeConsent, (std::string_view u, std::string_view c), (u, c))
  BASTION_FORWARD(Result<void>, putSigningKey, (const store::SigningKey& k), (k))
  BASTION_FORWARD(Result<std::vector<store::SigningKey>>, signingKeys, (), ())
  BASTION_FORWARD(Result<void>, deleteSigningKey, (std::string_view k), (k))
  BASTION_FORWARD(Result<std::size_t>, purgeExpired, (store::TimePoint t), (t))
#undef BASTION_FORWARD

 private:
  std::shared_ptr<store::Store> inner_;
};

class FailClosed : public AsFixture {
 protected:
  void SetUp() override {
    AsFixture::SetUp();
    breakable_ = std::make_shared<BreakableStore>(store_);
    store_ = breakable_;
    createServer();
  }
  std::shared_ptr<BreakableStore> breakable_;
};

TEST_F(FailClosed, UnverifiedTokenRefusedWhenRevocationCannotBeChecked) {
  // A token not yet seen cannot be checked for revocation: refused, not assumed fine.
  auto token = as_->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  breakable_->failing = true;
  EXPECT_EQ(verifyError(*token), auth::AuthError::Revoked);
  breakable_->failing = false;
  EXPECT_FALSE(verifyError(*token).has_value());
}

TEST_F(FailClosed, TokenEndpointGrantsNothingWhenStoreFails) {
  // Code exchange and client authentication against a failing store: 503, no token.
  const std::string code = plantCode();
  breakable_->failing = true;
  auto r = post("/token", codeForm(code));
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(json(r).contains("access_token"));
  auto cc = post("/token", {{"grant_type", "client_credentials"}}, confidentialBasic());
  EXPECT_EQ(cc.status, 503);
  breakable_->failing = false;
  EXPECT_EQ(post("/token", codeForm(code)).status, 200);  // the code was not spent
}

TEST_F(FailClosed, ServerDoesNotStartWithoutItsKeys) {
  // If the signing keys cannot be read, the server is not created (KeyError::StoreFailed).
  breakable_->failing = true;
  AsDependencies d;
  d.store = store_;
  d.clock = &clock_;
  auto as = AuthorizationServer::create(options(), d);
  ASSERT_FALSE(as);
  EXPECT_EQ(as.error().code, static_cast<int>(KeyError::StoreFailed));
}

TEST_F(FailClosed, KeysThatCannotBeReloadedVerifyNothing) {
  // Once the periodic key reload fails, unseen tokens are refused (KeysUnavailable) and nothing
  // is signed.
  auto token = as_->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  breakable_->failing = true;
  clock_.advance(std::chrono::seconds(61));  // the key reload interval has passed
  EXPECT_EQ(verifyError(*token), auth::AuthError::KeysUnavailable);
  EXPECT_FALSE(as_->issueAccessToken("alice", {"files:read"}, minutes(10)));
}

}  // namespace
}  // namespace bastion::oauth::testing
