#include "auth/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>
#include <boost/json.hpp>

#include "auth/jws_crypto.h"
#include "auth/strict_json.h"
#include "core/crypto.h"

namespace bastion::auth {

void PkeyFree::operator()(evp_pkey_st* key) const noexcept { EVP_PKEY_free(key); }

namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using UniqueBn = std::unique_ptr<BIGNUM, BnFree>;
using UniqueCtx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;
using UniqueBld = std::unique_ptr<OSSL_PARAM_BLD, BldFree>;
using UniqueParams = std::unique_ptr<OSSL_PARAM, ParamFree>;

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;  // verification cost grows with the modulus: bound it

Error jwkError(JwkError code, std::string message) { return Error(code, std::move(message)); }

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Private or symmetric members: their presence in a published key means the publisher leaks
// secrets; we refuse rather than ignore (fail closed, and the operator should know).
bool hasPrivateMaterial(const boost::json::object& jwk) {
  static constexpr std::array<std::string_view, 8> kSecret = {"d",  "p",  "q",   "dp",
                                                              "dq", "qi", "oth", "k"};
  for (const auto name : kSecret) {
    if (jwk.contains(name)) {
      return true;
    }
  }
  return false;
}

// An optional string member: absent -> "", wrong type -> nullopt.
std::optional<std::string> optionalString(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) {
    return std::string();
  }
  if (!v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->get_string());
}

// A required, non-empty base64url member decoded: MissingMember if absent, BadMember if not a
// string or not strict base64url.
Result<std::string> b64Member(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) {
    return jwkError(JwkError::MissingMember, std::string(name) + " missing");
  }
  auto decoded =
      v->is_string() ? crypto::base64UrlDecode(std::string_view(v->get_string())) : std::nullopt;
  if (!decoded || decoded->empty()) {
    return jwkError(JwkError::BadMember, std::string(name) + " is not base64url");
  }
  return std::move(*decoded);
}

Result<UniquePkey> fromData(const char* type, OSSL_PARAM_BLD* bld) {
  UniqueParams params(OSSL_PARAM_BLD_to_param(bld));
  UniqueCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return jwkError(JwkError::InvalidKey, "key material refused");
  }
  UniquePkey key(raw);
  UniqueCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return jwkError(JwkError::InvalidKey, "public key check failed");
  }
  return key;
}

Result<UniquePkey> rsaKey(const boost::json::object& o) {
  auto n = b64Member(o, "n");
  auto e = b64Member(o, "e");
  if (!n || !e) {
    return !n ? n.error() : e.error();
  }
  UniqueBn bn_n(BN_bin2bn(bytes(*n), static_cast<int>(n->size()), nullptr));
  UniqueBn bn_e(BN_bin2bn(bytes(*e), static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) {
    return jwkError(JwkError::InvalidKey, "RSA numbers");
  }
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return jwkError(JwkError::UnsupportedKey, "RSA modulus must have 2048..8192 bits");
  }
  // e: odd, greater than 1, at most 64 bits (every real key uses 65537).
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()) || BN_num_bits(bn_e.get()) > 64) {
    return jwkError(JwkError::InvalidKey, "RSA exponent");
  }
  UniqueBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return jwkError(JwkError::InvalidKey, "RSA parameters");
  }
  return fromData("RSA", bld.get());
}

Result<UniquePkey> ecKey(const boost::json::object& o) {
  auto crv = optionalString(o, "crv");
  if (!crv || crv->empty()) {
    return jwkError(JwkError::MissingMember, "EC key needs crv");
  }
  if (*crv != "P-256") {
    return jwkError(JwkError::UnsupportedKey, "only the P-256 curve is supported");
  }
  auto x = b64Member(o, "x");
  auto y = b64Member(o, "y");
  if (!x || !y) {
    return !x ? x.error() : y.error();
  }
  // RFC 7518 section 6.2.1.2: full-length coordinates, 32 bytes each for P-256.
  if (x->size() != 32 || y->size() != 32) {
    return jwkError(JwkError::BadMember, "P-256 coordinates must be 32 bytes");
  }
  std::string point = "\x04" + *x + *y;
  UniqueBld bld(OSSL_PARAM_BLD_new());
  static char kGroup[] = "prime256v1";
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return jwkError(JwkError::InvalidKey, "EC parameters");
  }
  return fromData("EC", bld.get());
}

