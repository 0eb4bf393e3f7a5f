#pragma once
// Every reason a bearer token is refused, one enumerator each (STYLE.md "Errors"). The client
// sees only a generic challenge (invalid_token / insufficient_scope); the exact reason goes to
// the log and the audit trail, and every enumerator has a test that produces it.

#include <string_view>

namespace bastion::auth {

enum class AuthError {
  MissingToken = 1,       // no Authorization header
  MalformedHeader,        // not "Bearer <token68>", or the header repeated
  TokenInQuery,           // access_token in the query string or form body (refused, RFC 9700)
  TokenTooLarge,
  MalformedToken,         // not three base64url segments / header or claims not JSON objects
  AlgNotAllowed,          // alg not in the allow-list (none, HS*, ...)
  UnknownKid,             // no key with that kid, even after a bounded-rate JWKS refresh
  KidAlgMismatch,         // the JWK's alg (or key type) does not match the token's alg
  BadSignature,
  Expired,                // exp + skew <= now
  NotYetValid,            // nbf - skew > now
  IssuedInFuture,         // iat - skew > now
  MissingClaim,           // exp, iss, sub, aud ... absent or of the wrong type
  IssuerMismatch,
  AudienceMismatch,       // aud does not contain our canonical resource URI
  WrongTokenType,         // typ is not at+jwt where required, or an ID token presented
  Revoked,                // embedded server: jti or token family revoked
  InactiveToken,          // introspection said active=false
  IntrospectionFailed,    // the introspection endpoint could not be asked (fails closed)
  KeysUnavailable,        // JWKS could not be fetched (fails closed)
  InsufficientScope,      // valid token, but the operation needs scopes it lacks
};

// A short stable name ("alg_not_allowed") for logs and audit; never sent to clients.
std::string_view toString(AuthError e);

}  // namespace bastion::auth
