#pragma once
// Who is calling. Produced by the authentication step before dispatch, consumed by every later
// step (authorization, rate limits, session binding, audit).

#include <string>
#include <vector>

namespace bastion::auth {

struct Principal {
  std::string iss;        // token issuer; "local" for stdio and unauthenticated loopback use
  std::string sub;        // subject
  std::string client_id;  // OAuth client, when known
  std::vector<std::string> scopes;

  // Sessions are bound to this triple: another principal presenting the id gets 404.
  bool sameIdentity(const Principal& o) const {
    return iss == o.iss && sub == o.sub && client_id == o.client_id;
  }
};

}  // namespace bastion::auth
