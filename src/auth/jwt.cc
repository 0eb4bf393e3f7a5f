#include "auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "auth/strict_json.h"
#include "core/crypto.h"

namespace bastion::auth {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using UniquePkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using UniqueBio = std::unique_ptr<BIO, BioFree>;
using UniqueSig = std::unique_ptr<ECDSA_SIG, SigFree>;
using UniqueBn = std::unique_ptr<BIGNUM, BnFree>;

constexpr std::size_t kEs256CoordBytes = 32;
constexpr int kCoord = 32;  // the same, for OpenSSL's int lengths

const unsigned char* bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Error signError(JwtSignError code, std::string message) { return Error(code, std::move(message)); }

// ---- Parsing ----

// The three segments of a compact JWS, or nullopt if there are not exactly three.
std::optional<std::array<std::string_view, 3>> splitCompact(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::array<std::string_view, 3>{token.substr(0, first),
                                         token.substr(first + 1, second - first - 1),
                                         token.substr(second + 1)};
}

std::optional<boost::json::object> decodeObject(std::string_view segment) {
  if (segment.empty()) {
    return std::nullopt;
  }
  auto json = crypto::base64UrlDecode(segment);
  if (!json) {
    return std::nullopt;
  }
  return parseStrictJsonObject(*json);
}

// Header members we refuse outright: `crit` names extensions we must understand and do not;
// `b64` (RFC 7797) changes what is signed; `zip` and `enc` belong to JWE.
bool hasRefusedHeaderMember(const boost::json::object& header) {
  for (const std::string_view name : {"crit", "b64", "zip", "enc"}) {
    if (header.contains(name)) {
      return true;
    }
  }
  return false;
}

// Fills alg, kid, typ from the header. The alg is checked before anything else about the
// token so that "none" and HS* are reported as what they are.
AuthResult<void> readHeader(Jwt& jwt) {
  const auto* alg = jwt.header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return AuthError::MalformedToken;
  }
  auto known = algFromName(std::string_view(alg->get_string()));
  if (!known) {
    return AuthError::AlgNotAllowed;
  }
  jwt.alg = *known;
  if (hasRefusedHeaderMember(jwt.header)) {
    return AuthError::MalformedToken;
  }
  for (auto [name, out] : {std::pair{"kid", &jwt.kid}, std::pair{"typ", &jwt.typ}}) {
    if (const auto* v = jwt.header.if_contains(name)) {
      if (!v->is_string()) {
        return AuthError::MalformedToken;
      }
      *out = std::string(v->get_string());
    }
  }
  return {};
}

// ---- Signatures ----

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
bool signatureLengthOk(const Jwt& jwt, evp_pkey_st* key) {
  switch (jwt.alg) {
    case JwsAlg::ES256:
      return jwt.signature.size() == 2 * kEs256CoordBytes;
    case JwsAlg::EdDSA:
      return jwt.signature.size() == 64;
    case JwsAlg::RS256:
    case JwsAlg::PS256:
      return EVP_PKEY_get_size(key) > 0 &&
             jwt.signature.size() == static_cast<std::size_t>(EVP_PKEY_get_size(key));
  }
  return false;
}

bool verifyWith(const Jwt& jwt, evp_pkey_st* key) {
  if (!signatureLengthOk(jwt, key)) {
    return false;
  }
  const std::string der = jwt.alg == JwsAlg::ES256 ? ecdsaRawToDer(jwt.signature) : std::string();
  const std::string_view sig = jwt.alg == JwsAlg::ES256 ? der : jwt.signature;
  if (sig.empty()) {
    return false;
  }
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digestFor(jwt.alg), nullptr, key) != 1 ||
      !configure(pctx, jwt.alg)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), bytesOf(sig), sig.size(), bytesOf(jwt.signing_input),
                          jwt.signing_input.size()) == 1;
}

