#include "oauth/browser_state.h"

#include <algorithm>

namespace bastion::oauth {

bool BrowserSessions::makeRoom(Clock::time_point now) {
  if (sessions_.size() < kMaxSessions) {
    return true;
  }
  std::erase_if(sessions_, [&](const auto& s) { return s.second.expires <= now; });
  if (sessions_.size() < kMaxSessions) {
    return true;
  }
  // Evict the anonymous session closest to expiry: a flood of GET /authorize can only push out
  // other sign-ins in progress, never a logged-in user.
  auto victim = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.user.empty() &&
        (victim == sessions_.end() || it->second.expires < victim->second.expires)) {
      victim = it;
    }
  }
  if (victim == sessions_.end()) {
    return false;
  }
  sessions_.erase(victim);
  return true;
}

std::optional<std::string> BrowserSessions::create(RandomSource& rng, Clock::time_point now) {
  std::string id = randomToken(rng, 32);
  std::lock_guard lock(mu_);
  if (!makeRoom(now)) {
    return std::nullopt;
  }
  sessions_[id] = BrowserSession{"", now + kAnonymousTtl, {}};
  return id;
}

std::optional<BrowserSession> BrowserSessions::find(const std::string& id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  std::erase_if(it->second.pending, [&](const auto& p) { return p.expires <= now; });
  return it->second;
}

std::optional<PendingAuthorization> BrowserSessions::addPending(const std::string& id,
                                                                AuthorizationRequest req,
                                                                RandomSource& rng,
                                                                Clock::time_point now) {
  PendingAuthorization p{randomToken(rng, 16), randomToken(rng, 32), std::move(req),
                         now + kPendingTtl};
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires <= now) {
    return std::nullopt;
  }
  auto& pending = it->second.pending;
  std::erase_if(pending, [&](const auto& x) { return x.expires <= now; });
  if (pending.size() >= kMaxPendingPerSession) {
    pending.erase(pending.begin());  // the oldest request in this browser gives way
  }
  pending.push_back(p);
  return p;
}

std::optional<PendingAuthorization> BrowserSessions::takePending(const std::string& id,
                                                                 const std::string& request_id,
                                                                 Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires <= now) {
    return std::nullopt;
  }
  auto& pending = it->second.pending;
  auto p = std::find_if(pending.begin(), pending.end(),
                        [&](const auto& x) { return x.id == request_id; });
  if (p == pending.end() || p->expires <= now) {
    return std::nullopt;
  }
  PendingAuthorization out = std::move(*p);
  pending.erase(p);
  return out;
}

void BrowserSessions::putBack(const std::string& id, PendingAuthorization pending) {
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(id); it != sessions_.end()) {
    it->second.pending.push_back(std::move(pending));
  }
}

std::optional<std::string> BrowserSessions::login(const std::string& id, const std::string& user,
                                                  RandomSource& rng, Clock::time_point now) {
  std::string fresh = randomToken(rng, 32);
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires <= now) {
    return std::nullopt;
  }
  BrowserSession s = std::move(it->second);
  sessions_.erase(it);
  s.user = user;
  s.expires = now + kLoggedInTtl;
  sessions_[fresh] = std::move(s);
  return fresh;
}

void BrowserSessions::erase(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

const std::string& BrowserState::dummyHash(RandomSource& rng) {
  std::call_once(dummy_once_, [&] {
    const std::string password = randomToken(rng, 24);
    auto hash = hashPassword(password, rng, password_params);
    // Out of memory here leaves the stand-in empty: verifyPassword() then fails fast, which
    // only weakens the timing equalisation, never the check itself.
    dummy_hash_ = hash ? *hash : std::string();
  });
  return dummy_hash_;
}

}  // namespace bastion::oauth
