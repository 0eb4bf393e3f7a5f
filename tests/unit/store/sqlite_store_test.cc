// The SQLite store: every Store method, atomic replay detection under concurrency, and what reaches
// the database file (private modes, hashes only).

// GCC 12 at -O2 reports checked boost::system::result values and std::istreambuf_iterator
// internals as potential null dereferences (false positives).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "core/crypto.h"
#include "core/random.h"
#include "store/store.h"

namespace bastion::store {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const TimePoint kT0{std::chrono::seconds(1'800'000'000)};

int code(const Error& e) { return e.code; }
int code(StoreError e) { return static_cast<int>(e); }

std::shared_ptr<Store> memoryStore() {
  auto s = openStore("sqlite::memory:");
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return s ? *s : nullptr;
}

// A private temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bastion-store-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::shared_ptr<Store> fileStore(const std::filesystem::path& file) {
  auto s = openStore("sqlite://" + file.string());
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return s ? *s : nullptr;
}

Client sampleClient(std::string id = "client-1") {
  Client c;
  c.client_id = std::move(id);
  c.secret_hash = std::string(64, 'a');
  c.token_endpoint_auth_method = "client_secret_basic";
  c.redirect_uris = {"http://127.0.0.1/cb", "https://app.example/cb"};
  c.grant_types = {"authorization_code", "refresh_token"};
  c.scopes = {"files:read", "files:write"};
  c.client_name = "Sample \"app\"";
  c.source = ClientSource::Dynamic;
  c.created = kT0;
  c.last_used = kT0;
  return c;
}

AuthorizationCode sampleCode(std::string hash = std::string(64, 'c')) {
  AuthorizationCode c;
  c.code_hash = std::move(hash);
  c.client_id = "client-1";
  c.redirect_uri = "http://127.0.0.1/cb";
  c.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  c.resource = "http://127.0.0.1:8080/mcp";
  c.scopes = {"files:read"};
  c.sub = "alice";
  c.family_id = "fam-1";
  c.expires = kT0 + seconds(60);
  return c;
}

RefreshToken sampleRefresh(std::string hash, std::string family = "fam-1") {
  RefreshToken t;
  t.token_hash = std::move(hash);
  t.family_id = std::move(family);
  t.client_id = "client-1";
  t.sub = "alice";
  t.resource = "http://127.0.0.1:8080/mcp";
  t.scopes = {"files:read", "files:write"};
  t.expires = kT0 + hours(24);
  return t;
}

std::string readAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---------------------------------------------------------------------------------------------
// Clients

TEST(SqliteStoreClients, RoundTripsEveryField) {
  // A stored client reads back identical, including quotes that would break string-built SQL.
  auto store = memoryStore();
  Client c = sampleClient("it's; DROP TABLE clients; --");
  ASSERT_TRUE(store->putClient(c));
  auto got = store->getClient(c.client_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->client_id, c.client_id);
  EXPECT_EQ(got->secret_hash, c.secret_hash);
  EXPECT_EQ(got->token_endpoint_auth_method, c.token_endpoint_auth_method);
  EXPECT_EQ(got->redirect_uris, c.redirect_uris);
  EXPECT_EQ(got->grant_types, c.grant_types);
  EXPECT_EQ(got->scopes, c.scopes);
  EXPECT_EQ(got->client_name, c.client_name);
  EXPECT_EQ(got->source, ClientSource::Dynamic);
  EXPECT_EQ(got->created, c.created);
  EXPECT_EQ(got->last_used, c.last_used);
}

TEST(SqliteStoreClients, DuplicateIdIsAlreadyExists) {
  // Registering over an existing client_id must not replace it (client impersonation).
  auto store = memoryStore();
  ASSERT_TRUE(store->putClient(sampleClient()));
  Client other = sampleClient();
  other.secret_hash = std::string(64, 'b');
  auto r = store->putClient(other);
  ASSERT_FALSE(r);
  EXPECT_EQ(code(r.error()), code(StoreError::AlreadyExists));
  EXPECT_EQ(store->getClient("client-1")->secret_hash, std::string(64, 'a'));
}

TEST(SqliteStoreClients, MissingIsNotFound) {
  // Unknown ids are NotFound for get, delete and touch.
  auto store = memoryStore();
  EXPECT_EQ(code(store->getClient("nope").error()), code(StoreError::NotFound));
  EXPECT_EQ(code(store->deleteClient("nope").error()), code(StoreError::NotFound));
  EXPECT_EQ(code(store->touchClient("nope", kT0).error()), code(StoreError::NotFound));
}

TEST(SqliteStoreClients, DeleteRemovesClientAndItsGrants) {
  // A removed client keeps no codes or refresh tokens; other clients' grants survive.
  auto store = memoryStore();
  ASSERT_TRUE(store->putClient(sampleClient()));
  ASSERT_TRUE(store->putCode(sampleCode()));
  ASSERT_TRUE(store->putRefresh(sampleRefresh("r1")));
  RefreshToken other = sampleRefresh("r2", "fam-2");
  other.client_id = "client-2";
  ASSERT_TRUE(store->putRefresh(other));
  ASSERT_TRUE(store->deleteClient("client-1"));
  EXPECT_EQ(code(store->getClient("client-1").error()), code(StoreError::NotFound));
  EXPECT_EQ(code(store->consumeCode(sampleCode().code_hash, nullptr).error()),
            code(StoreError::NotFound));
  EXPECT_EQ(code(store->getRefresh("r1").error()), code(StoreError::NotFound));
  EXPECT_TRUE(store->getRefresh("r2"));
}

TEST(SqliteStoreClients, TouchUpdatesLastUsed) {
  // touchClient records use, which keeps dynamic clients from expiring.
  auto store = memoryStore();
  ASSERT_TRUE(store->putClient(sampleClient()));
  ASSERT_TRUE(store->touchClient("client-1", kT0 + hours(5)));
  EXPECT_EQ(store->getClient("client-1")->last_used, kT0 + hours(5));
}

TEST(SqliteStoreClients, ExpireDeletesOnlyUnusedDynamicClients) {
  // Unused dynamic registrations expire; used ones and pre-registered ones stay.
  auto store = memoryStore();
  Client stale = sampleClient("stale");
  Client used = sampleClient("used");
  Client pre = sampleClient("pre");
  pre.source = ClientSource::Preregistered;
  for (const auto& c : {stale, used, pre}) {
    ASSERT_TRUE(store->putClient(c));
  }
  ASSERT_TRUE(store->touchClient("used", kT0 + hours(48)));
  auto n = store->expireDynamicClients(kT0 + hours(24));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(store->getClient("stale"));
  EXPECT_TRUE(store->getClient("used"));
  EXPECT_TRUE(store->getClient("pre"));
}

TEST(SqliteStoreClients, ListIsSortedById) {
  // listClients returns every client, ordered by client_id.
  auto store = memoryStore();
  for (const char* id : {"b", "c", "a"}) {
    ASSERT_TRUE(store->putClient(sampleClient(id)));
  }
  auto all = store->listClients();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].client_id, "a");
  EXPECT_EQ((*all)[2].client_id, "c");
}

