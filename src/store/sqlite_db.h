#pragma once
// A thin owner of one SQLite connection for the store: RAII handles, a cache of prepared
// statements, a BEGIN IMMEDIATE transaction guard and schema migrations by PRAGMA user_version.
// Private to the store layer (the SQLite header stays out of store.h).
//
// Values reach SQL only through bound parameters: every statement text is a string literal.

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace bastion::store::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using UniqueDb = std::unique_ptr<sqlite3, DbCloser>;
using UniqueStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// A borrowed, cached statement for one execution: bind, step, read; reset and unbound on
// destruction so the next user starts clean. A failed bind is remembered and reported by step().
class Statement {
 public:
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  ~Statement();
  Statement(Statement&& o) noexcept : stmt_(o.stmt_), bind_error_(o.bind_error_) {
    o.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);

  // SQLITE_ROW, SQLITE_DONE, or the first error (bind or step).
  int step();
  std::string text(int column) const;
  std::int64_t integer(int column) const;

 private:
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

// One connection. Not thread-safe: the owner serializes access (SqliteStore holds a mutex).
class Database {
 public:
  // `path` is a file path or ":memory:". Files are opened without following a final symlink.
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(const std::string& path);

  // The cached prepared statement for `sql` (a string literal: the cache keys on its text).
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  // Executes constant SQL without parameters (schema, pragmas, BEGIN/COMMIT).
  [[nodiscard]] Result<void> exec(const char* sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;

  // Applies migrations[user_version ...] each in its own transaction, bumping user_version. Refuses
  // a database whose user_version is newer than this program knows (fail closed).
  [[nodiscard]] Result<void> migrate(std::span<const char* const> migrations);

 private:
  explicit Database(UniqueDb db) : db_(std::move(db)) {}
  [[nodiscard]] Result<void> configure();

  // Declared first so that statements are finalized before the connection closes.
  UniqueDb db_;
  std::map<std::string, UniqueStmt, std::less<>> statements_;
};

// BEGIN IMMEDIATE: takes the write lock at the start, so read-check-write sequences inside are
// atomic against every other connection. Rolls back on destruction unless committed.
class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  [[nodiscard]] Result<void> commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

// The store's error for a failed SQLite call; the message names the SQLite condition only (never a
// path or a value).
Error databaseError(int rc);

}  // namespace bastion::store::sqlite
