#include "mcp/session.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace bastion::mcp {

Session::Session(std::string id, auth::Principal owner)
    : id_(std::move(id)), owner_(std::move(owner)) {}

std::string Session::protocolVersion() const {
  std::lock_guard lock(mu_);
  return protocol_version_;
}

boost::json::object Session::clientCapabilities() const {
  std::lock_guard lock(mu_);
  return client_capabilities_;
}

void Session::setNegotiated(std::string version, boost::json::object capabilities) {
  std::lock_guard lock(mu_);
  protocol_version_ = std::move(version);
  client_capabilities_ = std::move(capabilities);
  negotiated_.store(true);
}

std::optional<LogLevel> Session::logLevel() const {
  std::lock_guard lock(mu_);
  return log_level_;
}

void Session::setLogLevel(LogLevel level) {
  std::lock_guard lock(mu_);
  log_level_ = level;
}

void Session::subscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  subscriptions_[uri] = true;
}

void Session::unsubscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  subscriptions_.erase(uri);
}

bool Session::subscribed(const std::string& uri) const {
  std::lock_guard lock(mu_);
  return subscriptions_.contains(uri);
}

void Session::setStandaloneStream(std::shared_ptr<Outbound> out) {
  std::lock_guard lock(mu_);
  standalone_ = std::move(out);
}

std::shared_ptr<Outbound> Session::standaloneStream() const {
  std::lock_guard lock(mu_);
  return standalone_;
}

std::string Session::registerPendingRequest(ResponseCallback cb) {
  std::lock_guard lock(mu_);
  // Our ids are prefixed so they never collide with ids the client chose for its own requests.
  std::string id = "bastion-" + std::to_string(next_request_id_++);
  pending_.emplace(id, std::move(cb));
  return id;
}

void Session::dropPendingRequest(const std::string& id) {
  std::lock_guard lock(mu_);
  pending_.erase(id);
}

bool Session::resolvePendingRequest(const std::string& id, const boost::json::value& response) {
  ResponseCallback cb;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      return false;
    }
    cb = std::move(it->second);
    pending_.erase(it);
  }
  // Called without the lock: the callback wakes the waiting handler thread.
  cb(response);
  return true;
}

void Session::trackRequest(const std::string& request_key,
                           std::shared_ptr<std::atomic<bool>> flag) {
  std::lock_guard lock(mu_);
  if (auto it = std::find(early_cancels_.begin(), early_cancels_.end(), request_key);
      it != early_cancels_.end()) {
    early_cancels_.erase(it);
    flag->store(true);
  }
  in_flight_[request_key] = std::move(flag);
}

void Session::untrackRequest(const std::string& request_key) {
  std::lock_guard lock(mu_);
  in_flight_.erase(request_key);
}

void Session::cancelRequest(const std::string& request_key) {
  std::lock_guard lock(mu_);
  if (auto it = in_flight_.find(request_key); it != in_flight_.end()) {
    it->second->store(true);
    return;
  }
  // Bounded: a client can only spend its own session's memory, and only this much of it.
  constexpr std::size_t kMaxEarlyCancels = 64;
  if (early_cancels_.size() == kMaxEarlyCancels) {
    early_cancels_.pop_front();
  }
  early_cancels_.push_back(request_key);
}

void Session::touch(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (now > last_active_) {
    last_active_ = now;
  }
}

std::chrono::steady_clock::time_point Session::lastActive() const {
  std::lock_guard lock(mu_);
  return last_active_;
}

SessionStore::SessionStore(SessionLimits limits, RandomSource& rng) : limits_(limits), rng_(rng) {}

Result<std::shared_ptr<Session>> SessionStore::create(const auth::Principal& owner,
                                                      std::chrono::steady_clock::time_point now) {
  expireIdle(now);
  std::lock_guard lock(mu_);
  if (sessions_.size() >= limits_.max_sessions) {
    return Error(SessionError::TooManySessions, "too many sessions");
  }
  std::string id = randomToken(rng_, 32);
  // 256 random bits never collide in practice; a collision means a broken RandomSource.
  if (sessions_.contains(id)) {
    std::abort();
  }
  auto session = std::make_shared<Session>(id, owner);
  session->touch(now);
  sessions_.emplace(std::move(id), session);
  return session;
}

std::shared_ptr<Session> SessionStore::find(const std::string& id, const auth::Principal& caller,
                                            std::chrono::steady_clock::time_point now) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) {
      return nullptr;
    }
    session = it->second;
  }
  // A session id is not a credential: another principal presenting it learns nothing.
  if (!session->owner().sameIdentity(caller)) {
    return nullptr;
  }
  if (now - session->lastActive() > limits_.idle_timeout) {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
    return nullptr;
  }
  session->touch(now);
  return session;
}

bool SessionStore::remove(const std::string& id, const auth::Principal& caller) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->owner().sameIdentity(caller)) {
    return false;
  }
  sessions_.erase(it);
  return true;
}

std::size_t SessionStore::expireIdle(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second->lastActive() > limits_.idle_timeout) {
      it = sessions_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace bastion::mcp
