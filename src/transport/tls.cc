#include "transport/tls.h"

#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>

#include "transport/http_server.h"

namespace bastion::transport {
namespace {

bool readable(const std::string& path) {
  std::ifstream f(path);
  return f.good();
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(const TlsOptions& files) {
  namespace ssl = boost::asio::ssl;
  for (const std::string* path : {&files.cert_file, &files.key_file}) {
    if (path->empty() || !readable(*path)) {
      return Error(HttpServerError::TlsFilesUnusable, "cannot read TLS file '" + *path + "'");
    }
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  // Fail closed on protocol versions: nothing below TLS 1.2, whatever OpenSSL's defaults are.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  if (ec || SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return Error(HttpServerError::TlsFilesUnusable, "cannot restrict TLS to version 1.2 or later");
  }
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    return Error(HttpServerError::TlsFilesUnusable,
                 "TLS certificate '" + files.cert_file + "' is not a PEM certificate chain");
  }
  ctx->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec && ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return Error(HttpServerError::TlsFilesUnusable,
                 "TLS key '" + files.key_file + "' does not match certificate '" +
                     files.cert_file + "'");
  }
  if (ec) {
    return Error(HttpServerError::TlsFilesUnusable,
                 "TLS key '" + files.key_file + "' is not a PEM private key");
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return Error(HttpServerError::TlsFilesUnusable,
                 "TLS key '" + files.key_file + "' does not match certificate '" +
                     files.cert_file + "'");
  }
  return ctx;
}

}  // namespace bastion::transport
