#pragma once
// Compact JWS tokens (RFC 7515/7519): parsing, signature verification against a JWK Set, the
// claims checks of an access token (RFC 9068), and ES256/RS256/PS256/EdDSA signing for the
// embedded authorization server.
//
// The pieces are separate so that each verifier composes them (the external-issuer verifier,
// the embedded server's, a fuzz target), and each refusal is its own AuthError:
//   parseJwt        -> TokenTooLarge, MalformedToken, AlgNotAllowed
//   verifySignature -> AlgNotAllowed, UnknownKid, KidAlgMismatch, BadSignature
//   checkClaims     -> MissingClaim, Expired, NotYetValid, IssuedInFuture, IssuerMismatch,
//                      AudienceMismatch, WrongTokenType
// Keys named or carried by the token itself (`jwk`, `jku`, `x5u`, `x5c`, `x5t`) are never used:
// the key always comes from the verifier's configured set.

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_error.h"
#include "auth/jwk.h"
#include "auth/principal.h"
#include "core/error.h"

namespace bastion::auth {

inline constexpr std::size_t kMaxTokenBytes = 8 * 1024;

template <class T>
using AuthResult = boost::system::result<T, AuthError>;

struct Jwt {
  JwsAlg alg = JwsAlg::ES256;
  std::string kid;             // empty if absent
  std::string typ;             // empty if absent
  boost::json::object header;  // the whole protected header
  boost::json::object claims;  // the whole claims set
  std::string signing_input;   // "<header b64>.<payload b64>" exactly as received
  std::string signature;       // raw signature bytes (ES256: r||s, 64 bytes)
};

// Splits and decodes a compact JWS. Refuses: more than `max_bytes`; not exactly three
// non-empty strict base64url segments (JWE's five included); header or claims not strict JSON
// objects (duplicate members included); `alg` missing or not one of JwsAlg (AlgNotAllowed);
// `kid`/`typ` not strings; any `crit` member (we understand no extension); `b64` (RFC 7797);
// `zip`/`enc` (JWE). Checks no signature and no claim.
[[nodiscard]] AuthResult<Jwt> parseJwt(std::string_view token,
                                       std::size_t max_bytes = kMaxTokenBytes);

// Checks the signature with the one key of `keys` that matches (Jwk::matches: kid AND alg).
// AlgNotAllowed if the token's alg is not in `allowed`; UnknownKid if no key has the kid;
// KidAlgMismatch if keys have the kid but none for this alg; BadSignature otherwise.
[[nodiscard]] AuthResult<void> verifySignature(const Jwt& jwt, const JwkSet& keys,
                                               std::span<const JwsAlg> allowed);

struct ClaimsPolicy {
  std::string issuer;    // `iss` must equal it exactly
  std::string audience;  // `aud` (string or array of strings) must contain it exactly
  std::chrono::seconds skew{60};
  // When non-empty, the header `typ` must equal it, compared case-insensitively and with an
  // optional "application/" prefix (RFC 9068 section 4: "at+jwt").
  std::string required_typ;
};

// The time and identity claims: `exp` (required, numeric), `nbf` and `iat` (optional, numeric),
// `iss` and `sub` (required, strings), `aud`. Times are NumericDates in 1970..9999 (fractions
// floored); expired means exp + skew <= now. An empty issuer or audience in the policy matches
// nothing. Does NOT check the signature, scopes, jti or revocation.
[[nodiscard]] AuthResult<void> checkClaims(const Jwt& jwt, const ClaimsPolicy& policy,
                                           std::chrono::system_clock::time_point now);

// iss, sub, client_id (or azp) and scopes (`scope` string, space-separated; or `scp` array)
// of a token whose claims passed checkClaims. Malformed optional claims give empty values.
Principal principalOf(const Jwt& jwt);
// `exp` as a time point (checkClaims guarantees it exists).
std::chrono::system_clock::time_point expiryOf(const Jwt& jwt);

// parseJwt + verifySignature + checkClaims.
struct VerifyOptions {
  ClaimsPolicy claims;
  std::vector<JwsAlg> allowed_algs{JwsAlg::RS256, JwsAlg::PS256, JwsAlg::ES256, JwsAlg::EdDSA};
  std::size_t max_token_bytes = kMaxTokenBytes;
};
[[nodiscard]] AuthResult<Jwt> verifyJwt(std::string_view token, const JwkSet& keys,
                                        const VerifyOptions& options,
                                        std::chrono::system_clock::time_point now);

// ---- Signing (the embedded authorization server; tests) ----

enum class JwtSignError {
  BadHeader = 1,  // not a JSON object, or alg missing/unsupported
  BadClaims,      // not a JSON object
  KeyMismatch,    // the key cannot produce the header's alg
  SignFailed,
  KeyGenerationFailed,
  BadPem,  // not a PEM private key of the expected type
};

// The compact JWS of `claims_json` under `header_json` (both JSON objects, encoded byte for
// byte as given), signed with `key` by the header's `alg` (RS256, PS256, ES256 or EdDSA).
[[nodiscard]] Result<std::string> signJwt(std::string_view header_json,
                                          std::string_view claims_json, evp_pkey_st* key);

// ES256 convenience: header {"alg":"ES256","typ":typ,"kid":kid} (typ omitted when empty).
[[nodiscard]] Result<std::string> signEs256(evp_pkey_st* key, std::string_view kid,
                                            std::string_view typ, std::string_view claims_json);

// A fresh P-256 key pair from OpenSSL's CSPRNG.
[[nodiscard]] Result<UniquePkey> generateEs256Key();
// PKCS#8 PEM of a private key (unencrypted: store the text only where the key may live).
[[nodiscard]] Result<std::string> privateKeyToPem(evp_pkey_st* key);
// A private key from PEM; refused unless it is a P-256 EC key. At most 16 KiB.
[[nodiscard]] Result<UniquePkey> es256KeyFromPem(std::string_view pem);

// ES256 signature forms: JWS raw r||s (64 bytes) <-> DER ECDSA-Sig-Value. Empty on bad input.
std::string ecdsaRawToDer(std::string_view raw);
std::string ecdsaDerToRaw(std::string_view der);

}  // namespace bastion::auth
