#pragma once
// The authentication step: runs before dispatch on every HTTP route (POST, GET, DELETE) and once
// at stdio start. This issue ships only the explicit `none` mode; OAuth (resource server and
// embedded authorization server) plugs in here without touching transports or the dispatcher.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_error.h"
#include "auth/principal.h"
#include "core/error.h"

namespace bastion::auth {

// What authentication may look at, without tying it to Beast.
struct RequestView {
  std::string_view method;
  std::string_view target;
  std::optional<std::string_view> authorization;  // the Authorization header, if present
  std::string_view remote_address;
};

// A refused request: the HTTP status and WWW-Authenticate challenge the transport sends.
struct Challenge {
  int status = 401;
  std::string www_authenticate;
  std::string description;  // generic; never why a signature failed or which keys exist
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Returns the caller, or the challenge to answer with. Must be thread-safe.
  virtual boost::system::result<Principal, Challenge> authenticate(const RequestView& req) = 0;
};

// `auth.mode = "none"`: every caller is the same local principal. Only for stdio and for a
// listener bound to loopback; config validation refuses it anywhere else.
std::unique_ptr<Authenticator> makeNoAuthenticator();

}  // namespace bastion::auth
