// Verification of the embedded server's own access tokens (auth.mode = "embedded").
//
// The expensive part (signature) runs once per token: the verdict goes into auth::TokenCache
// (keyed by SHA-256 of the token, bounded, until min(exp, 5 min)). The first check of a token
// asks the store whether its jti or family is revoked; afterwards, any new revocation this
// process learns of (RevocationList::generation) empties the cache, so the next call re-checks.
// A connection's TokenMemo (auth/token_memo.h) is consulted only after that generation check,
// and the emptied cache ends it.

#include <array>
#include <boost/json.hpp>
#include <mutex>
#include <unordered_map>

#include "auth/jwt.h"
#include "auth/token_cache.h"
#include "oauth/access_token.h"
#include "oauth/state.h"

namespace bastion::oauth {

namespace {

constexpr std::array kAllowed = {auth::JwsAlg::ES256};
constexpr std::chrono::seconds kSkew{60};

std::string stringClaim(const boost::json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The signature by one of our published keys; an unknown kid re-reads the keys once (a key
// created by another process on the same store).
auth::AuthResult<void> checkSignature(AuthorizationServerState& s, const auth::Jwt& jwt) {
  auto keys = s.keys->verificationKeys();
  if (!keys) {
    return auth::AuthError::KeysUnavailable;
  }
  auto verdict = auth::verifySignature(jwt, **keys, kAllowed);
  if (verdict || verdict.error() != auth::AuthError::UnknownKid ||
      !s.keys->refreshForKid(jwt.kid)) {
    return verdict;
  }
  keys = s.keys->verificationKeys();
  if (!keys) {
    return auth::AuthError::KeysUnavailable;
  }
  return auth::verifySignature(jwt, **keys, kAllowed);
}

class EmbeddedVerifier final : public auth::TokenVerifier {
 public:
  explicit EmbeddedVerifier(AuthorizationServerState& s) : s_(s) {}

  boost::system::result<auth::VerifiedToken, auth::AuthError> verify(
      std::string_view token) override {
    return check(token, nullptr);
  }
  boost::system::result<auth::VerifiedToken, auth::AuthError> verifyWithMemo(
      std::string_view token, auth::TokenMemo& memo) override {
    return check(token, &memo);
  }

 private:
  boost::system::result<auth::VerifiedToken, auth::AuthError> check(std::string_view token,
                                                                    auth::TokenMemo* memo) {
    if (token.size() > auth::kMaxTokenBytes) {
      return auth::AuthError::TokenTooLarge;
    }
    const auto now = s_.deps.clock->now();
    // Before the memo and the cache: a revocation made here or polled from the store empties
    // the cache, which ends every connection's memo, so a revoked token is refused on the very
    // next request of the connection that used it.
    const std::uint64_t generation = currentGeneration();
    if (auto hit = cache_.lookup(token, now, memo)) {
      return std::move(*hit);
    }
    auto claims = verifyAccessToken(s_, token);
    if (!claims) {
      return claims.error();
    }
    auth::VerifiedToken verified{std::move(claims->principal), claims->expires};
    cache_.insert(token, verified, now, memo);
    // A revocation that landed while this token was being checked may have cleared the cache
    // before the insert: take the entry back out (the revoker bumps, then clears). The erase
    // also ends the memo just taken.
    if (s_.revocations->generation() != generation) {
      cache_.erase(token);
    }
    return verified;
  }

  // Drops every cached verdict (and so every memo) once something new has been revoked. The
  // generation is marked seen only after the cache is empty: a request that finds it seen
  // cannot reach a verdict or memo that a clear in another thread has yet to remove. The hot
  // path is one atomic load (generations only grow).
  std::uint64_t currentGeneration() {
    const std::uint64_t g = s_.revocations->generation();
    if (seen_generation_.load() < g) {
      std::lock_guard lock(clear_mu_);
      if (seen_generation_.load() < g) {
        cache_.clear();
        seen_generation_.store(g);
      }
    }
    return g;
  }

  AuthorizationServerState& s_;
  auth::TokenCache cache_;
  std::mutex clear_mu_;                            // one clear per new generation
  std::atomic<std::uint64_t> seen_generation_{0};  // written under clear_mu_
};

}  // namespace

boost::system::result<AccessTokenClaims, auth::AuthError> verifyAccessToken(
    AuthorizationServerState& s, std::string_view token) {
  auto jwt = auth::parseJwt(token);
  if (!jwt) {
    return jwt.error();
  }
  if (auto signature = checkSignature(s, *jwt); !signature) {
    return signature.error();
  }
  auth::ClaimsPolicy policy;
  policy.issuer = s.options.issuer;
  policy.audience = s.options.resource;
  policy.skew = kSkew;
  policy.required_typ = std::string(kAccessTokenType);
  if (auto checked = auth::checkClaims(*jwt, policy, s.deps.clock->now()); !checked) {
    return checked.error();
  }
  AccessTokenClaims out;
  out.jti = stringClaim(jwt->claims, "jti");
  if (out.jti.empty()) {
    return auth::AuthError::MissingClaim;  // every token we mint has one: revocation needs it
  }
  out.family_id = stringClaim(jwt->claims, kFamilyClaim);
  // Fail closed: if the store cannot say whether the token is revoked, it is not accepted.
  auto revoked = s.revocations->isRevoked(out.family_id, out.jti, true);
  if (!revoked || *revoked) {
    return auth::AuthError::Revoked;
  }
  out.principal = auth::principalOf(*jwt);
  out.audience = s.options.resource;
  out.expires = auth::expiryOf(*jwt);
  if (const auto* iat = jwt->claims.if_contains("iat"); iat != nullptr && iat->is_int64()) {
    out.issued = Clock::time_point(std::chrono::seconds(iat->as_int64()));
  }
  return out;
}

std::shared_ptr<auth::TokenVerifier> makeEmbeddedVerifier(AuthorizationServerState& s) {
  return std::make_shared<EmbeddedVerifier>(s);
}

}  // namespace bastion::oauth
