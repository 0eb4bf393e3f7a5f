#pragma once
// Counting limiter for the browser-facing endpoints: failed logins per user and per IP, dynamic
// registrations per IP. A fixed window per key that starts at the key's first counted event.
// Time comes from the caller (an injected Clock), so tests move time instead of sleeping.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bastion::oauth {

class WindowCounter {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // At most `max_keys` keys are tracked. Thread-safe.
  explicit WindowCounter(std::size_t max_keys = 65536) : max_keys_(max_keys) {}

  // Counts one event for `key` if fewer than `limit` were counted in its current `window`; false
  // (nothing counted) otherwise. Also false when the table is full of live keys: fail closed,
  // an attacker who fills it cannot reset anyone's counter.
  bool tryAcquire(const std::string& key, unsigned limit, std::chrono::seconds window,
                  TimePoint now);
  // Uncounts one event (a login that succeeded after its attempt was counted).
  void release(const std::string& key);
  // After tryAcquire refused: whole seconds until `key` can be counted again, rounded up (at
  // least 1), for HTTP Retry-After. A key refused because the table was full gets `window`.
  std::chrono::seconds retryAfter(const std::string& key, unsigned limit,
                                  std::chrono::seconds window, TimePoint now);

 private:
  struct Entry {
    TimePoint start;
    unsigned count = 0;
  };
  const std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

// The key an address is counted under: an IPv4 address as is (also when IPv4-mapped), an IPv6
// address by its /64 (one subscriber usually holds a whole /64, so per-/128 counting would be
// no limit at all). Anything unparsable is counted under its literal text.
std::string addressKey(std::string_view ip);

}  // namespace bastion::oauth