Result<UniquePkey> okpKey(const boost::json::object& o) {
  auto crv = optionalString(o, "crv");
  if (!crv || crv->empty()) {
    return jwkError(JwkError::MissingMember, "OKP key needs crv");
  }
  if (*crv != "Ed25519") {
    return jwkError(JwkError::UnsupportedKey, "only the Ed25519 curve is supported");
  }
  auto x = b64Member(o, "x");
  if (!x) {
    return x.error();
  }
  if (x->size() != 32) {
    return jwkError(JwkError::BadMember, "Ed25519 public key must be 32 bytes");
  }
  UniquePkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(*x), x->size()));
  if (!key) {
    return jwkError(JwkError::InvalidKey, "Ed25519 key refused");
  }
  return key;
}

// "use" must be "sig" when present; "key_ops" must include "verify" when present.
Result<void> checkPurpose(const boost::json::object& o) {
  auto use = optionalString(o, "use");
  if (!use) {
    return jwkError(JwkError::BadMember, "use must be a string");
  }
  if (!use->empty() && *use != "sig") {
    return jwkError(JwkError::NotForSignature, "key is not for signatures");
  }
  const auto* ops = o.if_contains("key_ops");
  if (ops == nullptr) {
    return {};
  }
  if (!ops->is_array()) {
    return jwkError(JwkError::BadMember, "key_ops must be an array");
  }
  for (const auto& op : ops->get_array()) {
    if (op.is_string() && op.get_string() == "verify") {
      return {};
    }
  }
  return jwkError(JwkError::NotForSignature, "key_ops lacks verify");
}

// kid and alg into `kid` and `alg` (an out-parameter rather than a result<>: GCC 12's
// -Wnull-dereference misreports moves out of boost::system::result in release builds).
Result<void> readKidAndAlg(const boost::json::object& o, std::string& kid,
                           std::optional<JwsAlg>& alg) {
  auto kid_member = optionalString(o, "kid");
  auto alg_member = optionalString(o, "alg");
  if (!kid_member || !alg_member) {
    return jwkError(JwkError::BadMember, "kid and alg must be strings");
  }
  kid = std::move(*kid_member);
  if (!alg_member->empty()) {
    alg = algFromName(*alg_member);
    if (!alg) {
      return jwkError(JwkError::UnsupportedKey, "alg not supported");
    }
  }
  return {};
}

std::optional<KeyKind> kindForKty(std::string_view kty) {
  if (kty == "RSA") {
    return KeyKind::Rsa;
  }
  if (kty == "EC") {
    return KeyKind::EcP256;
  }
  if (kty == "OKP") {
    return KeyKind::Ed25519;
  }
  return std::nullopt;
}

// The key into `out` (out-parameter: see readKidAndAlg).
Result<void> publicKeyOf(KeyKind kind, const boost::json::object& o, UniquePkey& out) {
  Result<UniquePkey> key = jwkError(JwkError::UnsupportedKey, "kty not supported");
  switch (kind) {
    case KeyKind::Rsa:
      key = rsaKey(o);
      break;
    case KeyKind::EcP256:
      key = ecKey(o);
      break;
    case KeyKind::Ed25519:
      key = okpKey(o);
      break;
  }
  if (!key) {
    return key.error();
  }
  out.reset(key->release());
  return {};
}

Result<Jwk> parseJwkObject(const boost::json::object& o) {
  if (hasPrivateMaterial(o)) {
    return jwkError(JwkError::PrivateKeyMaterial, "private or symmetric key material");
  }
  auto kty = optionalString(o, "kty");
  if (!kty || kty->empty()) {
    return jwkError(JwkError::MissingMember, "kty missing");
  }
  if (auto p = checkPurpose(o); !p) {
    return p.error();
  }
  Jwk jwk;
  if (auto h = readKidAndAlg(o, jwk.kid, jwk.alg); !h) {
    return h.error();
  }
  const auto kind = kindForKty(*kty);
  if (!kind) {
    return jwkError(JwkError::UnsupportedKey, "kty not supported");
  }
  jwk.kind = *kind;
  if (jwk.alg && !keyFits(jwk.kind, *jwk.alg)) {
    return jwkError(JwkError::BadMember, "alg does not fit the key type");
  }
  if (auto r = publicKeyOf(jwk.kind, o, jwk.key); !r) {
    return r.error();
  }
  return jwk;
}

std::optional<std::string> bnParam(evp_pkey_st* key, const char* name, int pad) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return std::nullopt;
  }
  UniqueBn bn(raw);
  const int len = pad > 0 ? pad : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(len), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), len) != len) {
    return std::nullopt;
  }
  return crypto::base64UrlEncode(out);
}

}  // namespace

