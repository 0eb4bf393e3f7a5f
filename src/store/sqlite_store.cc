// store::Store over SQLite (the embedded default). One connection per Store, serialized by a mutex;
// several Store objects (or processes) on one file coordinate through SQLite's locks (WAL,
// busy_timeout, BEGIN IMMEDIATE). Times are stored as nanoseconds since the Unix epoch; string
// lists as JSON arrays.

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

namespace bastion::store {

namespace {

using sqlite::corrupt;
using sqlite::Database;
using sqlite::databaseError;
using sqlite::decodeList;
using sqlite::done;
using sqlite::encodeList;
using sqlite::fromDb;
using sqlite::notFound;
using sqlite::readClient;
using sqlite::readCode;
using sqlite::readRefresh;
using sqlite::row;
using sqlite::Statement;
using sqlite::toDb;
using sqlite::Transaction;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Result<void> putClient(const Client& c) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "INSERT INTO clients (client_id, secret_hash, auth_method, redirect_uris, grant_types, "
        "scopes, client_name, source, created, last_used) VALUES "
        "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
    if (!s) {
      return s.error();
    }
    s->bind(1, c.client_id)
        .bind(2, c.secret_hash)
        .bind(3, c.token_endpoint_auth_method)
        .bind(4, encodeList(c.redirect_uris))
        .bind(5, encodeList(c.grant_types))
        .bind(6, encodeList(c.scopes))
        .bind(7, c.client_name)
        .bind(8, static_cast<std::int64_t>(c.source))
        .bind(9, toDb(c.created))
        .bind(10, toDb(c.last_used));
    return done(*s);
  }

