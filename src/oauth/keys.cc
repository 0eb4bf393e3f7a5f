#include "oauth/keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>

#include "core/crypto.h"

namespace bastion::oauth {

// PENDING: the "jwt" helper's ES256 signer (src/auth/jwt.h) replaces this declaration.
Result<std::string> signJwsEs256(EVP_PKEY* key, std::string_view kid, std::string_view typ,
                                 std::string_view claims_json);

namespace {

using TimePoint = Clock::time_point;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using UniquePkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using UniqueBio = std::unique_ptr<BIO, BioFree>;
using UniqueBn = std::unique_ptr<BIGNUM, BnFree>;

Error keyError(KeyError code, std::string message) { return Error(code, std::move(message)); }

std::optional<std::string> privatePem(EVP_PKEY* key) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return std::nullopt;
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || data == nullptr) {
    return std::nullopt;
  }
  return std::string(data, static_cast<std::size_t>(n));
}

// A stored key must be an EC key on P-256: anything else is refused, not used.
UniquePkey parsePrivatePem(const std::string& pem) {
  if (pem.size() > 16 * 1024) {
    return nullptr;
  }
  UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return nullptr;
  }
  UniquePkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || !EVP_PKEY_is_a(key.get(), "EC")) {
    return nullptr;
  }
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &len) != 1 ||
      std::string_view(group, len) != "prime256v1") {
    return nullptr;
  }
  return key;
}

std::optional<std::string> coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return std::nullopt;
  }
  UniqueBn bn(raw);
  std::string out(32, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), 32) != 32) {
    return std::nullopt;
  }
  return crypto::base64UrlEncode(out);
}

struct PublicJwk {
  std::string kid;
  boost::json::object jwk;
};

// The public JWK with kid = RFC 7638 thumbprint (SHA-256 over the required members in
// lexicographic order, no whitespace).
std::optional<PublicJwk> publicJwk(EVP_PKEY* key) {
  auto x = coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X);
  auto y = coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) {
    return std::nullopt;
  }
  const std::string canonical =
      R"({"crv":"P-256","kty":"EC","x":")" + *x + R"(","y":")" + *y + R"("})";
  PublicJwk out;
  out.kid = crypto::base64UrlEncode(crypto::sha256(canonical));
  out.jwk = {{"kty", "EC"},    {"crv", "P-256"}, {"x", *x},     {"y", *y},
             {"kid", out.kid}, {"alg", "ES256"}, {"use", "sig"}};
  return out;
}

struct LiveKey {
  store::SigningKey record;
  UniquePkey key;
  boost::json::object jwk;
};

class StoredKeyManager final : public KeyManager {
 public:
  StoredKeyManager(std::shared_ptr<store::Store> store, const Clock& clock, KeyPolicy policy)
      : store_(std::move(store)), clock_(clock), policy_(policy) {}

  Result<void> start() {
    std::lock_guard lock(mu_);
    if (auto r = reload(); !r) {
      return r;
    }
    return maintain(clock_.now());
  }

  Result<std::string> sign(std::string_view typ, std::string_view claims_json,
                           TimePoint expires) override {
    std::lock_guard lock(mu_);
    const auto now = clock_.now();
    if (auto r = maintain(now); !r) {
      return r.error();
    }
    LiveKey* current = signingKeyAt(now);
    if (current == nullptr) {
      return keyError(KeyError::GenerateFailed, "no signing key");
    }
    // Whatever the token's lifetime, its key stays published until it has expired.
    const TimePoint needed = expires + policy_.skew;
    if (needed > current->record.remove_after) {
      current->record.remove_after = needed;
      if (!store_->putSigningKey(current->record)) {
        return keyError(KeyError::StoreFailed, "cannot store signing key");
      }
    }
    return signJwsEs256(current->key.get(), current->record.kid, typ, claims_json);
  }

  Result<std::string> jwks() override {
    std::lock_guard lock(mu_);
    if (auto r = maintain(clock_.now()); !r) {
      return r.error();
    }
    boost::json::array keys;
    for (const auto& k : keys_) {
      keys.push_back(k.jwk);
    }
    return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
  }

  bool refreshForKid(std::string_view kid) override {
    std::lock_guard lock(mu_);
    if (knows(kid)) {
      return true;
    }
    const auto now = clock_.now();
    if (now < last_kid_reload_ + std::chrono::seconds(1)) {
      return false;
    }
    last_kid_reload_ = now;
    return reload() && knows(kid);
  }

  Result<std::string> currentKid() override {
    std::lock_guard lock(mu_);
    const auto now = clock_.now();
    if (auto r = maintain(now); !r) {
      return r.error();
    }
    LiveKey* current = signingKeyAt(now);
    if (current == nullptr) {
      return keyError(KeyError::GenerateFailed, "no signing key");
    }
    return current->record.kid;
  }

