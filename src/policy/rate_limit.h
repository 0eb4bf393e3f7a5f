#pragma once
// Rate limits on tool calls: GCRA (the generic cell rate algorithm) per (principal, tool), per
// tool and per client. Rates are written "10/minute" (second, minute, hour, day) with an
// optional burst. Decisions are made by a RateBackend: in memory (sharded, no global lock) or,
// later, Redis; time comes from an injected Clock.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"

namespace bastion::policy {

struct Rate {
  std::uint64_t count = 0;          // events ...
  std::chrono::nanoseconds period;  // ... per this period
  std::uint64_t burst = 0;          // extra events allowed at once beyond the steady rate
                                    // (0: none; the first call is always allowed)
};

// "10/minute", "5/second", "100/hour", "1000/day" ("/s", "/m", "/h", "/d" too). count >= 1.
[[nodiscard]] Result<Rate> parseRate(std::string_view text, std::uint64_t burst = 0);

struct Decision {
  bool allowed = true;
  std::chrono::nanoseconds retry_after{0};  // when refused: wait at least this long
};

// Whole seconds to tell a caller to wait (rounded up, at least 1 when refused): the N of
// "retry in N s" and of HTTP Retry-After.
std::chrono::seconds retryAfterSeconds(const Decision& d);

// One key and the rate it is held to, for RateBackend::acquireAll.
struct RateRequest {
  std::string_view key;
  const Rate* rate = nullptr;
};

// Where GCRA state lives. Implementations are thread-safe.
class RateBackend {
 public:
  virtual ~RateBackend() = default;
  // Counts one event for `key` under `rate` at `now`, or refuses it without counting.
  virtual Decision acquire(std::string_view key, const Rate& rate, Clock::time_point now) = 0;
  // Counts one event for every request, or for none: refused if any one would refuse, with the
  // longest retry_after of the refusals. Keys must be distinct. The memory backend refunds
  // what it counted when a later request refuses (a concurrent caller may see less budget
  // meanwhile, never more); this default calls acquire() in order and so has already counted
  // the earlier requests when a later one refuses (a backend that cannot do better says so).
  virtual Decision acquireAll(std::span<const RateRequest> requests, Clock::time_point now);
};

// In memory, sharded by key hash; idle keys are evicted so memory stays bounded by
// `max_keys` (the least recently used keys go first; an evicted key starts fresh).
std::shared_ptr<RateBackend> makeMemoryRateBackend(std::size_t max_keys = 1'000'000);

struct RateLimitRules {
  std::map<std::string, Rate, std::less<>> per_principal_tool;  // tool name -> rate per caller
  std::map<std::string, Rate, std::less<>> per_tool;            // tool name -> rate, all callers
  std::optional<Rate> per_client;  // every tool call of one OAuth client (client_id)
};

// The limits for tool calls. A call is admitted only if every applicable rule admits it, and
// then counts against all of them; a refused call counts against none (acquireAll), so a caller
// held back by one limit does not drain the others. Keys encode (iss, sub, client_id, tool),
// tool and client_id length-prefixed, so no choice of names makes two callers share a key.
class RateLimits {
 public:
  RateLimits(RateLimitRules rules, std::shared_ptr<RateBackend> backend, const Clock& clock);
  Decision admit(const auth::Principal& who, std::string_view tool) const;
  bool empty() const;  // no rule at all: admit() always allows

 private:
  RateLimitRules rules_;
  std::shared_ptr<RateBackend> backend_;
  const Clock& clock_;
};

}  // namespace bastion::policy