std::optional<std::string> signWith(JwsAlg alg, evp_pkey_st* key, std::string_view input) {
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

std::optional<KeyKind> kindOfKey(evp_pkey_st* key) {
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

// ---- Claims ----

// A NumericDate (RFC 7519 section 2) as whole seconds since the epoch; nullopt if not a
// number or outside years 1970..9999 (so arithmetic with the skew cannot overflow).
std::optional<std::int64_t> numericDate(const boost::json::value& v) {
  constexpr std::int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (v.is_int64()) {
    const auto s = v.get_int64();
    return s >= 0 && s <= kMax ? std::optional(s) : std::nullopt;
  }
  if (v.is_uint64()) {
    const auto s = v.get_uint64();
    return s <= static_cast<std::uint64_t>(kMax) ? std::optional(static_cast<std::int64_t>(s))
                                                 : std::nullopt;
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMax)) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

bool typMatches(std::string_view typ, std::string_view required) {
  std::string t = lowerAscii(typ);
  if (t.starts_with("application/")) {
    t.erase(0, std::string_view("application/").size());
  }
  return t == lowerAscii(required);
}

const boost::json::string* stringClaim(const boost::json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

AuthResult<void> checkAudience(const boost::json::object& claims, std::string_view audience) {
  const auto* aud = claims.if_contains("aud");
  if (aud == nullptr) {
    return AuthError::MissingClaim;
  }
  if (aud->is_string()) {
    return aud->get_string() == audience ? AuthResult<void>() : AuthError::AudienceMismatch;
  }
  if (!aud->is_array() || aud->get_array().empty()) {
    return AuthError::MissingClaim;
  }
  bool found = false;
  for (const auto& entry : aud->get_array()) {
    if (!entry.is_string()) {
      return AuthError::MissingClaim;
    }
    found = found || entry.get_string() == audience;
  }
  return found ? AuthResult<void>() : AuthError::AudienceMismatch;
}

// An optional NumericDate: absent -> nullopt inside a success; present but malformed -> error.
AuthResult<std::optional<std::int64_t>> optionalDate(const boost::json::object& claims,
                                                     std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (v == nullptr) {
    return std::optional<std::int64_t>();
  }
  auto d = numericDate(*v);
  if (!d) {
    return AuthError::MissingClaim;
  }
  return std::optional<std::int64_t>(*d);
}

AuthResult<void> checkTimes(const boost::json::object& claims, std::int64_t now,
                            std::int64_t skew) {
  const auto* exp_value = claims.if_contains("exp");
  const auto exp = exp_value != nullptr ? numericDate(*exp_value) : std::nullopt;
  auto nbf = optionalDate(claims, "nbf");
  auto iat = optionalDate(claims, "iat");
  if (!exp || !nbf || !iat) {
    return AuthError::MissingClaim;
  }
  if (*exp + skew <= now) {
    return AuthError::Expired;
  }
  if (*nbf && **nbf - skew > now) {
    return AuthError::NotYetValid;
  }
  if (*iat && **iat - skew > now) {
    return AuthError::IssuedInFuture;
  }
  return {};
}

std::vector<std::string> splitScopes(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto end = std::min(s.find(' ', i), s.size());
    if (end > i) {
      out.emplace_back(s.substr(i, end - i));
    }
    i = end + 1;
  }
  return out;
}

}  // namespace

// ---- Public API ----

AuthResult<Jwt> parseJwt(std::string_view token, std::size_t max_bytes) {
  if (token.size() > max_bytes) {
    return AuthError::TokenTooLarge;
  }
  auto parts = splitCompact(token);
  if (!parts) {
    return AuthError::MalformedToken;
  }
  Jwt jwt;
  auto header = decodeObject((*parts)[0]);
  if (!header) {
    return AuthError::MalformedToken;
  }
  jwt.header = std::move(*header);
  if (auto h = readHeader(jwt); !h) {
    return h.error();
  }
  auto claims = decodeObject((*parts)[1]);
  auto signature = crypto::base64UrlDecode((*parts)[2]);
  if (!claims || !signature || signature->empty()) {
    return AuthError::MalformedToken;
  }
  jwt.claims = std::move(*claims);
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(token.substr(0, (*parts)[0].size() + 1 + (*parts)[1].size()));
  return jwt;
}

AuthResult<void> verifySignature(const Jwt& jwt, const JwkSet& keys,
                                 std::span<const JwsAlg> allowed) {
  if (std::find(allowed.begin(), allowed.end(), jwt.alg) == allowed.end()) {
    return AuthError::AlgNotAllowed;
  }
  bool kid_seen = false;
  for (const Jwk& jwk : keys.keys) {
    if (jwk.kid.empty() || jwk.kid != jwt.kid) {
      continue;
    }
    kid_seen = true;
    if (jwk.matches(jwt.kid, jwt.alg)) {
      // Only the one matching key is tried: no trial-and-error across keys.
      return verifyWith(jwt, jwk.key.get()) ? AuthResult<void>() : AuthError::BadSignature;
    }
  }
  return kid_seen ? AuthError::KidAlgMismatch : AuthError::UnknownKid;
}

AuthResult<void> checkClaims(const Jwt& jwt, const ClaimsPolicy& policy, TimePoint now) {
  if (!policy.required_typ.empty() && !typMatches(jwt.typ, policy.required_typ)) {
    return AuthError::WrongTokenType;
  }
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  if (auto t = checkTimes(jwt.claims, now_s.count(), policy.skew.count()); !t) {
    return t.error();
  }
  const auto* iss = stringClaim(jwt.claims, "iss");
  const auto* sub = stringClaim(jwt.claims, "sub");
  if (iss == nullptr || sub == nullptr || sub->empty()) {
    return AuthError::MissingClaim;
  }
  if (policy.issuer.empty() || *iss != policy.issuer) {
    return AuthError::IssuerMismatch;  // an empty configured issuer matches nothing
  }
  if (policy.audience.empty()) {
    return AuthError::AudienceMismatch;
  }
  return checkAudience(jwt.claims, policy.audience);
}

Principal principalOf(const Jwt& jwt) {
  Principal p;
  if (const auto* iss = stringClaim(jwt.claims, "iss")) {
    p.iss = std::string(*iss);
  }
  if (const auto* sub = stringClaim(jwt.claims, "sub")) {
    p.sub = std::string(*sub);
  }
  const auto* client = stringClaim(jwt.claims, "client_id");
  if (client == nullptr) {
    client = stringClaim(jwt.claims, "azp");
  }
  if (client != nullptr) {
    p.client_id = std::string(*client);
  }
  if (const auto* scope = stringClaim(jwt.claims, "scope")) {
    p.scopes = splitScopes(*scope);
  } else if (const auto* scp = jwt.claims.if_contains("scp"); scp != nullptr && scp->is_array()) {
    for (const auto& s : scp->get_array()) {
      if (s.is_string()) {
        p.scopes.emplace_back(s.get_string());
      }
    }
  }
  return p;
}

TimePoint expiryOf(const Jwt& jwt) {
  const auto* v = jwt.claims.if_contains("exp");
  const auto exp = v != nullptr ? numericDate(*v) : std::nullopt;
  return TimePoint(std::chrono::seconds(exp.value_or(0)));
}

AuthResult<Jwt> verifyJwt(std::string_view token, const JwkSet& keys, const VerifyOptions& options,
                          TimePoint now) {
  auto jwt = parseJwt(token, options.max_token_bytes);
  if (!jwt) {
    return jwt.error();
  }
  if (auto s = verifySignature(*jwt, keys, options.allowed_algs); !s) {
    return s.error();
  }
  if (auto c = checkClaims(*jwt, options.claims, now); !c) {
    return c.error();
  }
  return jwt;
}

// ---- Signing ----

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
  const auto kind = key != nullptr ? kindOfKey(key) : std::nullopt;
  if (!kind || !keyFits(*kind, *alg)) {
    return signError(JwtSignError::KeyMismatch, "key cannot sign with this alg");
  }
  std::string out =
      crypto::base64UrlEncode(header_json) + "." + crypto::base64UrlEncode(claims_json);
  auto sig = signWith(*alg, key, out);
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
  if (!key || kindOfKey(key.get()) != KeyKind::EcP256) {
    return signError(JwtSignError::BadPem, "not a P-256 private key");
  }
  return key;
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
