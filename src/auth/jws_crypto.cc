#include "auth/jws_crypto.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "auth/jwt.h"  // ecdsaRawToDer / ecdsaDerToRaw

namespace bastion::auth {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using UniqueSig = std::unique_ptr<ECDSA_SIG, SigFree>;
using UniqueBn = std::unique_ptr<BIGNUM, BnFree>;

constexpr std::size_t kEs256CoordBytes = 32;
constexpr int kCoord = 32;  // the same, for OpenSSL's int lengths

const unsigned char* bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

const EVP_MD* digestFor(JwsAlg alg) { return alg == JwsAlg::EdDSA ? nullptr : EVP_sha256(); }

// RSASSA-PSS per RFC 7518 section 3.5: MGF1 with SHA-256, salt as long as the digest.
bool configurePss(EVP_PKEY_CTX* pctx) {
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1;
}

bool configure(EVP_PKEY_CTX* pctx, JwsAlg alg) {
  if (alg == JwsAlg::PS256) {
    return configurePss(pctx);
  }
  if (alg == JwsAlg::RS256) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  return true;
}

// The exact signature length each algorithm produces; anything else is refused before OpenSSL
// sees it (RSA: the modulus size).
bool signatureLengthOk(JwsAlg alg, evp_pkey_st* key, std::size_t size) {
  switch (alg) {
    case JwsAlg::ES256:
      return size == 2 * kEs256CoordBytes;
    case JwsAlg::EdDSA:
      return size == 64;
    case JwsAlg::RS256:
    case JwsAlg::PS256:
      return EVP_PKEY_get_size(key) > 0 && size == static_cast<std::size_t>(EVP_PKEY_get_size(key));
  }
  return false;
}

}  // namespace

bool jwsVerify(JwsAlg alg, evp_pkey_st* key, std::string_view signing_input,
               std::string_view signature) {
  if (key == nullptr || !signatureLengthOk(alg, key, signature.size())) {
    return false;
  }
  const std::string der = alg == JwsAlg::ES256 ? ecdsaRawToDer(signature) : std::string();
  const std::string_view sig = alg == JwsAlg::ES256 ? std::string_view(der) : signature;
  if (sig.empty()) {
    return false;
  }
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digestFor(alg), nullptr, key) != 1 ||
      !configure(pctx, alg)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), bytesOf(sig), sig.size(), bytesOf(signing_input),
                          signing_input.size()) == 1;
}

std::optional<std::string> jwsSign(JwsAlg alg, evp_pkey_st* key, std::string_view input) {
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, digestFor(alg), nullptr, key) != 1 ||
      !configure(pctx, alg)) {
    return std::nullopt;
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytesOf(input), input.size()) != 1) {
    return std::nullopt;
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytesOf(input),
                     input.size()) != 1) {
    return std::nullopt;
  }
  sig.resize(len);
  if (alg == JwsAlg::ES256) {
    sig = ecdsaDerToRaw(sig);
    if (sig.empty()) {
      return std::nullopt;
    }
  }
  return sig;
}

std::optional<KeyKind> keyKindOf(evp_pkey_st* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    return KeyKind::Rsa;
  }
  if (EVP_PKEY_is_a(key, "ED25519")) {
    return KeyKind::Ed25519;
  }
  if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) == 256) {
    char group[32] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
        std::string_view(group, len) == "prime256v1") {
      return KeyKind::EcP256;
    }
  }
  return std::nullopt;
}

std::string ecdsaRawToDer(std::string_view raw) {
  if (raw.size() != 2 * kEs256CoordBytes) {
    return {};
  }
  UniqueSig sig(ECDSA_SIG_new());
  UniqueBn r(BN_bin2bn(bytesOf(raw), kCoord, nullptr));
  UniqueBn s(BN_bin2bn(bytesOf(raw) + kEs256CoordBytes, kCoord, nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return {};
  }
  (void)r.release();  // owned by sig from here on
  (void)s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) {
    return {};
  }
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) {
    return {};
  }
  return der;
}

std::string ecdsaDerToRaw(std::string_view der) {
  const unsigned char* in = bytesOf(der);
  UniqueSig sig(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
  if (!sig || in != bytesOf(der) + der.size()) {
    return {};
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kEs256CoordBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kCoord) != kCoord ||
      BN_bn2binpad(s, out + kEs256CoordBytes, kCoord) != kCoord) {
    return {};
  }
  return raw;
}

}  // namespace bastion::auth
