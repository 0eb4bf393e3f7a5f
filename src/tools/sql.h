#pragma once
// Tool kinds `sql.query`, `sql.list`, `sql.exec`: named, parameterized statements against a
// configured database (SQLite or PostgreSQL). docs/sql.md is the user's guide.
//
// - sql.query: one configured statement with `:name` parameters. Each parameter has a JSON
//   Schema (the tool's input schema is the object of them; a parameter is required unless its
//   schema has a `default`, which is bound when the argument is absent). Values are always
//   bound (sqlite3_bind_*, PQsendQueryParams), never interpolated. Read-only is enforced by
//   the database: SQLite connections are opened read-only with `PRAGMA query_only` and an
//   authorizer that allows SELECT, reads of the listed `tables` and pure functions only;
//   PostgreSQL runs each call in `BEGIN READ ONLY` with `SET LOCAL statement_timeout` and
//   rolls it back (which tables the role may read is up to its grants).
// - sql.list: records of one of the listed `tables` (the table is an `enum` of them; the
//   statement is built from the configured, quoted name), `limit` 1..100 (default 20) and
//   `offset`, ordered by the first column.
// - sql.exec: a configured write statement, on a read-write connection (SQLite: the
//   authorizer allows INSERT/UPDATE/DELETE on the listed tables only; PostgreSQL:
//   `BEGIN READ WRITE` ... COMMIT); destructiveHint; returns the affected row count.
//
// Results of query/list: structuredContent {rows: [{column: value}], row_count, truncated}
// and a text block with the rows as JSON lines. Fetching stops at max_rows rows or max_bytes
// bytes of JSON (truncated: true). SQLite blobs and PostgreSQL bytea travel as text (base64 /
// PostgreSQL's \x hex); numeric as text (precision); json/jsonb as JSON.

#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "mcp/types.h"
#include "tools/tool_common.h"

namespace bastion::guard {
class Secrets;
}

namespace bastion::tools {

// [databases.NAME]
struct DatabaseOptions {
  // sqlite://PATH (absolute: sqlite:///var/app.db; relative to the working directory:
  // sqlite://data/app.db) or postgresql://user:${env:PGPASS}@host:port/db. May hold
  // ${env:NAME}; the scheme itself must be written literally (it decides the SQL dialect at
  // load). In a PostgreSQL URL each expanded value is percent-encoded (meant for the user
  // name and password).
  std::string url;
  std::chrono::milliseconds statement_timeout{std::chrono::seconds(5)};  // also pool waits
  std::size_t pool_size = 4;  // connections per database (and per SQLite read/write side)
};

struct SqlParam {
  std::string name;
  boost::json::value schema;  // JSON Schema for this parameter
};

struct SqlToolOptions {
  enum class Operation { Query, List, Exec };
  Operation operation = Operation::Query;
  std::string database;          // a key of [databases]
  std::string sql;               // query/exec: exactly one statement, :name parameters
  std::vector<SqlParam> params;  // in declaration order
  // SQLite query/exec: the tables the statement may read (exec: and change); list (both
  // backends): the tables offered. PostgreSQL query/exec: not accepted (grants decide).
  std::vector<std::string> tables;
  std::size_t max_rows = 1000;
  // Bytes of the rows as JSON; the text rendering repeats them, so a result is about twice
  // this. The default keeps that under [guard] max_output's default (1 MiB).
  std::size_t max_bytes = std::size_t{256} << 10;
};

// The configured databases, opened once at start: ${env:NAME} in each url is expanded through
// `secrets` (so the values are redacted later), SQLite files must exist (opened read-only),
// PostgreSQL servers must accept a connection. Errors name the database, never the password.
class Databases;
[[nodiscard]] Result<std::shared_ptr<Databases>> openDatabases(
    const std::map<std::string, DatabaseOptions, std::less<>>& databases, guard::Secrets& secrets);

// A tool of kind sql.query / sql.list / sql.exec. Checks at start what can be checked without
// running the statement: one statement, its :names and the params match, each parameter schema
// compiles (and its default matches it), and the database accepts the statement (SQLite:
// prepared under the tool's authorizer, so a write in sql.query or an unlisted table fails
// here; PostgreSQL: prepared), and a sql.query statement returns columns (a configured COMMIT
// or DDL fails here). The returned spec keeps `databases` alive.
[[nodiscard]] Result<mcp::ToolSpec> makeSqlTool(const ToolIdentity& identity,
                                                const SqlToolOptions& options,
                                                std::shared_ptr<Databases> databases);

}  // namespace bastion::tools