// ---------------------------------------------------------------------------------------------
// Users and consent

TEST(SqliteStoreUsers, PutReplacesPasswordKeepsCreated) {
  // putUser on an existing name replaces the password hash only.
  auto store = memoryStore();
  ASSERT_TRUE(store->putUser({"alice", "$argon2id$old", kT0}));
  ASSERT_TRUE(store->putUser({"alice", "$argon2id$new", kT0 + hours(1)}));
  auto u = store->getUser("alice");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password_hash, "$argon2id$new");
  EXPECT_EQ(u->created, kT0);
  EXPECT_EQ(code(store->getUser("bob").error()), code(StoreError::NotFound));
}

TEST(SqliteStoreUsers, DeleteUserDropsTheirConsents) {
  // A deleted user's remembered consents go with them (foreign key cascade).
  auto store = memoryStore();
  ASSERT_TRUE(store->putUser({"alice", "$argon2id$x", kT0}));
  ASSERT_TRUE(store->putConsent({"alice", "client-1", {"files:read"}, kT0}));
  ASSERT_TRUE(store->deleteUser("alice"));
  EXPECT_EQ(code(store->getConsent("alice", "client-1").error()), code(StoreError::NotFound));
  EXPECT_EQ(code(store->deleteUser("alice").error()), code(StoreError::NotFound));
}

