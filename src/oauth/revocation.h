#pragma once
// What the embedded server has revoked: token families (a replayed code or refresh token, a
// revoked refresh token) and single access tokens by jti. The store is the record; this keeps
// an in-memory copy so that a cached token can be re-checked per request without a query.
//
// Freshness: revocations made through this process are visible at once. Families revoked by
// another process sharing the store are pulled at most every `poll_interval`; a jti revoked by
// another process is seen on the first (uncached) check of that token only.
//
// generation() changes whenever something new is revoked (here or found by a poll): a verdict
// cache keyed on it (the embedded verifier's) is dropped then, so cached verdicts never outlive
// a revocation this process knows of.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace bastion::oauth {

class RevocationList {
 public:
  RevocationList(std::shared_ptr<store::Store> store, const Clock& clock,
                 std::chrono::seconds poll_interval = std::chrono::seconds(5));

  // Records the revocation in the store, then in memory. An empty id is a no-op.
  [[nodiscard]] Result<void> revokeFamily(std::string_view family_id);
  [[nodiscard]] Result<void> revokeJti(std::string_view jti, Clock::time_point expires);

  // True if the family or the jti is revoked (either may be empty: not checked). With
  // `ask_store`, the store is consulted as well (first sight of a token); a store failure is an
  // error, which callers treat as revoked (fail closed). Without it, memory only (cached tokens).
  [[nodiscard]] Result<bool> isRevoked(std::string_view family_id, std::string_view jti,
                                       bool ask_store);

  // Polls the store if due, then returns the revocation generation. Cheap when not due.
  std::uint64_t generation();

 private:
  void pollIfDue();  // mu_ not held

  const std::shared_ptr<store::Store> store_;
  const Clock& clock_;
  const std::chrono::seconds poll_interval_;

  std::mutex mu_;
  std::unordered_set<std::string> families_;                 // GUARDED_BY(mu_)
  std::unordered_map<std::string, Clock::time_point> jtis_;  // GUARDED_BY(mu_), jti -> exp
  Clock::time_point last_poll_{};                            // GUARDED_BY(mu_)
  // When the next poll is due, as nanoseconds since the epoch: read without the lock on the
  // hot path, claimed under it.
  std::atomic<std::int64_t> next_poll_ns_{0};
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace bastion::oauth