 private:
  // Helpers below expect mu_ held.

  bool knows(std::string_view kid) const {
    return std::any_of(keys_.begin(), keys_.end(),
                       [&](const LiveKey& k) { return k.record.kid == kid; });
  }

  Result<void> reload() {
    auto stored = store_->signingKeys();
    if (!stored) {
      return keyError(KeyError::StoreFailed, "cannot read signing keys");
    }
    std::vector<LiveKey> loaded;
    for (auto& record : *stored) {
      UniquePkey key = parsePrivatePem(record.private_pem);
      auto jwk = key ? publicJwk(key.get()) : std::nullopt;
      if (!jwk || jwk->kid != record.kid) {
        return keyError(KeyError::BadStoredKey, "a stored signing key is unusable");
      }
      loaded.push_back(LiveKey{std::move(record), std::move(key), std::move(jwk->jwk)});
    }
    keys_ = std::move(loaded);
    next_reload_ = clock_.now() + policy_.reload_interval;
    return {};
  }

  // The key that signs at `now`: among those whose signing window contains `now`, the one that
  // started last (a successor takes over as soon as its window opens).
  LiveKey* signingKeyAt(TimePoint now) {
    LiveKey* best = nullptr;
    for (auto& k : keys_) {
      if (k.record.signs_from <= now && now < k.record.retire_after &&
          (best == nullptr || k.record.signs_from > best->record.signs_from)) {
        best = &k;
      }
    }
    return best;
  }

  Result<void> generate(TimePoint now, TimePoint signs_from) {
    UniquePkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    auto pem = key ? privatePem(key.get()) : std::nullopt;
    auto jwk = key ? publicJwk(key.get()) : std::nullopt;
    if (!pem || !jwk) {
      return keyError(KeyError::GenerateFailed, "cannot generate a P-256 key");
    }
    store::SigningKey record;
    record.kid = jwk->kid;
    record.private_pem = std::move(*pem);
    record.created = now;
    record.signs_from = signs_from;
    record.retire_after = signs_from + policy_.lifetime;
    record.remove_after = record.retire_after + policy_.token_ttl + policy_.skew;
    if (!store_->putSigningKey(record)) {
      return keyError(KeyError::StoreFailed, "cannot store signing key");
    }
    keys_.insert(keys_.begin(), LiveKey{std::move(record), std::move(key), std::move(jwk->jwk)});
    return {};
  }

  // Brings the schedule up to `now`: forgets removed keys, makes sure one key signs, and
  // publishes a successor `publish_ahead` before the current key retires.
  Result<void> maintain(TimePoint now) {
    if (now >= next_reload_) {
      if (auto r = reload(); !r) {
        return r;
      }
    }
    for (auto it = keys_.begin(); it != keys_.end();) {
      if (it->record.remove_after <= now) {
        (void)store_->deleteSigningKey(it->record.kid);  // another process may have done it
        it = keys_.erase(it);
      } else {
        ++it;
      }
    }
    LiveKey* current = signingKeyAt(now);
    if (current == nullptr) {
      return generate(now, now);  // first start, or every key retired while we were down
    }
    const bool has_successor = std::any_of(keys_.begin(), keys_.end(), [&](const LiveKey& k) {
      return k.record.signs_from >= current->record.retire_after;
    });
    if (has_successor || now < current->record.retire_after - policy_.publish_ahead) {
      return {};
    }
    // Late (the server was down near the hand-over): the current key signs on until the
    // successor has been published for the full lead time.
    const TimePoint start = std::max(current->record.retire_after, now + policy_.publish_ahead);
    if (start > current->record.retire_after) {
      current->record.retire_after = start;
      current->record.remove_after =
          std::max(current->record.remove_after, start + policy_.token_ttl + policy_.skew);
      if (!store_->putSigningKey(current->record)) {
        return keyError(KeyError::StoreFailed, "cannot store signing key");
      }
    }
    return generate(now, start);
  }

  const std::shared_ptr<store::Store> store_;
  const Clock& clock_;
  const KeyPolicy policy_;

  std::mutex mu_;
  std::vector<LiveKey> keys_;    // GUARDED_BY(mu_), newest first
  TimePoint next_reload_{};      // GUARDED_BY(mu_)
  TimePoint last_kid_reload_{};  // GUARDED_BY(mu_)
};

}  // namespace

Result<std::unique_ptr<KeyManager>> KeyManager::create(std::shared_ptr<store::Store> store,
                                                       const Clock& clock, KeyPolicy policy) {
  auto manager = std::make_unique<StoredKeyManager>(std::move(store), clock, policy);
  if (auto r = manager->start(); !r) {
    return r.error();
  }
  return std::unique_ptr<KeyManager>(std::move(manager));
}

}  // namespace bastion::oauth
