#pragma once
// The authentication step: runs before dispatch on every HTTP route (POST, GET, DELETE) and once
// at stdio start. Implementations: `none` (one local principal) and the OAuth resource server
// (auth/resource_server.h), which checks bearer tokens with a TokenVerifier.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_error.h"
#include "auth/principal.h"
#include "core/error.h"

namespace bastion::auth {

class TokenMemo;  // auth/token_memo.h

// What authentication may look at, without tying it to Beast.
struct RequestView {
  std::string_view method;
  std::string_view target;
  std::optional<std::string_view> authorization;  // the (first) Authorization header, if present
  std::size_t authorization_count = 0;  // how many Authorization headers came (0 = count unknown)
  std::optional<std::string_view> content_type;
  // The body when it is already read (web routes); empty on the MCP endpoint, which
  // authenticates before reading it (its bodies are JSON, never form-encoded).
  std::string_view body;
  std::string_view remote_address;
  // The connection's memory of its last verified token (HTTP keep-alive), or null. Owned by the
  // connection, used with this Authenticator only, one request at a time.
  TokenMemo* memo = nullptr;
};

// A refused request: the HTTP status and WWW-Authenticate challenge the transport sends.
struct Challenge {
  int status = 401;
  std::string www_authenticate;
  std::string description;  // generic; never why a signature failed or which keys exist
  // The exact reason, for the log and a later audit step; never sent to the client.
  std::optional<AuthError> reason;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Returns the caller, or the challenge to answer with. Must be thread-safe.
  virtual boost::system::result<Principal, Challenge> authenticate(const RequestView& req) = 0;
  // The answer to an authenticated caller that lacks scopes an operation needs: 403 with
  // `Bearer error="insufficient_scope", scope="<every scope in required>"`. The resource server
  // adds resource_metadata. Does not check anything itself.
  virtual Challenge insufficientScope(const std::vector<std::string>& required) const;
};

// `auth.mode = "none"`: every caller is the same local principal, holding `scopes` (the program
// passes every scope its tools require). Only for stdio and for a listener bound to loopback;
// config validation refuses it anywhere else.
std::unique_ptr<Authenticator> makeNoAuthenticator(std::vector<std::string> scopes = {});

}  // namespace bastion::auth
