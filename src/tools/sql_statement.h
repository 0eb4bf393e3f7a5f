#pragma once
// The statement of an `sql.*` tool as written in configuration: exactly one SQL statement whose
// parameters are written `:name`. A careful tokenizer (quotes, quoted identifiers, comments,
// dollar quoting) finds the placeholders and the end of the statement without connecting to
// the database, so a configuration with a second statement is rejected at load.
//
// What it checks: one statement (an optional trailing `;` and comments may follow), every
// quote and comment terminated, placeholders only in the `:name` form. What it does not check:
// that the statement is valid SQL or read-only. The database decides that (SQLite prepare with
// an authorizer, PostgreSQL a READ ONLY transaction), and the backends check again that the
// database saw one statement (SQLite's prepare tail; libpq refuses several in one extended
// query).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bastion::tools {

enum class SqlDialect { Sqlite, Postgres };

enum class StatementError {
  Empty = 1,               // nothing but whitespace and comments
  MultipleStatements,      // something other than `;`, spaces and comments after the first `;`
  UnterminatedQuote,       // '...', "...", `...`, [...] or $tag$...$tag$ never closed
  UnterminatedComment,     // /* ... never closed
  UnsupportedPlaceholder,  // ?, ?NNN, $1, @name, $name (SQLite), :1 (SQLite): use :name
  TooLong,                 // longer than kMaxStatementLength
  NulByte,                 // a NUL byte anywhere (C APIs would cut the statement there)
  UnknownParameter,        // renderStatement: a :name missing from the parameter order
};

inline constexpr std::size_t kMaxStatementLength = 64 * 1024;

struct SqlPlaceholder {
  std::string name;        // without the colon
  std::size_t offset = 0;  // of the ':' in SqlStatement::text
  std::size_t length = 0;  // ':' plus the name
};

struct SqlStatement {
  std::string text;  // the statement, without its trailing `;` and what followed it
  std::vector<SqlPlaceholder> placeholders;  // in order of appearance

  // The distinct placeholder names, in order of first appearance.
  std::vector<std::string> names() const;
};

// Splits off the one statement of `sql` and finds its `:name` placeholders. A `::` (PostgreSQL
// cast) is never a placeholder. Errors name the byte offset of the problem, never echo the SQL.
[[nodiscard]] Result<SqlStatement> parseStatement(std::string_view sql, SqlDialect dialect);

// The statement text the database is given: each `:name` replaced by `?N` (SQLite) or `$N`
// (PostgreSQL), N being the 1-based position of `name` in `order`. UnknownParameter if a
// placeholder's name is not in `order`.
[[nodiscard]] Result<std::string> renderStatement(const SqlStatement& statement, SqlDialect dialect,
                                                  std::span<const std::string> order);

// `name` as a quoted identifier: "name" with embedded quotes doubled; "schema.table" is split at
// its first dot into two quoted parts. Works in both dialects.
std::string quoteIdentifier(std::string_view name);

// The dialect a database URL names: sqlite://PATH or postgresql://... / postgres://...
[[nodiscard]] Result<SqlDialect> dialectOfUrl(std::string_view url);

}  // namespace bastion::tools
