#pragma once
// The OpenSSL half of JWS (auth-internal): one signature made or checked with one key for one
// algorithm, RFC 7518 parameters (PKCS#1 v1.5 or PSS with MGF1-SHA-256 and a digest-length
// salt; ECDSA P-256 with SHA-256 in raw r||s form; Ed25519 pure). Selecting the key, and
// deciding which algorithms are allowed, is the caller's job (auth/jwt.h).

#include <optional>
#include <string>
#include <string_view>

#include "auth/jwk.h"

namespace bastion::auth {

// True only if `signature` is exactly the length `alg` produces with `key` and verifies over
// `signing_input`. Does not check that `key` fits `alg` beyond what OpenSSL refuses.
bool jwsVerify(JwsAlg alg, evp_pkey_st* key, std::string_view signing_input,
               std::string_view signature);

// The JWS signature (ES256: raw r||s) of `input`; nullopt if OpenSSL fails.
std::optional<std::string> jwsSign(JwsAlg alg, evp_pkey_st* key, std::string_view input);

// RSA, P-256 or Ed25519; nullopt for any other key.
std::optional<KeyKind> keyKindOf(evp_pkey_st* key);

}  // namespace bastion::auth
