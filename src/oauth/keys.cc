#include "oauth/keys.h"

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>

#include "auth/jwt.h"
#include "core/crypto.h"

namespace bastion::oauth {

namespace {

using TimePoint = Clock::time_point;

Error keyError(KeyError code, std::string message) { return Error(code, std::move(message)); }

struct PublicJwk {
  std::string kid;
  boost::json::object jwk;  // kty, crv, x, y, kid, alg, use
};

// The public JWK of `key` with kid = its RFC 7638 thumbprint (SHA-256 over the required members
// in lexicographic order, no whitespace), so a kid names exactly one key.
std::optional<PublicJwk> publicJwk(evp_pkey_st* key) {
  auto text = auth::publicJwkJson(key, "pending", auth::JwsAlg::ES256);
  boost::system::error_code ec;
  auto parsed = text ? boost::json::parse(*text, ec) : boost::json::value{};
  if (!text || ec || !parsed.is_object()) {
    return std::nullopt;
  }
  auto& jwk = parsed.as_object();
  const auto* x = jwk.if_contains("x");
  const auto* y = jwk.if_contains("y");
  if (x == nullptr || y == nullptr || !x->is_string() || !y->is_string()) {
    return std::nullopt;
  }
  const std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" +
                                std::string(x->get_string()) + R"(","y":")" +
                                std::string(y->get_string()) + R"("})";
  PublicJwk out;
  out.kid = crypto::base64UrlEncode(crypto::sha256(canonical));
  jwk["kid"] = out.kid;
  if (!auth::parseJwk(boost::json::serialize(jwk))) {
    return std::nullopt;  // what we publish must be what verifiers accept
  }
  out.jwk = std::move(jwk);
  return out;
}

struct LiveKey {
  store::SigningKey record;
  auth::UniquePkey key;  // private
  PublicJwk pub;
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
    return auth::signEs256(current->key.get(), current->record.kid, typ, claims_json);
  }

  Result<std::string> jwks() override {
    std::lock_guard lock(mu_);
    if (auto r = maintain(clock_.now()); !r) {
      return r.error();
    }
    boost::json::array keys;
    for (const auto& k : keys_) {
      keys.push_back(k.pub.jwk);
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

  Result<std::shared_ptr<const auth::JwkSet>> verificationKeys() override {
    std::lock_guard lock(mu_);
    if (auto r = maintain(clock_.now()); !r) {
      return r.error();
    }
    if (!key_set_) {
      auto set = std::make_shared<auth::JwkSet>();
      for (const auto& k : keys_) {
        auto copy = auth::parseJwk(boost::json::serialize(k.pub.jwk));
        if (!copy) {
          return keyError(KeyError::BadStoredKey, "a published key does not parse");
        }
        set->keys.push_back(std::move(*copy));
      }
      key_set_ = std::move(set);
    }
    return key_set_;
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

  void changed() { key_set_.reset(); }

  bool knows(std::string_view kid) const {
    return std::any_of(keys_.begin(), keys_.end(),
                       [&](const LiveKey& k) { return k.record.kid == kid; });
  }

  Result<void> reload() {
    auto stored = store_->signingKeys();
    if (!stored) {
      return keyError(KeyError::StoreFailed, "cannot read signing keys");
    }
    // Values moved out of the results (not operator* / operator->): GCC 12 -O2 sees null paths.
    std::vector<store::SigningKey> records = std::move(stored).value();
    std::vector<LiveKey> loaded;
    for (auto& record : records) {
      auto parsed = auth::es256KeyFromPem(record.private_pem);
      if (!parsed) {
        return keyError(KeyError::BadStoredKey, "a stored signing key is unusable");
      }
      auth::UniquePkey key = std::move(parsed).value();
      auto jwk = publicJwk(key.get());
      if (!jwk || jwk->kid != record.kid) {
        return keyError(KeyError::BadStoredKey, "a stored signing key is unusable");
      }
      loaded.push_back(LiveKey{std::move(record), std::move(key), std::move(jwk).value()});
    }
    keys_ = std::move(loaded);
    changed();
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
    // Values moved out of the results (not operator* / operator->): GCC 12 -O2 sees null paths.
    auto generated = auth::generateEs256Key();
    if (!generated) {
      return keyError(KeyError::GenerateFailed, "cannot generate a P-256 key");
    }
    auth::UniquePkey key = std::move(generated).value();
    auto pem = auth::privateKeyToPem(key.get());
    auto jwk = publicJwk(key.get());
    if (!pem || !jwk) {
      return keyError(KeyError::GenerateFailed, "cannot generate a P-256 key");
    }
    PublicJwk pub = std::move(jwk).value();
    store::SigningKey record;
    record.kid = pub.kid;
    record.private_pem = std::move(pem).value();
    record.created = now;
    record.signs_from = signs_from;
    record.retire_after = signs_from + policy_.lifetime;
    record.remove_after = record.retire_after + policy_.token_ttl + policy_.skew;
    if (!store_->putSigningKey(record)) {
      return keyError(KeyError::StoreFailed, "cannot store signing key");
    }
    keys_.insert(keys_.begin(), LiveKey{std::move(record), std::move(key), std::move(pub)});
    changed();
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
        changed();
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
  std::shared_ptr<const auth::JwkSet> key_set_;  // GUARDED_BY(mu_); null: rebuild
  std::vector<LiveKey> keys_;                    // GUARDED_BY(mu_), newest first
  TimePoint next_reload_{};                      // GUARDED_BY(mu_)
  TimePoint last_kid_reload_{};                  // GUARDED_BY(mu_)
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