TEST(SqliteStoreConsent, PutGetReplaceRevoke) {
  // Consent is one row per (user, client): a new grant replaces the old; revoke deletes it.
  auto store = memoryStore();
  ASSERT_TRUE(store->putUser({"alice", "$argon2id$x", kT0}));
  ASSERT_TRUE(store->putConsent({"alice", "client-1", {"files:read"}, kT0}));
  ASSERT_TRUE(store->putConsent({"alice", "client-1", {"a", "b"}, kT0 + hours(1)}));
  auto c = store->getConsent("alice", "client-1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scopes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->granted, kT0 + hours(1));
  ASSERT_TRUE(store->revokeConsent("alice", "client-1"));
  EXPECT_FALSE(store->getConsent("alice", "client-1"));
  EXPECT_EQ(code(store->revokeConsent("alice", "client-1").error()), code(StoreError::NotFound));
}

TEST(SqliteStoreConsent, ConsentForUnknownUserRefused) {
  // Consent cannot be recorded for a user who does not exist.
  auto store = memoryStore();
  auto r = store->putConsent({"ghost", "client-1", {"a"}, kT0});
  ASSERT_FALSE(r);
  EXPECT_EQ(code(r.error()), code(StoreError::NotFound));
}

// ---------------------------------------------------------------------------------------------
// Codes and refresh tokens

TEST(SqliteStoreCodes, ConsumeReturnsCodeOnce) {
  // The first consume returns the code marked used; the second is AlreadyUsed with the record.
  auto store = memoryStore();
  ASSERT_TRUE(store->putCode(sampleCode()));
  auto first = store->consumeCode(sampleCode().code_hash, nullptr);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->used);
  EXPECT_EQ(first->family_id, "fam-1");
  EXPECT_EQ(first->scopes, sampleCode().scopes);
  EXPECT_EQ(first->expires, sampleCode().expires);
  AuthorizationCode replayed;
  auto second = store->consumeCode(sampleCode().code_hash, &replayed);
  ASSERT_FALSE(second);
  EXPECT_EQ(code(second.error()), code(StoreError::AlreadyUsed));
  EXPECT_EQ(replayed.family_id, "fam-1");
  EXPECT_EQ(replayed.client_id, "client-1");
}

TEST(SqliteStoreCodes, UnknownAndDuplicate) {
  // An unknown code is NotFound; the same hash cannot be stored twice.
  auto store = memoryStore();
  EXPECT_EQ(code(store->consumeCode("x", nullptr).error()), code(StoreError::NotFound));
  ASSERT_TRUE(store->putCode(sampleCode()));
  EXPECT_EQ(code(store->putCode(sampleCode()).error()), code(StoreError::AlreadyExists));
}

TEST(SqliteStoreRefresh, RotateMarksOldAndInsertsNext) {
  // Rotation marks the presented token rotated and stores its successor in the same family.
  auto store = memoryStore();
  ASSERT_TRUE(store->putRefresh(sampleRefresh("r1")));
  ASSERT_TRUE(store->rotateRefresh("r1", sampleRefresh("r2"), nullptr));
  EXPECT_TRUE(store->getRefresh("r1")->rotated);
  auto next = store->getRefresh("r2");
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->rotated);
  EXPECT_EQ(next->family_id, "fam-1");
  EXPECT_EQ(next->scopes, sampleRefresh("r2").scopes);
  EXPECT_EQ(next->expires, sampleRefresh("r2").expires);
}

