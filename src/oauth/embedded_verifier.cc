// Verification of the embedded server's own access tokens (auth.mode = "embedded").
//
// The expensive part (signature) runs once per token: a verdict is cached under SHA-256 of the
// token until the token expires. Revocation is not cached: every call re-checks the token's jti
// and family against the in-memory revocation list (the first check also asks the store).

#include <array>
#include <boost/json.hpp>
#include <mutex>
#include <unordered_map>

#include "auth/jwt.h"
#include "core/crypto.h"
#include "oauth/access_token.h"
#include "oauth/state.h"

namespace bastion::oauth {

namespace {

constexpr std::array kAllowed = {auth::JwsAlg::ES256};
constexpr std::chrono::seconds kSkew{60};
constexpr std::size_t kMaxCachedTokens = 10'000;

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
    if (token.size() > auth::kMaxTokenBytes) {
      return auth::AuthError::TokenTooLarge;
    }
    const auto now = s_.deps.clock->now();
    std::string key = crypto::sha256(token);
    if (auto cached = lookup(key, now)) {
      // Memory only: a revocation through this process is already there; the store was asked
      // when the token was first seen.
      auto revoked = s_.revocations->isRevoked(cached->family_id, cached->jti, false);
      if (!revoked || *revoked) {
        forget(key);
        return auth::AuthError::Revoked;
      }
      return cached->verified;
    }
    auto claims = verifyAccessToken(s_, token);
    if (!claims) {
      return claims.error();
    }
    Entry entry{auth::VerifiedToken{claims->principal, claims->expires}, claims->jti,
                claims->family_id};
    remember(std::move(key), entry, now);
    return entry.verified;
  }

 private:
  struct Entry {
    auth::VerifiedToken verified;
    std::string jti;
    std::string family_id;
  };

  std::optional<Entry> lookup(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      return std::nullopt;
    }
    if (now >= it->second.verified.expires) {
      cache_.erase(it);  // expired: verify again (and be refused with the exact reason)
      return std::nullopt;
    }
    return it->second;
  }

  void forget(const std::string& key) {
    std::lock_guard lock(mu_);
    cache_.erase(key);
  }

  // Bounded: when full, expired entries go; if that frees nothing, the cache starts over (a
  // cache miss costs one signature check, never a wrong verdict).
  void remember(std::string key, const Entry& entry, Clock::time_point now) {
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCachedTokens) {
      std::erase_if(cache_, [&](const auto& e) { return now >= e.second.verified.expires; });
      if (cache_.size() >= kMaxCachedTokens) {
        cache_.clear();
      }
    }
    cache_.insert_or_assign(std::move(key), entry);
  }

  AuthorizationServerState& s_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // GUARDED_BY(mu_), key: SHA-256 of the token
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
