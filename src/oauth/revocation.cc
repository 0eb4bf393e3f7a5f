#include "oauth/revocation.h"

#include <vector>

namespace bastion::oauth {

namespace {

std::int64_t nanos(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

RevocationList::RevocationList(std::shared_ptr<store::Store> store, const Clock& clock,
                               std::chrono::seconds poll_interval)
    : store_(std::move(store)), clock_(clock), poll_interval_(poll_interval) {}

Result<void> RevocationList::revokeFamily(std::string_view family_id) {
  if (family_id.empty()) {
    return {};
  }
  if (auto r = store_->revokeFamily(family_id, clock_.now()); !r) {
    return r;
  }
  std::lock_guard lock(mu_);
  if (families_.emplace(family_id).second) {
    ++generation_;
  }
  return {};
}

Result<void> RevocationList::revokeJti(std::string_view jti, Clock::time_point expires) {
  if (jti.empty()) {
    return {};
  }
  if (auto r = store_->revokeJti(jti, expires); !r) {
    return r;
  }
  std::lock_guard lock(mu_);
  if (jtis_.insert_or_assign(std::string(jti), expires).second) {
    ++generation_;
  }
  return {};
}

Result<bool> RevocationList::isRevoked(std::string_view family_id, std::string_view jti,
                                       bool ask_store) {
  pollIfDue();
  {
    std::lock_guard lock(mu_);
    if (!family_id.empty() && families_.contains(std::string(family_id))) {
      return true;
    }
    if (!jti.empty() && jtis_.contains(std::string(jti))) {
      return true;
    }
  }
  if (!ask_store) {
    return false;
  }
  if (!family_id.empty()) {
    auto revoked = store_->isFamilyRevoked(family_id);
    if (!revoked || *revoked) {
      return revoked;
    }
  }
  if (!jti.empty()) {
    return store_->isJtiRevoked(jti);
  }
  return false;
}

std::uint64_t RevocationList::generation() {
  pollIfDue();
  return generation_.load();
}

// Pulls families revoked elsewhere since the last poll, and forgets jti entries whose tokens
// have expired (they can no longer verify anyway). A failed poll is retried next interval;
// checks of uncached tokens still ask the store, so the failure does not open anything.
void RevocationList::pollIfDue() {
  const auto now = clock_.now();
  if (nanos(now) < next_poll_ns_.load(std::memory_order_relaxed)) {
    return;
  }
  Clock::time_point since;
  {
    std::lock_guard lock(mu_);
    if (nanos(now) < next_poll_ns_.load()) {
      return;  // another thread claimed this poll
    }
    next_poll_ns_.store(nanos(now + poll_interval_));
    since = last_poll_;
    std::erase_if(jtis_, [&](const auto& entry) { return entry.second <= now; });
  }
  auto revoked = store_->revokedFamiliesSince(since);
  if (!revoked) {
    return;
  }
  // Moved out rather than iterated through operator*: GCC 12 -O2 sees a null path there.
  std::vector<std::string> families = std::move(revoked).value();
  std::lock_guard lock(mu_);
  bool added = false;
  for (auto& f : families) {
    added = families_.insert(std::move(f)).second || added;
  }
  if (added) {
    ++generation_;
  }
  // The next poll overlaps this one by an interval: a revocation stamped by another process's
  // clock just before `now` is not skipped. Re-reading a family is harmless.
  last_poll_ = now - poll_interval_;
}

}  // namespace bastion::oauth
