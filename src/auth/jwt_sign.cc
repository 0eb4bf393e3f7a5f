// The signing half of auth/jwt.h: what the embedded authorization server (and the tests) use.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>

#include "auth/jws_crypto.h"
#include "auth/jwt.h"
#include "auth/strict_json.h"
#include "core/crypto.h"

namespace bastion::auth {
namespace {

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using UniquePkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using UniqueBio = std::unique_ptr<BIO, BioFree>;

Error signError(JwtSignError code, std::string message) { return Error(code, std::move(message)); }

}  // namespace

Result<std::string> signJwt(std::string_view header_json, std::string_view claims_json,
                            evp_pkey_st* key) {
  auto header = parseStrictJsonObject(header_json);
  const auto* alg_value = header ? header->if_contains("alg") : nullptr;
  const auto alg = alg_value != nullptr && alg_value->is_string()
                       ? algFromName(std::string_view(alg_value->get_string()))
                       : std::nullopt;
  if (!alg) {
    return signError(JwtSignError::BadHeader, "header must be a JSON object with a known alg");
  }
  if (!parseStrictJsonObject(claims_json)) {
    return signError(JwtSignError::BadClaims, "claims must be a JSON object");
  }
  const auto kind = key != nullptr ? keyKindOf(key) : std::nullopt;
  if (!kind || !keyFits(*kind, *alg)) {
    return signError(JwtSignError::KeyMismatch, "key cannot sign with this alg");
  }
  std::string out =
      crypto::base64UrlEncode(header_json) + "." + crypto::base64UrlEncode(claims_json);
  auto sig = jwsSign(*alg, key, out);
  if (!sig) {
    return signError(JwtSignError::SignFailed, "signing failed");
  }
  out += ".";
  out += crypto::base64UrlEncode(*sig);
  return out;
}

Result<std::string> signEs256(evp_pkey_st* key, std::string_view kid, std::string_view typ,
                              std::string_view claims_json) {
  boost::json::object header{{"alg", "ES256"}};
  if (!typ.empty()) {
    header["typ"] = typ;
  }
  header["kid"] = kid;
  return signJwt(boost::json::serialize(header), claims_json, key);
}

Result<UniquePkey> generateEs256Key() {
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return signError(JwtSignError::KeyGenerationFailed, "P-256 key generation failed");
  }
  return UniquePkey(raw);
}

Result<std::string> privateKeyToPem(evp_pkey_st* key) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (key == nullptr || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return signError(JwtSignError::BadPem, "PEM export failed");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || data == nullptr) {
    return signError(JwtSignError::BadPem, "PEM export failed");
  }
  return std::string(data, static_cast<std::size_t>(n));
}

Result<UniquePkey> es256KeyFromPem(std::string_view pem) {
  if (pem.empty() || pem.size() > 16 * 1024) {
    return signError(JwtSignError::BadPem, "PEM size");
  }
  UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return signError(JwtSignError::BadPem, "PEM buffer");
  }
  UniquePkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || keyKindOf(key.get()) != KeyKind::EcP256) {
    return signError(JwtSignError::BadPem, "not a P-256 private key");
  }
  return key;
}

}  // namespace bastion::auth