TEST(SqliteStoreRefresh, RotatingARotatedTokenIsAlreadyUsed) {
  // Presenting a rotated token again is a replay: AlreadyUsed, the record, and no new row.
  auto store = memoryStore();
  ASSERT_TRUE(store->putRefresh(sampleRefresh("r1")));
  ASSERT_TRUE(store->rotateRefresh("r1", sampleRefresh("r2"), nullptr));
  RefreshToken replayed;
  auto r = store->rotateRefresh("r1", sampleRefresh("r3"), &replayed);
  ASSERT_FALSE(r);
  EXPECT_EQ(code(r.error()), code(StoreError::AlreadyUsed));
  EXPECT_EQ(replayed.family_id, "fam-1");
  EXPECT_FALSE(store->getRefresh("r3"));
  EXPECT_EQ(code(store->rotateRefresh("zz", sampleRefresh("r4"), nullptr).error()),
            code(StoreError::NotFound));
}

TEST(SqliteStoreRefresh, FailedRotationLeavesOldTokenUsable) {
  // If the successor cannot be stored the whole rotation rolls back (atomicity).
  auto store = memoryStore();
  ASSERT_TRUE(store->putRefresh(sampleRefresh("r1")));
  ASSERT_TRUE(store->putRefresh(sampleRefresh("taken")));
  ASSERT_FALSE(store->rotateRefresh("r1", sampleRefresh("taken"), nullptr));
  EXPECT_FALSE(store->getRefresh("r1")->rotated);
  EXPECT_TRUE(store->rotateRefresh("r1", sampleRefresh("r2"), nullptr));
}

// ---------------------------------------------------------------------------------------------
// Revocation

TEST(SqliteStoreRevocation, FamiliesAndSince) {
  // A revoked family is reported, and revokedFamiliesSince returns those at or after `since`.
  auto store = memoryStore();
  EXPECT_FALSE(*store->isFamilyRevoked("f1"));
  ASSERT_TRUE(store->revokeFamily("f1", kT0));
  ASSERT_TRUE(store->revokeFamily("f2", kT0 + seconds(10)));
  ASSERT_TRUE(store->revokeFamily("f1", kT0 + seconds(20)));  // idempotent, keeps first time
  EXPECT_TRUE(*store->isFamilyRevoked("f1"));
  auto since = store->revokedFamiliesSince(kT0 + seconds(10));
  ASSERT_TRUE(since);
  EXPECT_EQ(*since, std::vector<std::string>{"f2"});
  EXPECT_EQ(store->revokedFamiliesSince(kT0)->size(), 2u);
}

TEST(SqliteStoreRevocation, JtiRevokedUntilPurged) {
  // A revoked jti is reported until it expires and is purged.
  auto store = memoryStore();
  ASSERT_TRUE(store->revokeJti("j1", kT0 + seconds(600)));
  EXPECT_TRUE(*store->isJtiRevoked("j1"));
  EXPECT_FALSE(*store->isJtiRevoked("j2"));
  ASSERT_TRUE(store->purgeExpired(kT0 + seconds(599)));
  EXPECT_TRUE(*store->isJtiRevoked("j1"));
  ASSERT_TRUE(store->purgeExpired(kT0 + seconds(600)));
  EXPECT_FALSE(*store->isJtiRevoked("j1"));
}

// ---------------------------------------------------------------------------------------------
// Signing keys and purge

SigningKey key(std::string kid, TimePoint created) {
  return SigningKey{std::move(kid),
                    "-----BEGIN PRIVATE KEY-----\n...",
                    created,
                    created + hours(1),
                    created + hours(24),
                    created + hours(25)};
}

TEST(SqliteStoreKeys, NewestFirstUpdateAndDelete) {
  // Keys list newest first; putting an existing kid moves its removal later (never earlier, so
  // a stale copy cannot shorten it); delete removes it.
  auto store = memoryStore();
  ASSERT_TRUE(store->putSigningKey(key("old", kT0)));
  ASSERT_TRUE(store->putSigningKey(key("new", kT0 + hours(2))));
  SigningKey updated = key("old", kT0);
  updated.remove_after = kT0 + hours(30);
  ASSERT_TRUE(store->putSigningKey(updated));
  SigningKey stale = key("old", kT0);
  stale.remove_after = kT0 + hours(3);
  stale.private_pem = "other";
  ASSERT_TRUE(store->putSigningKey(stale));
  auto keys = store->signingKeys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "new");
  EXPECT_EQ((*keys)[1].remove_after, kT0 + hours(30));
  EXPECT_EQ((*keys)[1].private_pem, key("old", kT0).private_pem);
  EXPECT_EQ((*keys)[0].signs_from, kT0 + hours(3));
  ASSERT_TRUE(store->deleteSigningKey("old"));
  EXPECT_EQ(store->signingKeys()->size(), 1u);
  EXPECT_EQ(code(store->deleteSigningKey("old").error()), code(StoreError::NotFound));
}

