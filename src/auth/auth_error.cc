#include "auth/auth_error.h"

namespace bastion::auth {

std::string_view toString(AuthError e) {
  switch (e) {
    case AuthError::MissingToken:
      return "missing_token";
    case AuthError::MalformedHeader:
      return "malformed_header";
    case AuthError::TokenInQuery:
      return "token_in_query";
    case AuthError::TokenTooLarge:
      return "token_too_large";
    case AuthError::MalformedToken:
      return "malformed_token";
    case AuthError::AlgNotAllowed:
      return "alg_not_allowed";
    case AuthError::UnknownKid:
      return "unknown_kid";
    case AuthError::KidAlgMismatch:
      return "kid_alg_mismatch";
    case AuthError::BadSignature:
      return "bad_signature";
    case AuthError::Expired:
      return "expired";
    case AuthError::NotYetValid:
      return "not_yet_valid";
    case AuthError::IssuedInFuture:
      return "issued_in_future";
    case AuthError::MissingClaim:
      return "missing_claim";
    case AuthError::IssuerMismatch:
      return "issuer_mismatch";
    case AuthError::AudienceMismatch:
      return "audience_mismatch";
    case AuthError::WrongTokenType:
      return "wrong_token_type";
    case AuthError::Revoked:
      return "revoked";
    case AuthError::InactiveToken:
      return "inactive_token";
    case AuthError::IntrospectionFailed:
      return "introspection_failed";
    case AuthError::KeysUnavailable:
      return "keys_unavailable";
    case AuthError::InsufficientScope:
      return "insufficient_scope";
  }
  return "unknown";
}

}  // namespace bastion::auth
