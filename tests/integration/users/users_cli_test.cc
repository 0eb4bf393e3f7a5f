// `bastion users add|remove|revoke-consent` against a real store file.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "integration/cli/child.h"
#include "oauth/users.h"
#include "store/store.h"

namespace bastion {
namespace {

using testing::run;

constexpr const char* kExe = BASTION_EXE;

class UsersCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "bastion-users-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    url_ = "sqlite://" + dir_ + "/data/bastion.db";
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::shared_ptr<store::Store> open() {
    auto s = store::openStore(url_);
    EXPECT_TRUE(s);
    return s ? *s : nullptr;
  }

  std::string dir_;
  std::string url_;
};

TEST_F(UsersCli, AddReadsPasswordFromPipeAndStoresArgon2id) {
  // The first line of a piped stdin is the password; only its argon2id hash is stored.
  auto r = run({kExe, "users", "add", "alice", "--store", url_}, "pipe-secret\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");  // nothing on stdout, the password least of all
  auto user = open()->getUser("alice");
  ASSERT_TRUE(user);
  EXPECT_TRUE(user->password_hash.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"));
  EXPECT_EQ(user->password_hash.find("pipe-secret"), std::string::npos);
  EXPECT_TRUE(oauth::verifyPassword(user->password_hash, "pipe-secret"));
  EXPECT_FALSE(oauth::verifyPassword(user->password_hash, "pipe-secret\n"));
}

TEST_F(UsersCli, AddAgainReplacesThePassword) {
  // Adding an existing user changes its password.
  ASSERT_EQ(run({kExe, "users", "add", "bob", "--store", url_}, "one\n").exit_code, 0);
  auto r = run({kExe, "users", "add", "bob", "--store", url_}, "two\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Replaced"), std::string::npos);
  auto user = open()->getUser("bob");
  ASSERT_TRUE(user);
  EXPECT_TRUE(oauth::verifyPassword(user->password_hash, "two"));
  EXPECT_FALSE(oauth::verifyPassword(user->password_hash, "one"));
}

TEST_F(UsersCli, RefusesBadNamesAndMissingPasswords) {
  // Unusable input exits 2 and stores nothing.
  EXPECT_EQ(run({kExe, "users", "add", "bad name", "--store", url_}, "pw\n").exit_code, 2);
  EXPECT_EQ(run({kExe, "users", "add", "carol", "--store", url_}, "").exit_code, 2);
  EXPECT_EQ(run({kExe, "users", "add", "carol", "--store", url_}, "\n").exit_code, 2);
  EXPECT_FALSE(open()->getUser("carol"));
}

TEST_F(UsersCli, RemoveDeletesTheUser) {
  // A removed user can no longer be found (so cannot log in).
  ASSERT_EQ(run({kExe, "users", "add", "dave", "--store", url_}, "pw\n").exit_code, 0);
  auto r = run({kExe, "users", "remove", "dave", "--store", url_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(open()->getUser("dave"));
}

TEST_F(UsersCli, RevokeConsentForgetsTheRememberedDecision) {
  // revoke-consent deletes the remembered consent of (user, client).
  ASSERT_EQ(run({kExe, "users", "add", "erin", "--store", url_}, "pw\n").exit_code, 0);
  store::Client c;
  c.client_id = "client-9";
  c.redirect_uris = {"https://app.example/cb"};
  ASSERT_TRUE(open()->putClient(c));
  ASSERT_TRUE(open()->putConsent(store::Consent{"erin", "client-9", {"mcp:tools"}, {}}));
  auto r = run({kExe, "users", "revoke-consent", "erin", "client-9", "--store", url_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(open()->getConsent("erin", "client-9"));
}

}  // namespace
}  // namespace bastion
