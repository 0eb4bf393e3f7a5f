#pragma once
// JSON Web Keys (RFC 7517/7518/8037) for verifying JWS signatures: RSA (2048..8192 bits), EC
// P-256 and OKP Ed25519 public keys, held as OpenSSL keys owned by UniquePkey. No OpenSSL header
// appears here (EVP_PKEY is `struct evp_pkey_st`).
//
// A published key set never carries private or symmetric key material: a JWK Set with any of
// `d`, `p`, `q`, `dp`, `dq`, `qi`, `oth` or `k` is refused whole (the publisher is broken, and
// an `oct` key next to public ones is how HS256-with-a-public-key confusion starts). Inside a
// set, keys that cannot verify signatures here (use other than "sig", key_ops without "verify",
// unsupported kty/crv, RSA under 2048 bits, an alg we do not allow) are skipped, not fatal:
// issuers publish encryption keys and other algorithms beside the ones we use.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace bastion::auth {

struct PkeyFree {
  void operator()(evp_pkey_st* key) const noexcept;
};
using UniquePkey = std::unique_ptr<evp_pkey_st, PkeyFree>;

// The JWS algorithms Bastion verifies (RFC 7518 section 3, RFC 8037). Never "none", never HS*.
enum class JwsAlg { RS256 = 1, PS256, ES256, EdDSA };

// "RS256", "PS256", "ES256", "EdDSA".
std::string_view algName(JwsAlg alg);
// The algorithm named exactly `name` (case-sensitive), or nullopt for anything else.
std::optional<JwsAlg> algFromName(std::string_view name);

enum class KeyKind { Rsa = 1, EcP256, Ed25519 };

// True if a key of `kind` can verify `alg` (RS256/PS256: RSA; ES256: P-256; EdDSA: Ed25519).
bool keyFits(KeyKind kind, JwsAlg alg);

struct Jwk {
  std::string kid;            // empty if the JWK has none (such a key is never selected)
  std::optional<JwsAlg> alg;  // nullopt if the JWK has no `alg`
  KeyKind kind = KeyKind::Rsa;
  UniquePkey key;  // public key only

  // True if this key may verify a token with header `kid` and `alg`: the kids are equal and
  // non-empty, and the JWK's alg equals `alg` (or, without an alg, its key type fits `alg`).
  bool matches(std::string_view token_kid, JwsAlg token_alg) const;
};

enum class JwkError {
  NotJson = 1,  // not a strict JSON object (duplicate members included)
  TooLarge,
  MissingMember,       // kty, n/e, crv/x/y, "keys" ...
  BadMember,           // wrong JSON type, bad base64url, wrong length, alg/kty disagreement
  PrivateKeyMaterial,  // d, p, q, dp, dq, qi, oth or k present
  UnsupportedKey,      // kty/crv/alg not supported, RSA outside 2048..8192 bits
  NotForSignature,     // use other than "sig" or key_ops without "verify"
  InvalidKey,          // OpenSSL refuses the material (point not on the curve, ...)
};

inline constexpr std::size_t kMaxJwksBytes = 256 * 1024;
inline constexpr std::size_t kMaxJwksKeys = 64;

// One public JWK. Every reason a key is unusable is an error here.
[[nodiscard]] Result<Jwk> parseJwk(std::string_view json);

// A JWK Set ({"keys":[...]}), the usable keys in document order. Refused whole if it is not
// strict JSON, has no "keys" array, more than kMaxJwksKeys entries, or private key material in
// any entry. An empty result (no usable key) is not an error: tokens then fail with UnknownKid.
struct JwkSet {
  std::vector<Jwk> keys;
  std::size_t skipped = 0;  // entries that were not usable verification keys
};
[[nodiscard]] Result<JwkSet> parseJwkSet(std::string_view json);

// The public JWK (JSON text) of an RSA, P-256 or Ed25519 key, with `kid` and, when given,
// `alg` and "use":"sig". For publishing keys and for tests; private parts are never written.
[[nodiscard]] Result<std::string> publicJwkJson(evp_pkey_st* key, std::string_view kid,
                                                std::optional<JwsAlg> alg);

}  // namespace bastion::auth