TEST(SqliteStorePurge, DeletesOnlyExpiredRows) {
  // purgeExpired removes expired codes, refresh tokens, jti entries and removed keys only.
  auto store = memoryStore();
  ASSERT_TRUE(store->putCode(sampleCode()));            // expires kT0+60s
  ASSERT_TRUE(store->putRefresh(sampleRefresh("r1")));  // expires kT0+24h
  ASSERT_TRUE(store->revokeJti("j1", kT0 + seconds(30)));
  ASSERT_TRUE(store->putSigningKey(key("k", kT0 - hours(30))));  // removed at kT0-5h
  ASSERT_TRUE(store->putSigningKey(key("live", kT0)));
  auto n = store->purgeExpired(kT0 + seconds(60));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  EXPECT_TRUE(store->getRefresh("r1"));
  EXPECT_EQ(store->signingKeys()->size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// The database file

TEST(SqliteStoreFile, CreatedPrivateAndPersistent) {
  // The file (and WAL) are 0600, a created directory 0700, and data survives reopening.
  TempDir dir;
  const auto file = dir.path() / "sub" / "bastion.db";
  {
    auto store = fileStore(file);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->putClient(sampleClient()));
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((file.string() + "-wal").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(file.parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
  }
  auto again = fileStore(file);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->getClient("client-1"));
}

TEST(SqliteStoreFile, ExistingWorldReadableFileIsTightened) {
  // A database file others could read is made 0600 when opened.
  TempDir dir;
  const auto file = dir.path() / "bastion.db";
  std::ofstream(file).close();
  ::chmod(file.c_str(), 0644);
  ASSERT_TRUE(fileStore(file));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(SqliteStoreFile, SymlinkedDatabaseRefused) {
  // A symlink planted where the database should be is not followed.
  TempDir dir;
  const auto target = dir.path() / "elsewhere.db";
  std::ofstream(target).close();
  const auto link = dir.path() / "bastion.db";
  std::filesystem::create_symlink(target, link);
  auto r = openStore("sqlite://" + link.string());
  EXPECT_FALSE(r);
}

TEST(SqliteStoreFile, NewerSchemaRefused) {
  // A database written by a newer Bastion (higher user_version) is refused, not misread.
  TempDir dir;
  const auto file = dir.path() / "bastion.db";
  ASSERT_TRUE(fileStore(file));
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto r = openStore("sqlite://" + file.string());
  ASSERT_FALSE(r);
  EXPECT_EQ(code(r.error()), code(StoreError::Corrupt));
}

TEST(SqliteStoreFile, BadUrlRefused) {
  // Only sqlite://PATH and sqlite::memory: are understood.
  EXPECT_FALSE(openStore("postgres://x"));
  EXPECT_FALSE(openStore("sqlite://"));
  EXPECT_FALSE(openStore(""));
}

TEST(SqliteStoreFile, NoClearSecretReachesTheFile) {
  // Callers hand the store hashes; the file then holds the hash and never the clear secret.
  TempDir dir;
  const auto file = dir.path() / "bastion.db";
  const std::string secret = "clear-secret-" + randomToken(systemRandom(), 16);
  const std::string code_value = "clear-code-" + randomToken(systemRandom(), 16);
  const std::string refresh = "clear-refresh-" + randomToken(systemRandom(), 16);
  {
    auto store = fileStore(file);
    Client c = sampleClient();
    c.secret_hash = crypto::sha256Hex(secret);
    ASSERT_TRUE(store->putClient(c));
    ASSERT_TRUE(store->putCode(sampleCode(crypto::sha256Hex(code_value))));
    ASSERT_TRUE(store->putRefresh(sampleRefresh(crypto::sha256Hex(refresh))));
    ASSERT_TRUE(store->consumeCode(crypto::sha256Hex(code_value), nullptr));
  }
  std::string bytes;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    bytes += readAll(file.string() + suffix);
  }
  EXPECT_NE(bytes.find(crypto::sha256Hex(secret)),
            std::string::npos);  // the scan sees rows
  EXPECT_NE(bytes.find(crypto::sha256Hex(refresh)), std::string::npos);
  for (const auto& clear : {secret, code_value, refresh}) {
    EXPECT_EQ(bytes.find(clear), std::string::npos) << clear;
  }
}

// ---------------------------------------------------------------------------------------------
// Concurrency: several connections on one file race for the same code or refresh token.

constexpr int kRacers = 8;

TEST(SqliteStoreConcurrency, ConcurrentCodeConsumeHasOneWinner) {
  // Of many simultaneous redemptions of one code, exactly one succeeds; the rest see a replay.
  TempDir dir;
  const auto file = dir.path() / "bastion.db";
  for (int round = 0; round < 5; ++round) {
    std::vector<std::shared_ptr<Store>> stores;
    for (int i = 0; i < kRacers; ++i) {
      stores.push_back(fileStore(file));
      ASSERT_TRUE(stores.back());
    }
    const std::string hash = "code-" + std::to_string(round);
    ASSERT_TRUE(stores[0]->putCode(sampleCode(hash)));
    std::atomic<int> winners{0}, replays{0}, others{0};
    std::barrier start(kRacers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kRacers; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto r = stores[static_cast<std::size_t>(i)]->consumeCode(hash, nullptr);
        if (r) {
          ++winners;
        } else if (r.error().code == code(StoreError::AlreadyUsed)) {
          ++replays;
        } else {
          ++others;
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(replays.load(), kRacers - 1);
    EXPECT_EQ(others.load(), 0);
  }
}

TEST(SqliteStoreConcurrency, ConcurrentRefreshRotateHasOneWinner) {
  // Of many simultaneous rotations of one refresh token, exactly one stores a successor.
  TempDir dir;
  const auto file = dir.path() / "bastion.db";
  for (int round = 0; round < 5; ++round) {
    std::vector<std::shared_ptr<Store>> stores;
    for (int i = 0; i < kRacers; ++i) {
      stores.push_back(fileStore(file));
      ASSERT_TRUE(stores.back());
    }
    const std::string old_hash = "old-" + std::to_string(round);
    ASSERT_TRUE(stores[0]->putRefresh(sampleRefresh(old_hash)));
    std::atomic<int> winners{0}, replays{0}, others{0};
    std::barrier start(kRacers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kRacers; ++i) {
      threads.emplace_back([&, i] {
        const std::string next = old_hash + "-next-" + std::to_string(i);
        start.arrive_and_wait();
        auto r = stores[static_cast<std::size_t>(i)]->rotateRefresh(old_hash, sampleRefresh(next),
                                                                    nullptr);
        if (r) {
          ++winners;
        } else if (r.error().code == code(StoreError::AlreadyUsed)) {
          ++replays;
        } else {
          ++others;
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(replays.load(), kRacers - 1);
    EXPECT_EQ(others.load(), 0);
    int successors = 0;
    for (int i = 0; i < kRacers; ++i) {
      successors += stores[0]->getRefresh(old_hash + "-next-" + std::to_string(i)) ? 1 : 0;
    }
    EXPECT_EQ(successors, 1);
  }
}

TEST(SqliteStoreConcurrency, SharedStoreConsumeHasOneWinner) {
  // Threads sharing one Store object (one connection) also see exactly one winner.
  auto store = memoryStore();
  ASSERT_TRUE(store->putCode(sampleCode()));
  std::atomic<int> winners{0};
  std::barrier start(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      winners += store->consumeCode(sampleCode().code_hash, nullptr) ? 1 : 0;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(winners.load(), 1);
}

}  // namespace
}  // namespace bastion::store
