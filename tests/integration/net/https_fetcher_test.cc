// The fetcher over TLS against a local server whose certificate comes from a CA made at test
// time: trusted through policy.ca_file, host name checked, untrusted or misnamed peers refused.

// GCC 12 at -O2 calls boost::system::result's operator-> and Asio's executor comparison
// "potential null pointer dereference"; false positives that would fail -Werror release builds.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "local_server.h"
#include "net/fetcher.h"

namespace bastion::net::testing {
namespace {

namespace ssl = boost::asio::ssl;

using PKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using FilePtr = std::unique_ptr<FILE, decltype(&std::fclose)>;

int codeOf(const Result<FetchResponse>& r) { return r ? 0 : r.error().code; }
constexpr int code(FetchError e) { return static_cast<int>(e); }

bool addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value), X509_EXTENSION_free);
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (self-signed when issuer is null).
X509Ptr makeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                 const char* san) {
  X509Ptr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ca ? 1 : 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  X509_set_pubkey(cert.get(), key);
  const bool ok =
      ca ? addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
               addExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign")
         : addExtension(cert.get(), signer, NID_basic_constraints, "CA:FALSE") &&
               addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
               addExtension(cert.get(), signer, NID_subject_alt_name, san);
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) {
    return X509Ptr(nullptr, X509_free);
  }
  return cert;
}

class HttpsFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bastion-net-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    PKeyPtr ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    PKeyPtr leaf_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    ASSERT_TRUE(ca_key && leaf_key);
    X509Ptr ca = makeCert(ca_key.get(), "Bastion Test CA", nullptr, ca_key.get(), true, nullptr);
    ASSERT_TRUE(ca);
    X509Ptr leaf =
        makeCert(leaf_key.get(), "localhost", ca.get(), ca_key.get(), false, "DNS:localhost");
    ASSERT_TRUE(leaf);
    FilePtr f(std::fopen(caFile().c_str(), "w"), std::fclose);
    ASSERT_TRUE(f && PEM_write_X509(f.get(), ca.get()) == 1);
    f.reset();
    ASSERT_EQ(SSL_CTX_use_certificate(server_ctx_.native_handle(), leaf.get()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx_.native_handle(), leaf_key.get()), 1);
    SSL_CTX_set_min_proto_version(server_ctx_.native_handle(), TLS1_2_VERSION);
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
