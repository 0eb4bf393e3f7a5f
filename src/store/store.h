#pragma once
// Persistence for the embedded authorization server, behind one interface so that SQLite (the
// embedded default, WAL) and PostgreSQL (a later issue) are interchangeable. Secrets never reach
// the store in clear: authorization codes, refresh tokens and client secrets are stored as
// SHA-256 hashes (`*_hash` fields, lower-case hex), passwords as argon2id encoded strings.
//
// Every operation that decides a security race is atomic in the store, not read-then-write in
// the caller: consumeCode() and rotateRefresh() are the single points where a replay is caught.
// All methods are thread-safe and blocking (call them from worker threads, never I/O threads).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bastion::store {

using TimePoint = std::chrono::system_clock::time_point;

enum class StoreError {
  NotFound = 1,
  AlreadyExists,
  AlreadyUsed,  // consumeCode / rotateRefresh on a code or token already spent: a replay
  Unavailable,  // the database failed; callers fail closed
  Corrupt,      // a row could not be decoded
};

enum class ClientSource { Preregistered, Dynamic, MetadataDocument };

struct Client {
  std::string client_id;
  std::string secret_hash;  // empty: public client (token_endpoint_auth_method "none")
  std::string token_endpoint_auth_method = "none";  // none | client_secret_basic | _post
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types;  // authorization_code, refresh_token, client_credentials
  std::vector<std::string> scopes;       // what this client may ask for
  std::string client_name;
  ClientSource source = ClientSource::Preregistered;
  TimePoint created{};
  TimePoint last_used{};
};

struct User {
  std::string name;
  std::string password_hash;  // argon2id encoded ($argon2id$v=19$...)
  TimePoint created{};
};

struct AuthorizationCode {
  std::string code_hash;
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;  // S256 only
  std::string resource;
  std::vector<std::string> scopes;
  std::string sub;
  std::string family_id;  // every token issued from this code belongs to this family
  TimePoint expires{};
  bool used = false;
};

// One refresh token; rotation creates a new row in the same family and marks the old rotated.
struct RefreshToken {
  std::string token_hash;
  std::string family_id;
  std::string client_id;
  std::string sub;
  std::string resource;
  std::vector<std::string> scopes;
  TimePoint expires{};
  bool rotated = false;
};

struct Consent {
  std::string user;
  std::string client_id;
  std::vector<std::string> scopes;  // sorted, unique
  TimePoint granted{};
};

// An ES256 signing key. The private key is PEM; a store that cannot protect it at rest must
// say so in its documentation (SQLite: the database file is created 0600).
struct SigningKey {
  std::string kid;
  std::string private_pem;
  TimePoint created{};
  TimePoint signs_from{};     // published before it signs (rotation)
  TimePoint retire_after{};   // stops signing; stays published until its tokens expire
  TimePoint remove_after{};   // no longer published
};

class Store {
 public:
  virtual ~Store() = default;

  // Clients (pre-registered, dynamically registered; metadata-document clients are cached
  // elsewhere and never stored).
  [[nodiscard]] virtual Result<void> putClient(const Client& c) = 0;  // AlreadyExists
  [[nodiscard]] virtual Result<Client> getClient(std::string_view client_id) = 0;
  [[nodiscard]] virtual Result<void> deleteClient(std::string_view client_id) = 0;
  [[nodiscard]] virtual Result<void> touchClient(std::string_view client_id, TimePoint now) = 0;
  // Deletes Dynamic clients not used since `unused_since`; returns how many.
  [[nodiscard]] virtual Result<std::size_t> expireDynamicClients(TimePoint unused_since) = 0;
  [[nodiscard]] virtual Result<std::vector<Client>> listClients() = 0;

  // Local users for the login page.
  [[nodiscard]] virtual Result<void> putUser(const User& u) = 0;  // replaces the password
  [[nodiscard]] virtual Result<User> getUser(std::string_view name) = 0;
  [[nodiscard]] virtual Result<void> deleteUser(std::string_view name) = 0;

  // Authorization codes. consumeCode atomically marks the code used and returns it; a second
  // call returns AlreadyUsed and the stored record (so the caller can revoke its family).
  [[nodiscard]] virtual Result<void> putCode(const AuthorizationCode& c) = 0;
  [[nodiscard]] virtual Result<AuthorizationCode> consumeCode(std::string_view code_hash,
                                                              AuthorizationCode* replayed) = 0;

  // Refresh tokens. rotateRefresh atomically marks `old_hash` rotated and inserts `next`; if
  // `old_hash` was already rotated it returns AlreadyUsed and fills `replayed` (family to revoke).
  [[nodiscard]] virtual Result<void> putRefresh(const RefreshToken& t) = 0;
  [[nodiscard]] virtual Result<RefreshToken> getRefresh(std::string_view token_hash) = 0;
  [[nodiscard]] virtual Result<void> rotateRefresh(std::string_view old_hash,
                                                   const RefreshToken& next,
                                                   RefreshToken* replayed) = 0;

  // Token families (one per authorization grant). Revoking one kills its refresh tokens and,
  // through the `fid` claim the embedded verifier checks, its access tokens.
  [[nodiscard]] virtual Result<void> revokeFamily(std::string_view family_id, TimePoint now) = 0;
  [[nodiscard]] virtual Result<bool> isFamilyRevoked(std::string_view family_id) = 0;
  // Revoked families newer than `since` (the verifier's in-memory deny set catches up with it).
  [[nodiscard]] virtual Result<std::vector<std::string>> revokedFamiliesSince(TimePoint since) = 0;

  // Individually revoked access tokens (RFC 7009 on an access token), kept until `expires`.
  [[nodiscard]] virtual Result<void> revokeJti(std::string_view jti, TimePoint expires) = 0;
  [[nodiscard]] virtual Result<bool> isJtiRevoked(std::string_view jti) = 0;

  // Remembered consent per (user, client): a request is covered if its scopes are a subset.
  [[nodiscard]] virtual Result<void> putConsent(const Consent& c) = 0;
  [[nodiscard]] virtual Result<Consent> getConsent(std::string_view user,
                                                   std::string_view client_id) = 0;
  [[nodiscard]] virtual Result<void> revokeConsent(std::string_view user,
                                                   std::string_view client_id) = 0;

  // Signing keys, newest first. Putting an existing kid updates its schedule but never its key,
  // and retire_after / remove_after only move later (processes may hold stale copies).
  [[nodiscard]] virtual Result<void> putSigningKey(const SigningKey& k) = 0;
  [[nodiscard]] virtual Result<std::vector<SigningKey>> signingKeys() = 0;
  [[nodiscard]] virtual Result<void> deleteSigningKey(std::string_view kid) = 0;

  // Deletes expired codes, refresh tokens, jti entries and removed keys; returns rows deleted.
  [[nodiscard]] virtual Result<std::size_t> purgeExpired(TimePoint now) = 0;
};

// Opens (creating if absent, mode 0600) a SQLite database in WAL mode and applies migrations.
// `url` is "sqlite://PATH" or "sqlite::memory:" for tests.
[[nodiscard]] Result<std::shared_ptr<Store>> openStore(std::string_view url);

}  // namespace bastion::store
