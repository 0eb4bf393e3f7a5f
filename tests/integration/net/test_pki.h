#pragma once
// A certificate authority made at test time and a server certificate it signed for "localhost"
// (P-256), for TLS tests against LocalServer: the CA goes to a PEM file a client trusts through
// its ca_file, the leaf and key into the server's ssl::context.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <memory>
#include <string>

namespace bastion::net::testing {

using PKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

inline bool addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value), X509_EXTENSION_free);
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (self-signed when issuer is null).
inline X509Ptr makeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                        bool ca, const char* san) {
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

// Writes the CA to `ca_file` and loads the "localhost" leaf and its key into `server` (TLS 1.2
// at least). False if any step fails.
inline bool makeLocalhostPki(const std::string& ca_file, boost::asio::ssl::context& server) {
  PKeyPtr ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  PKeyPtr leaf_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!ca_key || !leaf_key) {
    return false;
  }
  X509Ptr ca = makeCert(ca_key.get(), "Bastion Test CA", nullptr, ca_key.get(), true, nullptr);
  X509Ptr leaf = ca ? makeCert(leaf_key.get(), "localhost", ca.get(), ca_key.get(), false,
                               "DNS:localhost")
                    : X509Ptr(nullptr, X509_free);
  if (!leaf) {
    return false;
  }
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(ca_file.c_str(), "w"), std::fclose);
  if (!f || PEM_write_X509(f.get(), ca.get()) != 1) {
    return false;
  }
  f.reset();
  return SSL_CTX_use_certificate(server.native_handle(), leaf.get()) == 1 &&
         SSL_CTX_use_PrivateKey(server.native_handle(), leaf_key.get()) == 1 &&
         SSL_CTX_set_min_proto_version(server.native_handle(), TLS1_2_VERSION) == 1;
}

}  // namespace bastion::net::testing