  Result<Client> getClient(std::string_view client_id) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "SELECT client_id, secret_hash, auth_method, redirect_uris, grant_types, scopes, "
        "client_name, source, created, last_used FROM clients WHERE client_id = ?1");
    if (!s) {
      return s.error();
    }
    s->bind(1, client_id);
    if (auto r = row(*s); !r) {
      return r.error();
    }
    return readClient(*s);
  }

  // Also deletes the client's codes and refresh tokens: a removed client keeps no grants.
  Result<void> deleteClient(std::string_view client_id) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
      return tx.error();
    }
    if (auto r = execWithId("DELETE FROM clients WHERE client_id = ?1", client_id); !r) {
      return r;
    }
    if (db_->changes() == 0) {
      return notFound();
    }
    if (auto r = execWithId("DELETE FROM codes WHERE client_id = ?1", client_id); !r) {
      return r;
    }
    if (auto r = execWithId("DELETE FROM refresh_tokens WHERE client_id = ?1", client_id); !r) {
      return r;
    }
    return tx->commit();
  }

  Result<void> touchClient(std::string_view client_id, TimePoint now) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare("UPDATE clients SET last_used = ?2 WHERE client_id = ?1");
    if (!s) {
      return s.error();
    }
    s->bind(1, client_id).bind(2, toDb(now));
    if (auto r = done(*s); !r) {
      return r;
    }
    return db_->changes() == 0 ? Result<void>(notFound()) : Result<void>();
  }

  Result<std::size_t> expireDynamicClients(TimePoint unused_since) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare("DELETE FROM clients WHERE source = ?1 AND max(created, last_used) < ?2");
    if (!s) {
      return s.error();
    }
    s->bind(1, static_cast<std::int64_t>(ClientSource::Dynamic)).bind(2, toDb(unused_since));
    if (auto r = done(*s); !r) {
      return r.error();
    }
    return static_cast<std::size_t>(db_->changes());
  }

  Result<std::vector<Client>> listClients() override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "SELECT client_id, secret_hash, auth_method, redirect_uris, grant_types, scopes, "
        "client_name, source, created, last_used FROM clients ORDER BY client_id");
    if (!s) {
      return s.error();
    }
    std::vector<Client> out;
    for (int rc = s->step();; rc = s->step()) {
      if (rc == SQLITE_DONE) {
        return out;
      }
      if (rc != SQLITE_ROW) {
        return databaseError(rc);
      }
      auto c = readClient(*s);
      if (!c) {
        return c.error();
      }
      out.push_back(std::move(*c));
    }
  }

  Result<void> putUser(const User& u) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "INSERT INTO users (name, password_hash, created) VALUES (?1, ?2, ?3) ON CONFLICT(name) "
        "DO UPDATE SET password_hash = excluded.password_hash");
    if (!s) {
      return s.error();
    }
    s->bind(1, u.name).bind(2, u.password_hash).bind(3, toDb(u.created));
    return done(*s);
  }

  Result<User> getUser(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare("SELECT name, password_hash, created FROM users WHERE name = ?1");
    if (!s) {
      return s.error();
    }
    s->bind(1, name);
    if (auto r = row(*s); !r) {
      return r.error();
    }
    return User{s->text(0), s->text(1), fromDb(s->integer(2))};
  }

  Result<void> deleteUser(std::string_view name) override {
    std::lock_guard lock(mu_);
    return deleteOne("DELETE FROM users WHERE name = ?1", name);
  }

  Result<void> putCode(const AuthorizationCode& c) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "INSERT INTO codes (code_hash, client_id, redirect_uri, code_challenge, resource, "
        "scopes, sub, family_id, expires, used) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
    if (!s) {
      return s.error();
    }
    s->bind(1, c.code_hash)
        .bind(2, c.client_id)
        .bind(3, c.redirect_uri)
        .bind(4, c.code_challenge)
        .bind(5, c.resource)
        .bind(6, encodeList(c.scopes))
        .bind(7, c.sub)
        .bind(8, c.family_id)
        .bind(9, toDb(c.expires))
        .bind(10, std::int64_t{c.used ? 1 : 0});
    return done(*s);
  }

  // The read and the mark happen under one write lock (BEGIN IMMEDIATE): of any number of
  // concurrent redemptions, exactly one sees used = 0.
  Result<AuthorizationCode> consumeCode(std::string_view code_hash,
                                        AuthorizationCode* replayed) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
      return tx.error();
    }
    auto selected = selectCode(code_hash);
    if (!selected) {
      return selected.error();
    }
    AuthorizationCode code = std::move(selected).value();
    if (code.used) {
      if (replayed != nullptr) {
        *replayed = code;
      }
      return Error(StoreError::AlreadyUsed, "authorization code already used");
    }
    if (auto r = execWithId("UPDATE codes SET used = 1 WHERE code_hash = ?1", code_hash); !r) {
      return r.error();
    }
    if (auto r = tx->commit(); !r) {
      return r.error();
    }
    code.used = true;
    return code;
  }

  Result<void> putRefresh(const RefreshToken& t) override {
    std::lock_guard lock(mu_);
    return insertRefresh(t);
  }

  Result<RefreshToken> getRefresh(std::string_view token_hash) override {
    std::lock_guard lock(mu_);
    return selectRefresh(token_hash);
  }

  // Same pattern as consumeCode: check rotated, mark it and insert the successor in one BEGIN
  // IMMEDIATE transaction.
  Result<void> rotateRefresh(std::string_view old_hash, const RefreshToken& next,
                             RefreshToken* replayed) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
      return tx.error();
    }
    auto old = selectRefresh(old_hash);
    if (!old) {
      return old.error();
    }
    if (old->rotated) {
      if (replayed != nullptr) {
        *replayed = *old;
      }
      return Error(StoreError::AlreadyUsed, "refresh token already rotated");
    }
    if (auto r =
            execWithId("UPDATE refresh_tokens SET rotated = 1 WHERE token_hash = ?1", old_hash);
        !r) {
      return r;
    }
    if (auto r = insertRefresh(next); !r) {
      return r;
    }
    return tx->commit();
  }

  Result<void> revokeFamily(std::string_view family_id, TimePoint now) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "INSERT INTO revoked_families (family_id, revoked_at) VALUES (?1, ?2) ON "
        "CONFLICT(family_id) DO NOTHING");
    if (!s) {
      return s.error();
    }
    s->bind(1, family_id).bind(2, toDb(now));
    return done(*s);
  }

  Result<bool> isFamilyRevoked(std::string_view family_id) override {
    std::lock_guard lock(mu_);
    return exists("SELECT 1 FROM revoked_families WHERE family_id = ?1", family_id);
  }

  // Inclusive of `since`, so a revocation stamped at the previous poll's instant is not missed.
  Result<std::vector<std::string>> revokedFamiliesSince(TimePoint since) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare("SELECT family_id FROM revoked_families WHERE revoked_at >= ?1");
    if (!s) {
      return s.error();
    }
    s->bind(1, toDb(since));
    std::vector<std::string> out;
    for (int rc = s->step();; rc = s->step()) {
      if (rc == SQLITE_DONE) {
        return out;
      }
      if (rc != SQLITE_ROW) {
        return databaseError(rc);
      }
      out.push_back(s->text(0));
    }
  }

  Result<void> revokeJti(std::string_view jti, TimePoint expires) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "INSERT INTO revoked_jti (jti, expires) VALUES (?1, ?2) ON CONFLICT(jti) DO UPDATE SET "
        "expires = max(expires, excluded.expires)");
    if (!s) {
      return s.error();
    }
    s->bind(1, jti).bind(2, toDb(expires));
    return done(*s);
  }

  Result<bool> isJtiRevoked(std::string_view jti) override {
    std::lock_guard lock(mu_);
    return exists("SELECT 1 FROM revoked_jti WHERE jti = ?1", jti);
  }

  Result<void> putConsent(const Consent& c) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "INSERT INTO consents (user, client_id, scopes, granted) VALUES (?1, ?2, ?3, ?4) ON "
        "CONFLICT(user, client_id) DO UPDATE SET scopes = excluded.scopes, granted = "
        "excluded.granted");
    if (!s) {
      return s.error();
    }
    s->bind(1, c.user).bind(2, c.client_id).bind(3, encodeList(c.scopes)).bind(4, toDb(c.granted));
    const int rc = s->step();
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return notFound();  // no such user
    }
    return rc == SQLITE_DONE ? Result<void>() : Result<void>(databaseError(rc));
  }

  Result<Consent> getConsent(std::string_view user, std::string_view client_id) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "SELECT user, client_id, scopes, granted FROM consents WHERE user = ?1 AND client_id = "
        "?2");
    if (!s) {
      return s.error();
    }
    s->bind(1, user).bind(2, client_id);
    if (auto r = row(*s); !r) {
      return r.error();
    }
    auto scopes = decodeList(s->text(2));
    if (!scopes) {
      return corrupt();
    }
    return Consent{s->text(0), s->text(1), std::move(*scopes), fromDb(s->integer(3))};
  }

  Result<void> revokeConsent(std::string_view user, std::string_view client_id) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare("DELETE FROM consents WHERE user = ?1 AND client_id = ?2");
    if (!s) {
      return s.error();
    }
    s->bind(1, user).bind(2, client_id);
    if (auto r = done(*s); !r) {
      return r;
    }
    return db_->changes() == 0 ? Result<void>(notFound()) : Result<void>();
  }

  // An existing kid keeps its key; retire_after and remove_after only move later, so a process
  // holding a stale copy cannot cut short what another process extended.
  Result<void> putSigningKey(const SigningKey& k) override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "INSERT INTO signing_keys (kid, private_pem, created, signs_from, retire_after, "
        "remove_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(kid) DO UPDATE SET signs_from "
        "= excluded.signs_from, retire_after = max(retire_after, excluded.retire_after), "
        "remove_after = max(remove_after, excluded.remove_after)");
    if (!s) {
      return s.error();
    }
    s->bind(1, k.kid)
        .bind(2, k.private_pem)
        .bind(3, toDb(k.created))
        .bind(4, toDb(k.signs_from))
        .bind(5, toDb(k.retire_after))
        .bind(6, toDb(k.remove_after));
    return done(*s);
  }

  Result<std::vector<SigningKey>> signingKeys() override {
    std::lock_guard lock(mu_);
    auto s = db_->prepare(
        "SELECT kid, private_pem, created, signs_from, retire_after, remove_after FROM "
        "signing_keys ORDER BY created DESC, kid DESC");
    if (!s) {
      return s.error();
    }
    std::vector<SigningKey> out;
    for (int rc = s->step();; rc = s->step()) {
      if (rc == SQLITE_DONE) {
        return out;
      }
      if (rc != SQLITE_ROW) {
        return databaseError(rc);
      }
      out.push_back(SigningKey{s->text(0), s->text(1), fromDb(s->integer(2)), fromDb(s->integer(3)),
                               fromDb(s->integer(4)), fromDb(s->integer(5))});
    }
  }

  Result<void> deleteSigningKey(std::string_view kid) override {
    std::lock_guard lock(mu_);
    return deleteOne("DELETE FROM signing_keys WHERE kid = ?1", kid);
  }

  // Rotated refresh tokens stay until they expire: until then a replay must still be caught.
  // Revoked families are kept (they are small and a family's tokens have no common end).
  Result<std::size_t> purgeExpired(TimePoint now) override {
    static constexpr std::array<const char*, 4> kPurges = {
        "DELETE FROM codes WHERE expires <= ?1",
        "DELETE FROM refresh_tokens WHERE expires <= ?1",
        "DELETE FROM revoked_jti WHERE expires <= ?1",
        "DELETE FROM signing_keys WHERE remove_after <= ?1",
    };
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
      return tx.error();
    }
    std::size_t deleted = 0;
    for (const char* sql : kPurges) {
      auto s = db_->prepare(sql);
      if (!s) {
        return s.error();
      }
      s->bind(1, toDb(now));
      if (auto r = done(*s); !r) {
        return r.error();
      }
      deleted += static_cast<std::size_t>(db_->changes());
    }
    if (auto r = tx->commit(); !r) {
      return r.error();
    }
    return deleted;
  }

  Result<void> migrate() {
    std::lock_guard lock(mu_);
    return db_->migrate(sqlite::migrations());
  }

 private:
  // Helpers below expect mu_ held.
  Result<void> execWithId(const char* sql, std::string_view id) {
    auto s = db_->prepare(sql);
    if (!s) {
      return s.error();
    }
    s->bind(1, id);
    return done(*s);
  }

  Result<void> deleteOne(const char* sql, std::string_view id) {
    if (auto r = execWithId(sql, id); !r) {
      return r;
    }
    return db_->changes() == 0 ? Result<void>(notFound()) : Result<void>();
  }

  Result<bool> exists(const char* sql, std::string_view id) {
    auto s = db_->prepare(sql);
    if (!s) {
      return s.error();
    }
    s->bind(1, id);
    const int rc = s->step();
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return databaseError(rc);
  }

  Result<AuthorizationCode> selectCode(std::string_view code_hash) {
    auto s = db_->prepare(
        "SELECT code_hash, client_id, redirect_uri, code_challenge, resource, scopes, sub, "
        "family_id, expires, used FROM codes WHERE code_hash = ?1");
    if (!s) {
      return s.error();
    }
    s->bind(1, code_hash);
    if (auto r = row(*s); !r) {
      return r.error();
    }
    return readCode(*s);
  }

  Result<RefreshToken> selectRefresh(std::string_view token_hash) {
    auto s = db_->prepare(
        "SELECT token_hash, family_id, client_id, sub, resource, scopes, expires, rotated FROM "
        "refresh_tokens WHERE token_hash = ?1");
    if (!s) {
      return s.error();
    }
    s->bind(1, token_hash);
    if (auto r = row(*s); !r) {
      return r.error();
    }
    return readRefresh(*s);
  }

  Result<void> insertRefresh(const RefreshToken& t) {
    auto s = db_->prepare(
        "INSERT INTO refresh_tokens (token_hash, family_id, client_id, sub, resource, scopes, "
        "expires, rotated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!s) {
      return s.error();
    }
    s->bind(1, t.token_hash)
        .bind(2, t.family_id)
        .bind(3, t.client_id)
        .bind(4, t.sub)
        .bind(5, t.resource)
        .bind(6, encodeList(t.scopes))
        .bind(7, toDb(t.expires))
        .bind(8, std::int64_t{t.rotated ? 1 : 0});
    return done(*s);
  }

  std::mutex mu_;
  std::unique_ptr<Database> db_;  // guarded by mu_ (with its statement cache)
};

}  // namespace

Result<std::shared_ptr<Store>> openStore(std::string_view url) {
  constexpr std::string_view kFile = "sqlite://";
  constexpr std::string_view kMemory = "sqlite::memory:";
  std::string path;
  if (url == kMemory) {
    path = ":memory:";
  } else if (url.starts_with(kFile) && url.size() > kFile.size()) {
    path = std::string(url.substr(kFile.size()));
  } else {
    return Error(StoreError::Unavailable, "store URL must be sqlite://PATH or sqlite::memory:");
  }
  auto db = Database::open(path);
  if (!db) {
    return db.error();
  }
  auto store = std::make_shared<SqliteStore>(std::move(*db));
  if (auto r = store->migrate(); !r) {
    return r.error();
  }
  return std::shared_ptr<Store>(std::move(store));
}

}  // namespace bastion::store
