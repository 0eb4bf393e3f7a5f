// TLS on the HTTP listener: a self-signed certificate made here with the OpenSSL API, a real
// handshake over loopback, TLS 1.1 refused, unusable files refused at start.

// GCC 12 at -O2 reports Asio io_context internals as potential null dereferences (false
// positives in Boost's headers, not in this test).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "http_test_support.h"

namespace bastion::transport::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

using PKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// Writes a fresh P-256 key and a self-signed certificate for "localhost" into `dir`.
bool makeSelfSigned(const std::filesystem::path& dir) {
  PKeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  X509Ptr cert(X509_new(), X509_free);
  if (!key || !cert) {
    return false;
  }
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return false;
  }
  std::unique_ptr<FILE, decltype(&std::fclose)> cf(std::fopen((dir / "cert.pem").c_str(), "w"),
                                                   std::fclose);
  std::unique_ptr<FILE, decltype(&std::fclose)> kf(std::fopen((dir / "key.pem").c_str(), "w"),
                                                   std::fclose);
  return cf && kf && PEM_write_X509(cf.get(), cert.get()) == 1 &&
         PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("bastion-tls-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(makeSelfSigned(dir));
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  TlsOptions files() const { return {(dir / "cert.pem").string(), (dir / "key.pem").string()}; }

  // Handshakes with the given client protocol bounds; returns the handshake error.
  boost::system::error_code handshake(std::uint16_t port, int min_version, int max_version,
                                      std::string* answer = nullptr) {
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), min_version);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
    // Let the client offer old versions at all (OpenSSL 3 forbids them at the default level),
    // so a refusal can only come from the server.
    SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
    ctx.set_verify_mode(ssl::verify_none);
    ssl::stream<asio::ip::tcp::socket> stream(ioc, ctx);
    boost::system::error_code ec;
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) {
      return ec;
    }
    stream.handshake(ssl::stream_base::client, ec);
    if (ec || !answer) {
      return ec;
    }
    const std::string body = rpc(1, "ping");
    http::request<http::string_body> req{http::verb::post, "/mcp", 11};
    req.set(http::field::host, "localhost:" + std::to_string(port));
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req, ec);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res, ec);
    *answer = res.body();
    return ec;
  }

  std::filesystem::path dir;
};

TEST_F(HttpTlsTest, HandshakeAndRequestOverTls13Work) {
  // A TLS 1.2+ client completes the handshake and gets an answer to a POST.
  ServerHarness h([&](HttpServerOptions& o) { o.tls = files(); });
  ASSERT_TRUE(h.start()) << h.error;
  std::string answer;
  EXPECT_FALSE(handshake(h.port(), TLS1_2_VERSION, TLS1_3_VERSION, &answer));
  EXPECT_NE(answer.find(R"("ok":true)"), std::string::npos) << answer;
}

TEST_F(HttpTlsTest, Tls12IsAccepted) {
  ServerHarness h([&](HttpServerOptions& o) { o.tls = files(); });
  ASSERT_TRUE(h.start()) << h.error;
  EXPECT_FALSE(handshake(h.port(), TLS1_2_VERSION, TLS1_2_VERSION));
}

TEST_F(HttpTlsTest, ProtocolDowngradeToTls11IsRefused) {
  // A client that speaks at most TLS 1.1 cannot complete a handshake.
  ServerHarness h([&](HttpServerOptions& o) { o.tls = files(); });
  ASSERT_TRUE(h.start()) << h.error;
  EXPECT_TRUE(handshake(h.port(), TLS1_VERSION, TLS1_1_VERSION));
}

TEST_F(HttpTlsTest, UnreadableCertificateRefusesToStart) {
  ServerHarness h([&](HttpServerOptions& o) {
    o.tls = TlsOptions{(dir / "missing.pem").string(), (dir / "key.pem").string()};
  });
  EXPECT_FALSE(h.start());
  EXPECT_NE(h.error.find("missing.pem"), std::string::npos) << h.error;
}

TEST_F(HttpTlsTest, KeyNotMatchingCertificateRefusesToStart) {
  const auto other = dir / "other";
  std::filesystem::create_directories(other);
  ASSERT_TRUE(makeSelfSigned(other));
  ServerHarness h([&](HttpServerOptions& o) {
    o.tls = TlsOptions{(dir / "cert.pem").string(), (other / "key.pem").string()};
  });
  EXPECT_FALSE(h.start());
  EXPECT_NE(h.error.find("does not match"), std::string::npos) << h.error;
}

TEST_F(HttpTlsTest, GarbageCertificateRefusesToStart) {
  {
    std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen((dir / "junk.pem").c_str(), "w"),
                                                    std::fclose);
    std::fputs("not a certificate\n", f.get());
  }
  ServerHarness h([&](HttpServerOptions& o) {
    o.tls = TlsOptions{(dir / "junk.pem").string(), (dir / "key.pem").string()};
  });
  EXPECT_FALSE(h.start());
  EXPECT_NE(h.error.find("junk.pem"), std::string::npos) << h.error;
}

}  // namespace
}  // namespace bastion::transport::testing
