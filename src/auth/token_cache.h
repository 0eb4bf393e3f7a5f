#pragma once
// A bounded, thread-safe memory of tokens that already passed verification, so the hot path
// (every MCP request carries the token) does not repeat signature checks or introspection.
//
// Keyed by SHA-256 of the token (the token itself is never stored). An entry is good until
// min(token expiry, insertion + max_ttl): the cap bounds how long a key removed from a JWKS or
// a revoked token keeps working from the cache. Memory is bounded by max_entries (least
// recently used entries are evicted first). Sharded: each shard has its own mutex and LRU, so
// concurrent requests rarely contend.
//
// Not checked here: scopes, revocation (callers that track revocation re-check it on a hit).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "auth/token_verifier.h"
#include "core/clock.h"

namespace bastion::auth {

struct TokenCacheOptions {
  std::size_t max_entries = 10'000;  // 0 disables caching
  std::chrono::seconds max_ttl{300};
};

class TokenCache {
 public:
  explicit TokenCache(TokenCacheOptions options = {});
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // The cached verdict for `token` if it is still good at `now`; an entry past its time is
  // dropped and reported as a miss.
  [[nodiscard]] std::optional<VerifiedToken> lookup(std::string_view token, Clock::time_point now);
  // Remembers a verified token. Not stored if it is already expired at `now`.
  void insert(std::string_view token, const VerifiedToken& verified, Clock::time_point now);
  void erase(std::string_view token);
  void clear();
  [[nodiscard]] std::size_t size() const;

 private:
  struct Shard;
  Shard& shardFor(std::string_view key);

  TokenCacheOptions options_;
  std::unique_ptr<Shard[]> shards_;
};

// Wraps any verifier with a TokenCache: a hit returns the remembered verdict without calling
// `inner`; a success from `inner` is remembered; refusals are not (an attacker's garbage does
// not evict good entries). Thread-safe when `inner` is. `clock` must outlive the verifier.
std::shared_ptr<TokenVerifier> makeCachingVerifier(std::shared_ptr<TokenVerifier> inner,
                                                   TokenCacheOptions options, const Clock& clock);

}  // namespace bastion::auth