std::string_view algName(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::RS256:
      return "RS256";
    case JwsAlg::PS256:
      return "PS256";
    case JwsAlg::ES256:
      return "ES256";
    case JwsAlg::EdDSA:
      return "EdDSA";
  }
  return "";
}

std::optional<JwsAlg> algFromName(std::string_view name) {
  for (const JwsAlg a : {JwsAlg::RS256, JwsAlg::PS256, JwsAlg::ES256, JwsAlg::EdDSA}) {
    if (algName(a) == name) {
      return a;
    }
  }
  return std::nullopt;
}

bool keyFits(KeyKind kind, JwsAlg alg) {
  switch (alg) {
    case JwsAlg::RS256:
    case JwsAlg::PS256:
      return kind == KeyKind::Rsa;
    case JwsAlg::ES256:
      return kind == KeyKind::EcP256;
    case JwsAlg::EdDSA:
      return kind == KeyKind::Ed25519;
  }
  return false;
}

bool Jwk::matches(std::string_view token_kid, JwsAlg token_alg) const {
  // Both must match (fail closed): a kid alone would let a token pick an algorithm for the key.
  if (kid.empty() || kid != token_kid || !key) {
    return false;
  }
  return alg ? *alg == token_alg : keyFits(kind, token_alg);
}

Result<Jwk> parseJwk(std::string_view json) {
  if (json.size() > kMaxJwksBytes) {
    return jwkError(JwkError::TooLarge, "JWK too large");
  }
  auto o = parseStrictJsonObject(json);
  if (!o) {
    return jwkError(JwkError::NotJson, "JWK is not a JSON object");
  }
  return parseJwkObject(*o);
}

Result<JwkSet> parseJwkSet(std::string_view json) {
  if (json.size() > kMaxJwksBytes) {
    return jwkError(JwkError::TooLarge, "JWK Set too large");
  }
  auto o = parseStrictJsonObject(json);
  if (!o) {
    return jwkError(JwkError::NotJson, "JWK Set is not a JSON object");
  }
  const auto* keys = o->if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return jwkError(JwkError::MissingMember, "JWK Set has no keys array");
  }
  const auto& entries = keys->get_array();
  if (entries.size() > kMaxJwksKeys) {
    return jwkError(JwkError::TooLarge, "JWK Set has too many keys");
  }
  JwkSet set;
  for (const auto& entry : entries) {
    if (!entry.is_object()) {
      return jwkError(JwkError::BadMember, "JWK Set entry is not an object");
    }
    auto jwk = parseJwkObject(entry.get_object());
    if (jwk) {
      set.keys.push_back(std::move(*jwk));
      continue;
    }
    if (jwk.error().code == static_cast<int>(JwkError::PrivateKeyMaterial)) {
      return jwk.error();
    }
    ++set.skipped;
  }
  return set;
}

Result<std::string> publicJwkJson(evp_pkey_st* key, std::string_view kid,
                                  std::optional<JwsAlg> alg) {
  const auto kind = key != nullptr ? keyKindOf(key) : std::nullopt;
  if (!kind || (alg && !keyFits(*kind, *alg))) {
    return jwkError(JwkError::UnsupportedKey, "key type not supported");
  }
  boost::json::object jwk;
  if (*kind == KeyKind::Rsa) {
    auto n = bnParam(key, OSSL_PKEY_PARAM_RSA_N, 0);
    auto e = bnParam(key, OSSL_PKEY_PARAM_RSA_E, 0);
    if (!n || !e) {
      return jwkError(JwkError::InvalidKey, "RSA parameters");
    }
    jwk = {{"kty", "RSA"}, {"n", *n}, {"e", *e}};
  } else if (*kind == KeyKind::EcP256) {
    auto x = bnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, 32);
    auto y = bnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    if (!x || !y) {
      return jwkError(JwkError::InvalidKey, "EC parameters");
    }
    jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"x", *x}, {"y", *y}};
  } else {
    std::string raw(32, '\0');
    std::size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
        len != 32) {
      return jwkError(JwkError::InvalidKey, "Ed25519 key");
    }
    jwk = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", crypto::base64UrlEncode(raw)}};
  }
  jwk["kid"] = kid;
  jwk["use"] = "sig";
  if (alg) {
    jwk["alg"] = algName(*alg);
  }
  return boost::json::serialize(jwk);
}

}  // namespace bastion::auth
