// `bastion clients add|list|remove` and `bastion token issue` run as a user would, against a
// store in a private temporary directory.

// GCC 12 at -O2 reports checked boost::system::result values and std::istreambuf_iterator
// internals as potential null dereferences (false positives).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "core/crypto.h"
#include "integration/cli/child.h"
#include "oauth/authorization_server.h"
#include "store/store.h"

namespace bastion::testing {
namespace {

const std::string kExe = BASTION_EXE;

class OauthCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bastion-cli-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    store_url_ = "sqlite://" + (dir_ / "store" / "bastion.db").string();
    config_ = (dir_ / "bastion.toml").string();
    std::ofstream(config_) << "[server]\nlisten = \"127.0.0.1:8080\"\n"
                           << "public_url = \"http://127.0.0.1:8080/mcp\"\n"
                           << "[auth]\nmode = \"embedded\"\n"
                           << "[store]\nurl = \"" << store_url_ << "\"\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string storeBytes() const {
    std::string all;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in((dir_ / "store" / "bastion.db").string() + suffix, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

  std::filesystem::path dir_;
  std::string store_url_;
  std::string config_;
};

std::string valueAfter(const std::string& out, const std::string& label) {
  std::smatch m;
  const std::regex re(label + ": (\\S+)");
  return std::regex_search(out, m, re) ? m[1].str() : std::string();
}

TEST_F(OauthCli, ClientsAddListRemove) {
  // A public client is added, listed with its redirect URI and scopes, and removed.
  auto added = run({kExe, "clients", "add", "My App", "--redirect-uri", "http://127.0.0.1/cb",
                    "--scope", "files:read files:write", "--config", config_});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string id = valueAfter(added.out, "client_id");
  ASSERT_FALSE(id.empty()) << added.out;
  EXPECT_EQ(added.out.find("client_secret"), std::string::npos);
  auto listed = run({kExe, "clients", "list", "--config", config_});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos);
  EXPECT_NE(listed.out.find("http://127.0.0.1/cb"), std::string::npos);
  EXPECT_NE(listed.out.find("files:read files:write"), std::string::npos);
  EXPECT_EQ(run({kExe, "clients", "remove", id, "--store", store_url_}).exit_code, 0);
  EXPECT_EQ(run({kExe, "clients", "list", "--store", store_url_}).out.find(id), std::string::npos);
  EXPECT_NE(run({kExe, "clients", "remove", id, "--store", store_url_}).exit_code, 0);
}

TEST_F(OauthCli, ConfidentialSecretPrintedOnceAndStoredHashed) {
  // The secret appears on stdout once; the database holds its hash, never the secret.
  auto added = run({kExe, "clients", "add", "Machine", "--confidential", "--config", config_});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string secret = valueAfter(added.out, "client_secret");
  ASSERT_GE(secret.size(), 40u) << added.out;
  const std::string bytes = storeBytes();
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  EXPECT_NE(bytes.find(crypto::sha256Hex(secret)), std::string::npos);
  auto listed = run({kExe, "clients", "list", "--config", config_});
  EXPECT_EQ(listed.out.find(secret), std::string::npos);
  EXPECT_NE(listed.out.find("client_credentials"), std::string::npos);
}

TEST_F(OauthCli, ClientsAddRefusesUnsafeRedirectUri) {
  // javascript: and other non-http(s) redirect URIs are refused (exit 2), nothing stored.
  auto r = run({kExe, "clients", "add", "Bad", "--redirect-uri", "javascript:alert(1)", "--config",
                config_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(run({kExe, "clients", "list", "--config", config_}).out, "");
  EXPECT_EQ(run({kExe, "clients", "add", "NoUri", "--config", config_}).exit_code, 2);
}

TEST_F(OauthCli, TokenIssuePrintsTokenServeAccepts) {
  // The printed token is exactly one line and verifies with a server on the same store and
  // configuration (issuer, audience, subject, scopes).
  auto r = run({kExe, "token", "issue", "--sub", "ci-bot", "--scope", "files:read files:write",
                "--ttl", "5m", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(r.out.empty());
  ASSERT_EQ(r.out.find('\n'), r.out.size() - 1);
  const std::string token = r.out.substr(0, r.out.size() - 1);
  auto store = store::openStore(store_url_);
  ASSERT_TRUE(store);
  oauth::AsOptions o;
  o.issuer = "http://127.0.0.1:8080";
  o.resource = "http://127.0.0.1:8080/mcp";
  oauth::AsDependencies d;
  d.store = *store;
  auto as = oauth::AuthorizationServer::create(o, d);
  ASSERT_TRUE(as);
  auto v = (*as)->verifier()->verify(token);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->principal.sub, "ci-bot");
  EXPECT_EQ(v->principal.iss, "http://127.0.0.1:8080");
  EXPECT_EQ(v->principal.scopes, (std::vector<std::string>{"files:read", "files:write"}));
  const auto left = v->expires - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::minutes(4));
  EXPECT_LE(left, std::chrono::minutes(5));
}

TEST_F(OauthCli, TokenIssueRefusesBadInput) {
  // A missing subject, a zero or malformed lifetime, or a bad scope: no token, non-zero exit.
  EXPECT_NE(run({kExe, "token", "issue", "--config", config_}).exit_code, 0);
  for (const char* ttl : {"0s", "ten", "-5m"}) {
    auto r = run({kExe, "token", "issue", "--sub", "a", "--ttl", ttl, "--config", config_});
    EXPECT_EQ(r.exit_code, 2) << ttl;
    EXPECT_EQ(r.out, "") << ttl;
  }
  auto q = run({kExe, "token", "issue", "--sub", "a", "--scope", "a\"b", "--config", config_});
  EXPECT_NE(q.exit_code, 0);
  EXPECT_EQ(q.out, "");
}

}  // namespace
}  // namespace bastion::testing
