#pragma once
// Tool kinds `sql.query`, `sql.list`, `sql.exec`: named, parameterized statements against a
// configured database (SQLite or PostgreSQL). OWNED BY THE SQL HELPER: complete the options,
// the database set and the factory.

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
  std::string url;  // sqlite:///path/app.db or postgresql://...; may hold ${env:NAME}
  std::chrono::milliseconds statement_timeout{std::chrono::seconds(5)};
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
  std::vector<std::string> tables;  // query: tables it may read; list: tables offered
  std::size_t max_rows = 1000;
  std::size_t max_bytes = std::size_t{1} << 20;
};

// The configured databases, opened once at start.
class Databases;
[[nodiscard]] Result<std::shared_ptr<Databases>> openDatabases(
    const std::map<std::string, DatabaseOptions, std::less<>>& databases, guard::Secrets& secrets);

[[nodiscard]] Result<mcp::ToolSpec> makeSqlTool(const ToolIdentity& identity,
                                                const SqlToolOptions& options,
                                                std::shared_ptr<Databases> databases);

}  // namespace bastion::tools
