// Rate limits: GCRA in a sharded in-memory table, and the per (principal, tool), per tool and
// per client rules for tool calls.
//
// GCRA keeps one number per key, the theoretical arrival time (TAT) of the next event at the
// steady rate. With emission interval T = period / count and capacity (burst + 1) * T, an event
// at `now` is allowed when max(TAT, now) + T - capacity <= now, and then TAT becomes
// max(TAT, now) + T. A fresh key behaves as TAT = now: burst + 1 events pass at once, then one
// per T.

#include "policy/rate_limit.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace bastion::policy {
namespace {

using Nanos = std::int64_t;

Nanos nanosSinceEpoch(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// T and the capacity (burst + 1) * T of a rate, in nanoseconds. The capacity is capped at 2^61
// ns (73 years) so that TAT arithmetic cannot overflow; no configured rate comes near it.
struct Interval {
  Nanos emission;
  Nanos capacity;
};

Interval intervalOf(const Rate& rate) {
  const std::uint64_t count = std::max<std::uint64_t>(rate.count, 1);
  const Nanos emission = std::max<Nanos>(rate.period.count() / static_cast<Nanos>(count), 1);
  constexpr Nanos kMaxCapacity = Nanos{1} << 61;
  const auto slots = static_cast<std::uint64_t>(kMaxCapacity / emission);
  const std::uint64_t allowed = rate.burst >= slots ? slots : rate.burst + 1;
  return {emission, static_cast<Nanos>(allowed) * emission};
}

// The TAT an event at `now` would leave behind, or how long to wait if it is refused.
struct Step {
  bool allowed;
  Nanos next_tat;     // when allowed
  Nanos retry_after;  // when refused
};

Step gcra(std::optional<Nanos> tat, const Rate& rate, Nanos now) {
  const Interval iv = intervalOf(rate);
  const Nanos base = std::max(tat.value_or(now), now);
  const Nanos next = base + iv.emission;
  const Nanos allow_at = next - iv.capacity;
  if (now < allow_at) {
    return {false, 0, allow_at - now};
  }
  return {true, next, 0};
}

// One shard: a map from key to a node of an LRU list (most recent first). The map's keys view
// the strings held by the list nodes, which never move.
class Shard {
 public:
  std::optional<Nanos> find(std::string_view key) const {
    auto it = index_.find(key);
    if (it == index_.end()) {
      return std::nullopt;
    }
    return it->second->tat;
  }

  // Sets the TAT of `key`, inserting it (and evicting the least recently used key beyond
  // `capacity`) if new; either way it becomes the most recent.
  void store(std::string_view key, Nanos tat, std::size_t capacity) {
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->tat = tat;
      lru_.splice(lru_.begin(), lru_, it->second);
      return;
    }
    while (!lru_.empty() && lru_.size() >= capacity) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(Node{std::string(key), tat});
    index_.emplace(lru_.front().key, lru_.begin());
  }

  // Makes `key`, if present, the most recent without changing it: a key that keeps being
  // refused is in use, and evicting it would hand its caller a fresh budget.
  void touch(std::string_view key) {
    if (auto it = index_.find(key); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
    }
  }

  // Gives back one event of `emission` counted earlier (GCRA state is a sum of intervals, so
  // this undoes the count even if other events were counted since). Nothing if evicted since.
  void refund(std::string_view key, Nanos emission) {
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->tat -= emission;
    }
  }

  std::mutex mu;

 private:
  struct Node {
    std::string key;
    Nanos tat;
  };
  std::list<Node> lru_;                                                    // GUARDED_BY(mu)
  std::unordered_map<std::string_view, std::list<Node>::iterator> index_;  // GUARDED_BY(mu)
};

// Each shard on its own cache lines, so that two threads on two shards do not contend.
struct alignas(64) PaddedShard {
  Shard shard;
};

class MemoryRateBackend final : public RateBackend {
 public:
  explicit MemoryRateBackend(std::size_t max_keys)
      : shards_(std::clamp<std::size_t>(max_keys / kMinPerShard, 1, kMaxShards)),
        per_shard_(std::max<std::size_t>(max_keys / shards_.size(), 1)) {}

  Decision acquire(std::string_view key, const Rate& rate, Clock::time_point now) override {
    const RateRequest one{key, &rate};
    return acquireAll(std::span<const RateRequest>(&one, 1), now);
  }

