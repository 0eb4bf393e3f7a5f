// Any bytes as a compact JWS, as the claims or header of a token we sign, or as a JWK Set:
// a verdict (accept or one AuthError), never a crash, leak or sanitizer report. The first
// byte picks the mode; keys are generated at start (none committed).
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwk.h"
#include "auth/jwt.h"

namespace {

using namespace bastion::auth;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

UniquePkey generate(const char* type, int rsa_bits) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      (rsa_bits > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1) ||
      (std::string_view(type) == "EC" && EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1) ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    std::abort();
  }
  return UniquePkey(raw);
}

struct Fixture {
  UniquePkey ec = generate("EC", 0);
  UniquePkey rsa = generate("RSA", 2048);
  UniquePkey ed = generate("ED25519", 0);
  JwkSet keys;
  VerifyOptions options;
  std::string claims =
      R"({"iss":"https://issuer.example","sub":"alice","aud":"https://mcp.example/mcp","exp":1800000300})";

  Fixture() {
    std::string jwks = R"({"keys":[)" + *publicJwkJson(ec.get(), "ec-1", JwsAlg::ES256) + "," +
                       *publicJwkJson(rsa.get(), "rsa-1", std::nullopt) + "," +
                       *publicJwkJson(ed.get(), "ed-1", JwsAlg::EdDSA) + "]}";
    keys = std::move(*parseJwkSet(jwks));
    options.claims.issuer = "https://issuer.example";
    options.claims.audience = "https://mcp.example/mcp";
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void verifyAll(std::string_view token, const JwkSet& keys) {
  auto r = verifyJwt(token, keys, fixture().options, kNow);
  if (r) {
    (void)principalOf(*r);
    (void)expiryOf(*r);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  Fixture& f = fixture();
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:  // a token from outside
      verifyAll(text, f.keys);
      break;
    case 1:  // claims we sign: exercises every claims check behind a good signature
      if (auto t = signEs256(f.ec.get(), "ec-1", "at+jwt", text)) {
        verifyAll(*t, f.keys);
      }
      break;
    case 2:  // a header we sign with the RSA key (alg, kid, crit, typ ...)
      if (auto t = signJwt(text, f.claims, f.rsa.get())) {
        verifyAll(*t, f.keys);
      }
      break;
    default:  // a JWK Set from an issuer, then a token checked against it
      if (auto set = parseJwkSet(text)) {
        if (auto t = signEs256(f.ec.get(), "ec-1", "", f.claims)) {
          verifyAll(*t, *set);
        }
      }
      break;
  }
  return 0;
}
