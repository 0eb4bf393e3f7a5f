#pragma once
// One connection's memory of the last bearer token it had verified, so that the next request
// of a keep-alive connection (which nearly always carries the same token) is answered without
// hashing the token or taking the shared cache's lock.
//
// The memo is an opaque value owned by the connection and touched only by it (a connection
// serves its requests one at a time, so it needs no lock). Only TokenCache fills it and decides
// whether it answers (auth/token_cache.h); the memo is a copy of one cache entry and is never
// good for longer than that entry:
//   - it answers only until the entry's own good_until (min(token exp, insertion + max_ttl)),
//     even if the entry was evicted sooner to make room (a memory bound, not a security event);
//   - it is stamped with the cache's epoch when taken, and every erase() or clear() of the
//     cache (a revocation, a withdrawn key) moves the epoch on, so every memo taken before is
//     dead from that moment. Stamps are unique across all caches of the process, so a memo
//     filled by one cache is never an answer from another;
//   - it answers only the byte-identical token, compared over its full length without a branch
//     on the content (behind a proxy that reuses one upstream connection for several clients,
//     the memo may hold another client's token: timing must not reveal how much of it matches).
//
// Unlike the cache, the memo holds the token itself (the connection's request buffer holds it
// anyway); the bytes are wiped when the memo forgets them or is destroyed.

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/token_verifier.h"
#include "core/clock.h"

namespace bastion::auth {

class TokenMemo {
 public:
  TokenMemo() = default;
  ~TokenMemo();
  TokenMemo(const TokenMemo&) = delete;
  TokenMemo& operator=(const TokenMemo&) = delete;

  // True if the memo holds exactly `token` (equal length, every byte compared in constant
  // time). Does not say whether the memo may still answer for it: only TokenCache knows.
  [[nodiscard]] bool holds(std::string_view token) const;

  // Wipes and drops the remembered token.
  void forget();

 private:
  friend class TokenCache;

  // The remembered verdict if the memo holds `token`, was stamped `epoch` and is good at `now`.
  [[nodiscard]] const VerifiedToken* answer(std::string_view token, Clock::time_point now,
                                            std::uint64_t epoch) const;
  void remember(std::string_view token, const VerifiedToken& verified, Clock::time_point good_until,
                std::uint64_t epoch);

  std::string token_;
  VerifiedToken verified_;
  Clock::time_point good_until_{};
  std::uint64_t epoch_ = 0;  // 0: empty (no cache ever has epoch 0)
};

}  // namespace bastion::auth
