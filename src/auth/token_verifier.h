#pragma once
// The seam between "is this bearer token good?" and the HTTP-facing resource server. One
// implementation per auth.mode: JWT from an external issuer (JWKS), RFC 7662 introspection, and
// the embedded authorization server's own tokens. The resource server (bearer extraction,
// challenges, scope checks) is the same whichever verifier sits behind it.

#include <boost/system/result.hpp>

#include <chrono>
#include <memory>
#include <string_view>

#include "auth/auth_error.h"
#include "auth/principal.h"

namespace bastion::auth {

class TokenMemo;  // auth/token_memo.h

struct VerifiedToken {
  Principal principal;
  std::chrono::system_clock::time_point expires;  // cache the verdict no longer than this
};

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  // Checks signature/introspection, issuer, audience (our canonical resource URI), time claims.
  // Does NOT check scopes: that is the resource server's job per operation. Thread-safe.
  [[nodiscard]] virtual boost::system::result<VerifiedToken, AuthError> verify(
      std::string_view token) = 0;
  // The same verdict as verify(token), for a caller that keeps a TokenMemo (one per connection,
  // used by one thread at a time): a verifier with a TokenCache may answer a repeat of the
  // memo's token from it, after every check it makes before its cache (revocation state). The
  // default ignores the memo.
  [[nodiscard]] virtual boost::system::result<VerifiedToken, AuthError> verifyWithMemo(
      std::string_view token, TokenMemo& /*memo*/) {
    return verify(token);
  }
};

}  // namespace bastion::auth
