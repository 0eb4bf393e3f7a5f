#pragma once
// MRTR requestState (2026-07-28): the answers a client gave in earlier rounds of one request,
// carried by the client and protected by HMAC-SHA256 under a per-process key. The MAC also
// binds the principal, the method and its target (tool/prompt name or resource URI) and an
// expiry, so state cannot be replayed by another principal, on another request, or late.
// The payload is readable by the client (it holds the client's own answers), never secret.

#include <array>
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/principal.h"
#include "core/random.h"

namespace bastion::mcp {

class RequestStateCodec {
 public:
  RequestStateCodec(RandomSource& rng, std::chrono::seconds ttl);

  std::string seal(const auth::Principal& principal, std::string_view method,
                   std::string_view target, const boost::json::object& answers,
                   std::chrono::system_clock::time_point now) const;

  // The sealed answers, or nullopt when the state is malformed, tampered with, expired, or
  // bound to another principal, method or target.
  std::optional<boost::json::object> open(std::string_view state, const auth::Principal& principal,
                                          std::string_view method, std::string_view target,
                                          std::chrono::system_clock::time_point now) const;

 private:
  std::string mac(const auth::Principal& principal, std::string_view payload) const;

  std::array<unsigned char, 32> key_{};
  std::chrono::seconds ttl_;
};

}  // namespace bastion::mcp
