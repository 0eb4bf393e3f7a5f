#include "auth/token_cache.h"

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/crypto.h"

namespace bastion::auth {
namespace {

constexpr std::size_t kShards = 16;

// Epochs come from one process-wide counter (from 1: 0 marks an empty memo), so no two caches,
// and no two epochs of one cache, share a value: a memo matches only the state it came from.
std::uint64_t freshEpoch() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1);
}

struct Entry {
  std::string key;  // SHA-256 of the token, raw
  VerifiedToken verified;
  Clock::time_point good_until;
};

}  // namespace

struct TokenCache::Shard {
  std::mutex mu;
  std::list<Entry> lru;                                                    // GUARDED_BY(mu)
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // GUARDED_BY(mu)
  std::size_t capacity = 0;

  // Keys in `index` view the string inside the list node, which never moves.
  void eraseLocked(std::list<Entry>::iterator it) {
    index.erase(it->key);
    lru.erase(it);
  }
};

struct TokenCache::Hit {
  VerifiedToken verified;
  Clock::time_point good_until;
};

TokenCache::TokenCache(TokenCacheOptions options)
    : options_(options), shards_(std::make_unique<Shard[]>(kShards)), epoch_(freshEpoch()) {
  // Per-shard capacity rounds up, so the total may exceed max_entries by at most kShards - 1.
  const std::size_t per_shard = (options_.max_entries + kShards - 1) / kShards;
  for (std::size_t i = 0; i < kShards; ++i) {
    shards_[i].capacity = per_shard;
  }
}

TokenCache::~TokenCache() = default;

TokenCache::Shard& TokenCache::shardFor(std::string_view key) {
  return shards_[static_cast<unsigned char>(key[0]) % kShards];
}

std::optional<VerifiedToken> TokenCache::lookup(std::string_view token, Clock::time_point now,
                                                TokenMemo* memo) {
  // Read before the shared lookup: whatever is removed after this point was removed after the
  // memo was stamped, and the epoch moved on with it.
  const std::uint64_t epoch = epoch_.load();
  if (memo != nullptr) {
    if (const VerifiedToken* known = memo->answer(token, now, epoch)) {
      return *known;
    }
  }
  auto hit = find(token, now);
  if (!hit) {
    return std::nullopt;
  }
  if (memo != nullptr) {
    memo->remember(token, hit->verified, hit->good_until, epoch);
  }
  return std::move(hit->verified);
}

std::optional<TokenCache::Hit> TokenCache::find(std::string_view token, Clock::time_point now) {
  if (options_.max_entries == 0) {
    return std::nullopt;
  }
  const std::string key = crypto::sha256(token);
  Shard& shard = shardFor(key);
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) {
    return std::nullopt;
  }
  auto it = found->second;
  if (now >= it->good_until) {
    shard.eraseLocked(it);
    return std::nullopt;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it);
  return Hit{it->verified, it->good_until};
}

void TokenCache::insert(std::string_view token, const VerifiedToken& verified,
                        Clock::time_point now, TokenMemo* memo) {
  const auto good_until = std::min(verified.expires, now + options_.max_ttl);
  if (options_.max_entries == 0 || good_until <= now) {
    return;
  }
  const std::uint64_t epoch = epoch_.load();  // before the entry exists (see lookup)
  std::string key = crypto::sha256(token);
  Shard& shard = shardFor(key);
  {
    std::lock_guard lock(shard.mu);
    if (auto found = shard.index.find(key); found != shard.index.end()) {
      shard.eraseLocked(found->second);
    }
    while (!shard.lru.empty() && shard.lru.size() >= shard.capacity) {
      shard.eraseLocked(std::prev(shard.lru.end()));
    }
    shard.lru.push_front(Entry{std::move(key), verified, good_until});
    shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  }
  if (memo != nullptr) {
    memo->remember(token, verified, good_until, epoch);
  }
}

void TokenCache::erase(std::string_view token) {
  const std::string key = crypto::sha256(token);
  Shard& shard = shardFor(key);
  {
    std::lock_guard lock(shard.mu);
    if (auto found = shard.index.find(key); found != shard.index.end()) {
      shard.eraseLocked(found->second);
    }
  }
  // Even when the entry was already evicted: a memo copied from it may still hold the token.
  newEpoch();
}

void TokenCache::clear() {
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    shards_[i].index.clear();
    shards_[i].lru.clear();
  }
  newEpoch();
}

// After the removal, never before: a memo stamped with the new epoch was copied from an entry
// that survived it.
void TokenCache::newEpoch() { epoch_.store(freshEpoch()); }

std::size_t TokenCache::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    n += shards_[i].lru.size();
  }
  return n;
}

namespace {

class CachingVerifier final : public TokenVerifier {
 public:
  CachingVerifier(std::shared_ptr<TokenVerifier> inner, TokenCacheOptions options,
                  const Clock& clock)
      : inner_(std::move(inner)), cache_(options), clock_(clock) {}

  boost::system::result<VerifiedToken, AuthError> verify(std::string_view token) override {
    return check(token, nullptr);
  }
  boost::system::result<VerifiedToken, AuthError> verifyWithMemo(std::string_view token,
                                                                 TokenMemo& memo) override {
    return check(token, &memo);
  }

 private:
  boost::system::result<VerifiedToken, AuthError> check(std::string_view token, TokenMemo* memo) {
    const auto now = clock_.now();
    if (auto hit = cache_.lookup(token, now, memo)) {
      return std::move(*hit);
    }
    auto verdict = inner_->verify(token);
    if (verdict) {
      cache_.insert(token, *verdict, now, memo);
    }
    return verdict;
  }

  std::shared_ptr<TokenVerifier> inner_;
  TokenCache cache_;
  const Clock& clock_;
};

}  // namespace

std::shared_ptr<TokenVerifier> makeCachingVerifier(std::shared_ptr<TokenVerifier> inner,
                                                   TokenCacheOptions options, const Clock& clock) {
  return std::make_shared<CachingVerifier>(std::move(inner), options, clock);
}

}  // namespace bastion::auth
