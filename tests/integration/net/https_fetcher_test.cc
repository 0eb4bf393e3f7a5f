// The fetcher over TLS against a local server whose certificate comes from a CA made at test
// time: trusted through policy.ca_file, host name checked, untrusted or misnamed peers refused.

// GCC 12 at -O2 calls boost::system::result's operator-> and Asio's executor comparison
// "potential null pointer dereference"; false positives that would fail -Werror release builds.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "local_server.h"
#include "net/fetcher.h"
#include "test_pki.h"

namespace bastion::net::testing {
namespace {

namespace ssl = boost::asio::ssl;

int codeOf(const Result<FetchResponse>& r) { return r ? 0 : r.error().code; }
constexpr int code(FetchError e) { return static_cast<int>(e); }

class HttpsFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bastion-net-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(makeLocalhostPki(caFile(), server_ctx_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string caFile() const { return (dir_ / "ca.pem").string(); }
  std::shared_ptr<Fetcher> trusting() {
    return makeHttpFetcher(
        FetchPolicy{.allow_http = false, .allow_private_addresses = true, .ca_file = caFile()});
  }

  std::filesystem::path dir_;
  ssl::context server_ctx_{ssl::context::tls_server};
};

TEST_F(HttpsFetcherTest, FetchesFromServerTrustedThroughCaFile) {
  // The certificate chains to the configured CA and names "localhost": the fetch succeeds.
  LocalServer server([](const ServerRequest&) { return httpResponse(200, "OK", "secure"); },
                     &server_ctx_);
  auto r = trusting()->fetch({.url = "https://localhost:" + std::to_string(server.port()) + "/"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "secure");
}

TEST_F(HttpsFetcherTest, RefusesCertificateForAnotherHostName) {
  // The same trusted certificate does not name 127.0.0.1: the handshake is refused.
  LocalServer server([](const ServerRequest&) { return httpResponse(200, "OK", "secure"); },
                     &server_ctx_);
  auto r = trusting()->fetch({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::TlsFailed));
  EXPECT_TRUE(server.targets().empty());
}

TEST_F(HttpsFetcherTest, RefusesCertificateFromUntrustedCa) {
  // Without the test CA (system trust store only) the chain does not verify.
  LocalServer server([](const ServerRequest&) { return httpResponse(200, "OK", "secure"); },
                     &server_ctx_);
  auto system_trust = makeHttpFetcher(
      FetchPolicy{.allow_http = false, .allow_private_addresses = true, .ca_file = ""});
  auto r = system_trust->fetch({.url = "https://localhost:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::TlsFailed));
  EXPECT_TRUE(server.targets().empty());
}

TEST_F(HttpsFetcherTest, UnreadableCaFileFailsClosed) {
  // A CA file that cannot be loaded refuses every https fetch rather than trusting anything.
  auto broken = makeHttpFetcher(FetchPolicy{.allow_http = false,
                                            .allow_private_addresses = true,
                                            .ca_file = (dir_ / "missing.pem").string()});
  auto r = broken->fetch({.url = "https://localhost:1/"});
  EXPECT_EQ(codeOf(r), code(FetchError::TlsFailed));
}

TEST_F(HttpsFetcherTest, RefusesTls11Server) {
  // A server that only speaks TLS 1.1 cannot be used (TLS 1.2 at least).
  SSL_CTX_set_min_proto_version(server_ctx_.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(server_ctx_.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(server_ctx_.native_handle(), 0);
  LocalServer server([](const ServerRequest&) { return httpResponse(200, "OK", "old"); },
                     &server_ctx_);
  auto r = trusting()->fetch({.url = "https://localhost:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::TlsFailed));
}

TEST_F(HttpsFetcherTest, TimesOutOnSilentTlsServer) {
  // A server that accepts TCP and never starts TLS costs only the timeout.
  LocalServer silent([](const ServerRequest&) { return std::optional<std::string>(); });
  const auto start = std::chrono::steady_clock::now();
  auto r = trusting()->fetch({.url = "https://localhost:" + std::to_string(silent.port()) + "/",
                              .timeout = std::chrono::milliseconds(300)});
  EXPECT_EQ(codeOf(r), code(FetchError::Timeout));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
}

}  // namespace
}  // namespace bastion::net::testing
