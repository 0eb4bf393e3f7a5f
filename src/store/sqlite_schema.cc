#include "store/sqlite_schema.h"

#include <boost/json.hpp>
#include <chrono>
#include <utility>

namespace bastion::store::sqlite {

namespace {

// Schema history: append only; never edit a migration that has shipped.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE clients (
  client_id TEXT PRIMARY KEY NOT NULL,
  secret_hash TEXT NOT NULL,
  auth_method TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  scopes TEXT NOT NULL,
  client_name TEXT NOT NULL,
  source INTEGER NOT NULL,
  created INTEGER NOT NULL,
  last_used INTEGER NOT NULL
) STRICT;
CREATE TABLE users (
  name TEXT PRIMARY KEY NOT NULL,
  password_hash TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;
CREATE TABLE codes (
  code_hash TEXT PRIMARY KEY NOT NULL,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL,
  scopes TEXT NOT NULL,
  sub TEXT NOT NULL,
  family_id TEXT NOT NULL,
  expires INTEGER NOT NULL,
  used INTEGER NOT NULL
) STRICT;
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY NOT NULL,
  family_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  sub TEXT NOT NULL,
  resource TEXT NOT NULL,
  scopes TEXT NOT NULL,
  expires INTEGER NOT NULL,
  rotated INTEGER NOT NULL
) STRICT;
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_client ON refresh_tokens(client_id);
CREATE TABLE revoked_families (
  family_id TEXT PRIMARY KEY NOT NULL,
  revoked_at INTEGER NOT NULL
) STRICT;
CREATE INDEX revoked_families_at ON revoked_families(revoked_at);
CREATE TABLE revoked_jti (
  jti TEXT PRIMARY KEY NOT NULL,
  expires INTEGER NOT NULL
) STRICT;
CREATE TABLE consents (
  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  granted INTEGER NOT NULL,
  PRIMARY KEY (user, client_id)
) STRICT;
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY NOT NULL,
  private_pem TEXT NOT NULL,
  created INTEGER NOT NULL,
  signs_from INTEGER NOT NULL,
  retire_after INTEGER NOT NULL,
  remove_after INTEGER NOT NULL
) STRICT;
)sql",
};

}  // namespace

std::span<const char* const> migrations() { return kMigrations; }

std::int64_t toDb(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint fromDb(std::int64_t ns) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

std::string encodeList(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) {
    a.emplace_back(s);
  }
  return boost::json::serialize(a);
}

// A stored list that is not a JSON array of strings is corruption: fail closed.
std::optional<std::vector<std::string>> decodeList(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) {
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

Error corrupt() { return Error(StoreError::Corrupt, "a stored row could not be decoded"); }
Error notFound() { return Error(StoreError::NotFound, "not found"); }

bool isUniqueViolation(int rc) {
  return rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE;
}

// Runs a statement expected to finish without rows.
Result<void> done(Statement& s) {
  const int rc = s.step();
  if (rc == SQLITE_DONE) {
    return {};
  }
  if (isUniqueViolation(rc)) {
    return Error(StoreError::AlreadyExists, "already exists");
  }
  return databaseError(rc);
}

// The first row, NotFound, or the database error.
Result<void> row(Statement& s) {
  const int rc = s.step();
  if (rc == SQLITE_ROW) {
    return {};
  }
  if (rc == SQLITE_DONE) {
    return notFound();
  }
  return databaseError(rc);
}

Result<Client> readClient(const Statement& s) {
  Client c;
  c.client_id = s.text(0);
  c.secret_hash = s.text(1);
  c.token_endpoint_auth_method = s.text(2);
  auto uris = decodeList(s.text(3));
  auto grants = decodeList(s.text(4));
  auto scopes = decodeList(s.text(5));
  const auto source = s.integer(7);
  if (!uris || !grants || !scopes || source < 0 || source > 2) {
    return corrupt();
  }
  c.redirect_uris = std::move(*uris);
  c.grant_types = std::move(*grants);
  c.scopes = std::move(*scopes);
  c.client_name = s.text(6);
  c.source = static_cast<ClientSource>(source);
  c.created = fromDb(s.integer(8));
  c.last_used = fromDb(s.integer(9));
  return c;
}

Result<AuthorizationCode> readCode(const Statement& s) {
  AuthorizationCode c;
  c.code_hash = s.text(0);
  c.client_id = s.text(1);
  c.redirect_uri = s.text(2);
  c.code_challenge = s.text(3);
  c.resource = s.text(4);
  auto scopes = decodeList(s.text(5));
  if (!scopes) {
    return corrupt();
  }
  c.scopes = std::move(*scopes);
  c.sub = s.text(6);
  c.family_id = s.text(7);
  c.expires = fromDb(s.integer(8));
  c.used = s.integer(9) != 0;
  return c;
}

Result<RefreshToken> readRefresh(const Statement& s) {
  RefreshToken t;
  t.token_hash = s.text(0);
  t.family_id = s.text(1);
  t.client_id = s.text(2);
  t.sub = s.text(3);
  t.resource = s.text(4);
  auto scopes = decodeList(s.text(5));
  if (!scopes) {
    return corrupt();
  }
  t.scopes = std::move(*scopes);
  t.expires = fromDb(s.integer(6));
  t.rotated = s.integer(7) != 0;
  return t;
}

}  // namespace bastion::store::sqlite
