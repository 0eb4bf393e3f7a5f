#pragma once
// Legacy-era (2025-03-26 .. 2025-11-25) sessions: created by `initialize`, named by a CSPRNG id,
// bound to the principal that created them, expired when idle, bounded in number.
// Sessions are never authentication: the transport authenticates every request first, then
// SessionStore::find() refuses an id presented by a different principal (as if unknown: 404).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/principal.h"
#include "core/random.h"
#include "mcp/types.h"

namespace bastion::mcp {

class Outbound;

class Session {
 public:
  Session(std::string id, auth::Principal owner);

  const std::string& id() const { return id_; }
  const auth::Principal& owner() const { return owner_; }

  // Negotiated at initialize; empty before.
  std::string protocolVersion() const;
  boost::json::object clientCapabilities() const;
  void setNegotiated(std::string version, boost::json::object capabilities);
  // True once `initialize` succeeded (lock-free; checked on every legacy request).
  bool negotiated() const { return negotiated_.load(); }
  bool initialized() const { return initialized_.load(); }
  void markInitialized() { initialized_.store(true); }

  // logging/setLevel; nullopt means the client never asked (send nothing).
  std::optional<LogLevel> logLevel() const;
  void setLogLevel(LogLevel level);

  // resources/subscribe bookkeeping.
  void subscribe(const std::string& uri);
  void unsubscribe(const std::string& uri);
  bool subscribed(const std::string& uri) const;

  // The standalone (GET) stream, if one is open: where unsolicited notifications go.
  void setStandaloneStream(std::shared_ptr<Outbound> out);
  std::shared_ptr<Outbound> standaloneStream() const;

  // Server-to-client requests awaiting the client's response, keyed by our request id.
  using ResponseCallback = std::function<void(const boost::json::value& response)>;
  std::string registerPendingRequest(ResponseCallback cb);
  void dropPendingRequest(const std::string& id);
  // Routes a client's JSON-RPC response; false if no request with that id is pending.
  bool resolvePendingRequest(const std::string& id, const boost::json::value& response);

  // In-flight client requests, for notifications/cancelled.
  void trackRequest(const std::string& request_key, std::shared_ptr<std::atomic<bool>> flag);
  void untrackRequest(const std::string& request_key);
  // A cancel for a request not (yet) tracked is remembered, boundedly: over stdio or HTTP the
  // notification can overtake a request still queued for a worker.
  void cancelRequest(const std::string& request_key);

  void touch(std::chrono::steady_clock::time_point now);
  std::chrono::steady_clock::time_point lastActive() const;

 private:
  const std::string id_;
  const auth::Principal owner_;
  std::atomic<bool> initialized_{false};
  std::atomic<bool> negotiated_{false};

  mutable std::mutex mu_;  // guards everything below
  std::string protocol_version_;
  boost::json::object client_capabilities_;
  std::optional<LogLevel> log_level_;
  std::unordered_map<std::string, bool> subscriptions_;
  std::shared_ptr<Outbound> standalone_;
  std::unordered_map<std::string, ResponseCallback> pending_;
  std::unordered_map<std::string, std::shared_ptr<std::atomic<bool>>> in_flight_;
  std::deque<std::string> early_cancels_;  // oldest first, at most kMaxEarlyCancels
  std::uint64_t next_request_id_ = 0;
  std::chrono::steady_clock::time_point last_active_;
};

struct SessionLimits {
  std::size_t max_sessions = 10000;
  std::chrono::seconds idle_timeout{30 * 60};
};

enum class SessionError {
  TooManySessions = 1,  // HTTP 503; the client may retry later
};

class SessionStore {
 public:
  SessionStore(SessionLimits limits, RandomSource& rng);

  // A new session with a 256-bit CSPRNG id, after evicting idle ones; fails at the bound.
  [[nodiscard]] Result<std::shared_ptr<Session>> create(const auth::Principal& owner,
                                                        std::chrono::steady_clock::time_point now);
  // The live session with `id` owned by `caller`; nullptr when unknown, expired or foreign.
  std::shared_ptr<Session> find(const std::string& id, const auth::Principal& caller,
                                std::chrono::steady_clock::time_point now);
  // DELETE: ends the session if `caller` owns it. Returns whether it did.
  bool remove(const std::string& id, const auth::Principal& caller);
  // Drops sessions idle past the limit; returns how many.
  std::size_t expireIdle(std::chrono::steady_clock::time_point now);
  std::size_t size() const;

 private:
  const SessionLimits limits_;
  RandomSource& rng_;
  mutable std::mutex mu_;  // guards sessions_
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace bastion::mcp
