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
//
// A connection may pass its TokenMemo (auth/token_memo.h) to lookup and insert: a repeat of its
// last token is then answered from the memo, without hashing the token or taking a shard lock.
// The memo is bound to the entry it copied: it answers no longer than that entry's good_until,
// and not at all after any erase() or clear() (each moves the cache's epoch on). Eviction (a
// memory bound, not a security event) and the lazy drop of a stale entry do not.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "auth/token_memo.h"
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
  // dropped and reported as a miss. With a `memo`: answered from it when it holds this token
  // and is still good; otherwise a hit refreshes it.
  [[nodiscard]] std::optional<VerifiedToken> lookup(std::string_view token, Clock::time_point now,
                                                    TokenMemo* memo = nullptr);
  // Remembers a verified token (and, with a `memo`, in it). Not stored if it is already expired
  // at `now`.
  void insert(std::string_view token, const VerifiedToken& verified, Clock::time_point now,
              TokenMemo* memo = nullptr);
  // Both also end every memo taken from this cache so far.
  void erase(std::string_view token);
  void clear();
  [[nodiscard]] std::size_t size() const;

 private:
  struct Shard;
  struct Hit;
  Shard& shardFor(std::string_view key);
  std::optional<Hit> find(std::string_view token, Clock::time_point now);
  void newEpoch();

  TokenCacheOptions options_;
  std::unique_ptr<Shard[]> shards_;
  // Memos stamped with another value are dead. Moved on after (never before) entries are
  // removed: a memo stamped with the new value was taken from what remained.
  std::atomic<std::uint64_t> epoch_;
};

// Wraps any verifier with a TokenCache: a hit returns the remembered verdict without calling
// `inner`; a success from `inner` is remembered; refusals are not (an attacker's garbage does
// not evict good entries). verifyWithMemo uses the memo with the cache (`inner` gets none).
// Thread-safe when `inner` is. `clock` must outlive the verifier.
std::shared_ptr<TokenVerifier> makeCachingVerifier(std::shared_ptr<TokenVerifier> inner,
                                                   TokenCacheOptions options, const Clock& clock);

}  // namespace bastion::auth
