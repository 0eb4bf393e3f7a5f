#pragma once
// The embedded server's ES256 signing keys and their rotation, persisted in the store.
//
// Schedule of one key (all times from KeyPolicy):
//   created       published in /jwks from here on
//   signs_from    starts signing; a successor is created at least `publish_ahead` before this,
//                 so resource servers that cache our JWKS know it before the first token
//   retire_after  stops signing (signs_from + lifetime)
//   remove_after  leaves /jwks: retire_after + token_ttl + skew, pushed later whenever a token
//                 with a later `exp` is signed, so no valid token ever outlives its key
// The only key that signs without having been published ahead is the very first one (or one
// made after every key retired while the server was down): nobody can hold a token for it yet.
//
// Several processes may share the store (`bastion serve`, `bastion token issue`): keys are
// re-read from the store periodically and whenever a kid is unknown.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace bastion::oauth {

struct KeyPolicy {
  std::chrono::seconds lifetime{std::chrono::hours(24 * 30)};  // how long one key signs
  std::chrono::seconds publish_ahead{std::chrono::hours(24 * 3)};
  std::chrono::seconds token_ttl{std::chrono::minutes(10)};  // usual access token lifetime
  std::chrono::seconds skew{std::chrono::seconds(60)};       // verifiers' clock tolerance
  std::chrono::seconds reload_interval{std::chrono::seconds(60)};
};

enum class KeyError {
  StoreFailed = 1,  // reading or writing keys failed (fail closed: nothing is signed)
  BadStoredKey,     // a stored private key does not parse as a P-256 key
  GenerateFailed,   // OpenSSL could not make a key (or, impossibly, no key signs after upkeep)
};

class KeyManager {
 public:
  // Loads the stored keys and brings the schedule up to date (creating a key if none signs).
  [[nodiscard]] static Result<std::unique_ptr<KeyManager>> create(
      std::shared_ptr<store::Store> store, const Clock& clock, KeyPolicy policy);
  virtual ~KeyManager() = default;

  // A compact JWS over `claims_json` (a JSON object) with header {"alg":"ES256","typ":typ,
  // "kid":...}, signed by the key that signs now (rotating first if due). The key stays
  // published at least until `expires` + skew.
  [[nodiscard]] virtual Result<std::string> sign(std::string_view typ, std::string_view claims_json,
                                                 Clock::time_point expires) = 0;

  // The published public keys as a JWK Set document (RFC 7517), kid = RFC 7638 thumbprint.
  [[nodiscard]] virtual Result<std::string> jwks() = 0;

  // Re-reads the keys from the store if `kid` is not among them, at most once per second
  // (a token signed by another process's new key). True if `kid` is now known.
  virtual bool refreshForKid(std::string_view kid) = 0;

  // The published public keys, for verifying our own tokens (shared, rebuilt when keys change).
  [[nodiscard]] virtual Result<std::shared_ptr<const auth::JwkSet>> verificationKeys() = 0;

  // The kid of the key that signs now (tests and diagnostics).
  [[nodiscard]] virtual Result<std::string> currentKid() = 0;
};

}  // namespace bastion::oauth
