// Cost of checking one bearer token: a full verification per algorithm (parse, claims,
// signature), the cached hot path every later request of the same token takes, and the
// per-connection memo in front of the cache (a keep-alive connection repeating its token).
// GCC 12 reports dereferences of boost::system::result as potential null dereferences at -O2
// (false positives; every result here is checked or the setup aborts).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "auth/jwt.h"
#include "auth/jwt_verifier.h"
#include "auth/token_memo.h"

namespace {

using namespace bastion;
using namespace bastion::auth;

auth::UniquePkey generate(const char* type, int rsa_bits) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      (rsa_bits > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1) ||
      (std::string_view(type) == "EC" && EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1) ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    std::abort();
  }
  return auth::UniquePkey(raw);
}

struct Setup {
  ManualClock clock;
  UniquePkey key;
  std::string token;
  std::shared_ptr<const JwkSet> keys;
  JwtVerifierOptions options;

  Setup(const char* type, int bits, JwsAlg alg) : key(generate(type, bits)) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    const boost::json::object claims{{"iss", "https://issuer.example"},
                                     {"sub", "alice"},
                                     {"aud", "https://mcp.example/mcp"},
                                     {"iat", now},
                                     {"exp", now + 600},
                                     {"client_id", "c1"},
                                     {"scope", "files:read files:write"},
                                     {"jti", "0123456789abcdef"}};
    const boost::json::object header{{"alg", algName(alg)}, {"kid", "k1"}, {"typ", "at+jwt"}};
    token = *signJwt(boost::json::serialize(header), boost::json::serialize(claims), key.get());
    keys = std::make_shared<const JwkSet>(
        *parseJwkSet(R"({"keys":[)" + *publicJwkJson(key.get(), "k1", alg) + "]}"));
    options.issuer = "https://issuer.example";
    options.audience = "https://mcp.example/mcp";
  }
};

void fullVerify(benchmark::State& state, const char* type, int bits, JwsAlg alg) {
  Setup s(type, bits, alg);
  VerifyOptions o;
  o.claims.issuer = s.options.issuer;
  o.claims.audience = s.options.audience;
  for (auto _ : state) {
    auto r = verifyJwt(s.token, *s.keys, o, s.clock.now());
    if (!r) {
      std::abort();
    }
    benchmark::DoNotOptimize(r);
  }
}

void BM_VerifyEs256(benchmark::State& state) { fullVerify(state, "EC", 0, JwsAlg::ES256); }
void BM_VerifyRs256(benchmark::State& state) { fullVerify(state, "RSA", 2048, JwsAlg::RS256); }
void BM_VerifyPs256(benchmark::State& state) { fullVerify(state, "RSA", 2048, JwsAlg::PS256); }
void BM_VerifyEdDsa(benchmark::State& state) { fullVerify(state, "ED25519", 0, JwsAlg::EdDSA); }

// The hot path: a verifier that has seen the token answers from its cache.
void BM_VerifierCachedHit(benchmark::State& state) {
  Setup s("EC", 0, JwsAlg::ES256);
  auto v = makeLocalJwtVerifier(s.options, s.keys, s.clock);
  if (!v || !(*v)->verify(s.token)) {
    std::abort();
  }
  for (auto _ : state) {
    auto r = (*v)->verify(s.token);
    benchmark::DoNotOptimize(r);
  }
  state.counters["token_bytes"] =
      benchmark::Counter(static_cast<double>(s.token.size()), benchmark::Counter::kAvgThreads);
}

// The hottest path: the connection's memo holds the token (one memo per thread, as one per
// connection), so neither the hash nor the shard lock is taken.
void BM_VerifierMemoHit(benchmark::State& state) {
  Setup s("EC", 0, JwsAlg::ES256);
  auto v = makeLocalJwtVerifier(s.options, s.keys, s.clock);
  TokenMemo memo;
  if (!v || !(*v)->verifyWithMemo(s.token, memo)) {
    std::abort();
  }
  for (auto _ : state) {
    auto r = (*v)->verifyWithMemo(s.token, memo);
    benchmark::DoNotOptimize(r);
  }
  state.counters["token_bytes"] =
      benchmark::Counter(static_cast<double>(s.token.size()), benchmark::Counter::kAvgThreads);
}

BENCHMARK(BM_VerifyEs256);
BENCHMARK(BM_VerifyRs256);
BENCHMARK(BM_VerifyPs256);
BENCHMARK(BM_VerifyEdDsa);
BENCHMARK(BM_VerifierCachedHit)->Threads(1)->Threads(4);
BENCHMARK(BM_VerifierMemoHit)->Threads(1)->Threads(4);

}  // namespace

BENCHMARK_MAIN();
