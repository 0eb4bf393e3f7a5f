#pragma once
// Test keys generated at run time with OpenSSL (no private key is committed) and helpers that
// mint tokens and JWK Sets from them.

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>
#include <chrono>
#include <initializer_list>
#include <string>

#include "auth/jwk.h"
#include "auth/jwt.h"
#include "core/crypto.h"

namespace bastion::auth::testing {

inline constexpr std::string_view kIssuer = "https://issuer.example";
inline constexpr std::string_view kAudience = "https://mcp.example/mcp";

inline UniquePkey generateKey(const char* type, int rsa_bits = 0) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      (rsa_bits > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1) ||
      (std::string_view(type) == "EC" && EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1) ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return nullptr;
  }
  return UniquePkey(raw);
}

struct TestKey {
  UniquePkey key;
  std::string kid;
  JwsAlg alg;
};

// One key per algorithm, generated once per test binary (RSA generation is slow under ASan).
inline const TestKey& rsaKey() {
  static const TestKey k{generateKey("RSA", 2048), "rsa-1", JwsAlg::RS256};
  return k;
}
inline const TestKey& pssKey() {
  static const TestKey k{generateKey("RSA", 2048), "pss-1", JwsAlg::PS256};
  return k;
}
inline const TestKey& ecKey() {
  static const TestKey k{generateKey("EC"), "ec-1", JwsAlg::ES256};
  return k;
}
inline const TestKey& edKey() {
  static const TestKey k{generateKey("ED25519"), "ed-1", JwsAlg::EdDSA};
  return k;
}
// A key nobody publishes: the attacker's.
inline const TestKey& attackerEcKey() {
  static const TestKey k{generateKey("EC"), "ec-1", JwsAlg::ES256};
  return k;
}

inline std::string jwkOf(const TestKey& k, bool with_alg = true) {
  auto j = publicJwkJson(k.key.get(), k.kid, with_alg ? std::optional(k.alg) : std::nullopt);
  return j ? *j : std::string();
}

inline std::string jwksOf(std::initializer_list<std::string> jwks) {
  std::string out = R"({"keys":[)";
  bool first = true;
  for (const auto& j : jwks) {
    out += first ? "" : ",";
    out += j;
    first = false;
  }
  return out + "]}";
}

inline JwkSet keySetOf(std::initializer_list<std::string> jwks) {
  auto set = parseJwkSet(jwksOf(jwks));
  return set ? std::move(*set) : JwkSet{};
}

// The four published keys, each with its alg.
inline JwkSet allKeys() {
  return keySetOf({jwkOf(rsaKey()), jwkOf(pssKey()), jwkOf(ecKey()), jwkOf(edKey())});
}

inline std::int64_t epochSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Claims that pass checkClaims at `now`: iat now, exp in 5 minutes.
inline boost::json::object validClaims(std::chrono::system_clock::time_point now) {
  const auto t = epochSeconds(now);
  return {{"iss", kIssuer},
          {"sub", "alice"},
          {"aud", kAudience},
          {"iat", t},
          {"exp", t + 300},
          {"client_id", "client-1"},
          {"scope", "files:read files:write"}};
}

inline boost::json::object headerFor(const TestKey& k) {
  return {{"alg", algName(k.alg)}, {"kid", k.kid}, {"typ", "at+jwt"}};
}

inline std::string sign(const TestKey& k, const boost::json::object& header,
                        const boost::json::object& claims) {
  auto t = signJwt(boost::json::serialize(header), boost::json::serialize(claims), k.key.get());
  return t ? *t : std::string();
}

inline std::string sign(const TestKey& k, const boost::json::object& claims) {
  return sign(k, headerFor(k), claims);
}

// A token from raw header and claims text with a given signature segment (no signing).
inline std::string rawToken(std::string_view header, std::string_view claims,
                            std::string_view signature_segment) {
  return crypto::base64UrlEncode(header) + "." + crypto::base64UrlEncode(claims) + "." +
         std::string(signature_segment);
}

inline ClaimsPolicy defaultPolicy() {
  ClaimsPolicy p;
  p.issuer = std::string(kIssuer);
  p.audience = std::string(kAudience);
  return p;
}

inline VerifyOptions defaultOptions() {
  VerifyOptions o;
  o.claims = defaultPolicy();
  return o;
}

}  // namespace bastion::auth::testing
