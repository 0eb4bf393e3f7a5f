#pragma once
// Internal to the sql tools (not included outside src/tools and its tests): one configured
// database behind an interface both backends implement, the set of them (`Databases`), and the
// row collector that applies the row and byte caps the same way for both.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "tools/sql.h"
#include "tools/sql_statement.h"

namespace bastion::tools {

enum class SqlError {
  UnknownDatabase = 1,  // a tool names a database that is not configured
  BadUrl,               // not sqlite://PATH or postgresql://...
  ConnectFailed,        // open/connect failed at start (message without the password)
  NotAuthorized,        // SQLite authorizer refused an action (unlisted table, write, PRAGMA)
  NotReadOnly,          // a query statement that would write
  NotAQuery,            // sql.query/list whose statement returns no columns (DDL, DML, COMMIT)
  MultipleStatements,   // the database saw more than one statement
  Timeout,              // statement_timeout passed
  Cancelled,            // the caller went away
  Busy,                 // no connection free within statement_timeout
  QueryFailed,          // any other database error
  BadArgument,          // a value that cannot be bound (NUL byte, wrong type)
  EscapedTransaction,   // the statement ended Bastion's transaction (e.g. a configured COMMIT)
  BadTool,              // a tool definition that cannot work (params vs placeholders, ...)
};

// One execution: a rendered statement (?N / $N placeholders), its values in order, and limits.
struct SqlRequest {
  std::string_view sql;
  std::span<const boost::json::value> params;
  // SQLite: the tables the statement may read (and, when `write`, change). PostgreSQL: unused
  // (the role's grants decide; see docs/sql.md).
  std::span<const std::string> tables;
  bool write = false;  // sql.exec: a read-write transaction; otherwise read-only
  std::size_t max_rows = 1000;
  std::size_t max_bytes = std::size_t{256} << 10;
  std::function<bool()> cancelled;  // polled while the statement runs (SQLite); may be empty
};

struct SqlRows {
  boost::json::array rows;    // one object per row: column name -> value
  bool truncated = false;     // more rows existed than max_rows / max_bytes allowed
  std::size_t bytes = 0;      // of the rows as JSON lines
  std::string text;           // the rows as JSON lines (the text rendering of the result)
  std::int64_t affected = 0;  // sql.exec: rows changed
};

// Applies max_rows and max_bytes: add() returns false once a row did not fit (truncated set).
class RowCollector {
 public:
  RowCollector(std::size_t max_rows, std::size_t max_bytes)
      : max_rows_(max_rows), max_bytes_(max_bytes) {}
  bool add(boost::json::object row);
  SqlRows take() { return std::move(rows_); }
  SqlRows& rows() { return rows_; }

 private:
  std::size_t max_rows_;
  std::size_t max_bytes_;
  SqlRows rows_;
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  virtual SqlDialect dialect() const = 0;
  // At start: the statement compiles and (SQLite) the authorizer accepts it, without running
  // it; a read (not `write`) statement must return columns, as the database describes it.
  // Opens the read-write side first if `request.write`.
  [[nodiscard]] virtual Result<void> check(const SqlRequest& request) = 0;
  [[nodiscard]] virtual Result<SqlRows> run(const SqlRequest& request) = 0;
};

struct SqliteOptions {
  std::string path;
  std::chrono::milliseconds statement_timeout{std::chrono::seconds(5)};
  std::size_t pool_size = 4;
};
// Opens the file read-only (it must exist); a read-write connection is opened only when a
// write request is checked.
[[nodiscard]] Result<std::unique_ptr<SqlDatabase>> openSqlite(const SqliteOptions& options);

struct PostgresOptions {
  std::string conninfo;  // a postgresql:// URL, secrets already expanded
  std::chrono::milliseconds statement_timeout{std::chrono::seconds(5)};
  std::size_t pool_size = 4;
};
// Connects one connection at once (fails if the server is unreachable or refuses); the rest of
// the pool connects on demand. Messages never contain the password.
[[nodiscard]] Result<std::unique_ptr<SqlDatabase>> openPostgres(const PostgresOptions& options);

class Databases {
 public:
  void add(std::string name, std::unique_ptr<SqlDatabase> database) {
    databases_.emplace(std::move(name), std::move(database));
  }
  SqlDatabase* find(std::string_view name) const {
    auto it = databases_.find(name);
    return it == databases_.end() ? nullptr : it->second.get();
  }

 private:
  std::map<std::string, std::unique_ptr<SqlDatabase>, std::less<>> databases_;
};

// The error for a read statement the database describes as returning no columns.
Error notAQuery();

// A double as the shortest text that reads back the same (for binding as text).
std::string doubleText(double value);

}  // namespace bastion::tools