  // Decides the requests one shard lock at a time (a hot key, such as a per-tool limit every
  // caller shares, is never held locked while another shard is searched). Allowed requests are
  // counted as they go; once one refuses, the rest are only evaluated (for the longest
  // retry_after) and the counted ones are refunded. Between the count and its refund a
  // concurrent caller can only see less budget, never more: the race errs towards refusing.
  Decision acquireAll(std::span<const RateRequest> requests, Clock::time_point at) override {
    const Nanos now = nanosSinceEpoch(at);
    Decision result;
    std::size_t counted = 0;
    for (const RateRequest& request : requests) {
      Shard& shard = shardFor(request.key);
      std::lock_guard lock(shard.mu);
      const Step step = gcra(shard.find(request.key), *request.rate, now);
      if (step.allowed && result.allowed) {
        shard.store(request.key, step.next_tat, per_shard_);
        ++counted;
      } else {
        shard.touch(request.key);
      }
      if (!step.allowed) {
        result.allowed = false;
        result.retry_after =
            std::max(result.retry_after, std::chrono::nanoseconds(step.retry_after));
      }
    }
    if (!result.allowed) {
      for (std::size_t i = 0; i < counted; ++i) {
        Shard& shard = shardFor(requests[i].key);
        std::lock_guard lock(shard.mu);
        shard.refund(requests[i].key, intervalOf(*requests[i].rate).emission);
      }
    }
    return result;
  }

 private:
  // Small tables (tests, tiny deployments) are one exact LRU; large ones are split in up to 64
  // shards of at least 1024 keys each, each its own LRU.
  static constexpr std::size_t kMaxShards = 64;
  static constexpr std::size_t kMinPerShard = 1024;

  Shard& shardFor(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % shards_.size()].shard;
  }

  std::vector<PaddedShard> shards_;
  const std::size_t per_shard_;  // at most shards * per_shard <= max_keys keys in all
};

// Appends `field` so that the encoding of a field sequence is injective: its length, ':', bytes.
void appendField(std::string& key, std::string_view field) {
  key.append(std::to_string(field.size()));
  key.push_back(':');
  key.append(field);
}

}  // namespace

std::chrono::seconds retryAfterSeconds(const Decision& d) {
  if (d.allowed) {
    return std::chrono::seconds(0);
  }
  const auto s = std::chrono::ceil<std::chrono::seconds>(d.retry_after);
  return std::max(s, std::chrono::seconds(1));
}

Decision RateBackend::acquireAll(std::span<const RateRequest> requests, Clock::time_point now) {
  for (const RateRequest& r : requests) {
    Decision d = acquire(r.key, *r.rate, now);
    if (!d.allowed) {
      return d;
    }
  }
  return {};
}

std::shared_ptr<RateBackend> makeMemoryRateBackend(std::size_t max_keys) {
  return std::make_shared<MemoryRateBackend>(max_keys);
}

RateLimits::RateLimits(RateLimitRules rules, std::shared_ptr<RateBackend> backend,
                       const Clock& clock)
    : rules_(std::move(rules)), backend_(std::move(backend)), clock_(clock) {}

bool RateLimits::empty() const {
  return rules_.per_principal_tool.empty() && rules_.per_tool.empty() && !rules_.per_client;
}

Decision RateLimits::admit(const auth::Principal& who, std::string_view tool) const {
  std::array<std::string, 3> keys;
  std::array<RateRequest, 3> requests;
  std::size_t n = 0;
  if (auto it = rules_.per_principal_tool.find(tool); it != rules_.per_principal_tool.end()) {
    keys[n] = "pt";
    for (const std::string_view field : {std::string_view(who.iss), std::string_view(who.sub),
                                         std::string_view(who.client_id), tool}) {
      appendField(keys[n], field);
    }
    requests[n] = {keys[n], &it->second};
    ++n;
  }
  if (auto it = rules_.per_tool.find(tool); it != rules_.per_tool.end()) {
    keys[n] = "t";
    appendField(keys[n], tool);
    requests[n] = {keys[n], &it->second};
    ++n;
  }
  // Calls without an OAuth client (stdio, static tokens) have no per-client budget to draw on.
  if (rules_.per_client && !who.client_id.empty()) {
    keys[n] = "c";
    appendField(keys[n], who.client_id);
    requests[n] = {keys[n], &rules_.per_client.value()};
    ++n;
  }
  if (n == 0) {
    return {};
  }
  return backend_->acquireAll(std::span<const RateRequest>(requests.data(), n), clock_.now());
}

}  // namespace bastion::policy
