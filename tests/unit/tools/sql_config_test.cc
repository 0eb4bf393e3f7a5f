// The [databases.NAME] keys and the keys of sql.* tools, and what is refused at load.

// GCC 12 -O2 reports false -Wnull-dereference on checked results (r-> after ASSERT_TRUE(r)).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "config/config.h"

namespace bastion::config {
namespace {

namespace bj = boost::json;

constexpr std::string_view kDatabases = R"(
[databases.app]
url = "sqlite:///srv/app.db"
statement_timeout = "2s"
pool_size = 3

[databases.pg]
url = "postgresql://reader:${env:PGPASS}@db.internal:5432/app"
)";

std::string withDatabases(std::string_view tools) {
  return std::string(kDatabases) + std::string(tools);
}

std::string errorsOf(const std::string& text) {
  auto r = parse(text, "t.toml");
  EXPECT_FALSE(r) << "expected the config to be rejected";
  return r ? std::string() : r.error().toString();
}

std::shared_ptr<const Config> load(const std::string& text) {
  auto r = parse(text, "t.toml");
  EXPECT_TRUE(r) << (r ? "" : r.error().toString());
  return r ? *r : nullptr;
}

// Every key of a database and of a sql.query tool lands in the typed options.
TEST(SqlConfig, ReadsDatabasesAndQueryTool) {
  auto c = load(withDatabases(R"(
[[tools]]
name = "find_user"
kind = "sql.query"
database = "app"
sql = "SELECT id, name FROM users WHERE email = :email AND id > :after"
params.email = { type = "string", maxLength = 200 }
params.after = { type = "integer", default = 0 }
tables = ["users"]
max_rows = 50
max_bytes = "64KiB"
)"));
  ASSERT_TRUE(c);
  const tools::DatabaseOptions& app = c->databases.at("app");
  EXPECT_EQ(app.url, "sqlite:///srv/app.db");
  EXPECT_EQ(app.statement_timeout, std::chrono::seconds(2));
  EXPECT_EQ(app.pool_size, 3u);
  EXPECT_EQ(c->databases.at("pg").url, "postgresql://reader:${env:PGPASS}@db.internal:5432/app");
  ASSERT_EQ(c->env_references.size(), 1u);
  EXPECT_EQ(c->env_references[0].first, "PGPASS");
  const auto& o = std::get<tools::SqlToolOptions>(c->tools.at(0).options);
  EXPECT_EQ(o.operation, tools::SqlToolOptions::Operation::Query);
  EXPECT_EQ(o.database, "app");
  ASSERT_EQ(o.params.size(), 2u);
  EXPECT_EQ(o.params[0].name, "email");
  EXPECT_EQ(bj::serialize(o.params[0].schema), R"({"maxLength":200,"type":"string"})");
  EXPECT_EQ(o.params[1].name, "after");
  EXPECT_EQ(o.tables, std::vector<std::string>{"users"});
  EXPECT_EQ(o.max_rows, 50u);
  EXPECT_EQ(o.max_bytes, 65536u);
}

// The configured-statement escape: `COMMIT; DROP TABLE x` is two statements, refused at load
// for both dialects (no connection needed).
TEST(SqlConfig, RejectsCommitDropTableAsTwoStatements) {
  for (std::string db : {"app", "pg"}) {
    std::string tables = db == "app" ? "tables = [\"x\"]\n" : "";
    std::string errors = errorsOf(withDatabases(R"(
[[tools]]
name = "escape"
kind = "sql.query"
database = ")" + db + "\"\nsql = \"COMMIT; DROP TABLE x\"\n" +
                                                tables));
    EXPECT_NE(errors.find("tools[0].sql: only one statement is allowed; a second one starts at "
                          "byte 8"),
              std::string::npos)
        << errors;
  }
}

// Each :name needs a params entry and each entry must be used.
TEST(SqlConfig, PlaceholdersAndParamsMustMatch) {
  std::string errors = errorsOf(withDatabases(R"(
[[tools]]
name = "q"
kind = "sql.query"
database = "app"
sql = "SELECT id FROM users WHERE email = :email"
params.mail = { type = "string" }
tables = ["users"]
)"));
  EXPECT_NE(errors.find("tools[0].sql: :email has no params.email entry"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("tools[0].params.mail: not used in sql (no :mail)"), std::string::npos)
      << errors;
}

TEST(SqlConfig, DatabaseMustExistAndBeNamed) {
  std::string errors = errorsOf(withDatabases(R"(
[[tools]]
name = "a"
kind = "sql.query"
database = "nope"
sql = "SELECT 1"

[[tools]]
name = "b"
kind = "sql.query"
sql = "SELECT 1"
)"));
  EXPECT_NE(errors.find("tools[0].database: no [databases.nope] table"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("tools[1].database: required"), std::string::npos) << errors;
}

// The URL scheme decides the dialect at load, so it must be literal; others are refused.
TEST(SqlConfig, DatabaseUrlShape) {
  std::string errors = errorsOf(R"(
[databases.a]
url = "${env:DATABASE_URL}"
[databases.b]
url = "mysql://h/db"
[databases.c]
statement_timeout = "1s"
[databases.d]
url = "sqlite:///x.db"
pool_size = 0
color = "blue"
)");
  EXPECT_NE(errors.find("databases.a.url: expected sqlite://PATH"), std::string::npos) << errors;
  EXPECT_NE(errors.find("not taken from ${env:}"), std::string::npos) << errors;
  EXPECT_NE(errors.find("databases.b.url: expected sqlite://PATH"), std::string::npos) << errors;
  EXPECT_NE(errors.find("databases.c.url: required"), std::string::npos) << errors;
  EXPECT_NE(errors.find("databases.d.pool_size: must be between 1 and 64"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("databases.d.color: unknown key"), std::string::npos) << errors;
}

// ${env:NAME} is for secrets in urls, not in statements.
TEST(SqlConfig, EnvReferenceInSqlIsRefused) {
  std::string errors = errorsOf(withDatabases(R"(
[[tools]]
name = "q"
kind = "sql.query"
database = "app"
sql = "SELECT '${env:HOME}'"
tables = ["users"]
)"));
  EXPECT_NE(errors.find("tools[0].sql: ${env:NAME} is allowed only"), std::string::npos) << errors;
}

// SQLite statements need their tables listed (the authorizer's allow-list); PostgreSQL ones
// may not list any (Bastion would not enforce them: the role's grants do).
TEST(SqlConfig, TablesPerDialect) {
  std::string errors = errorsOf(withDatabases(R"(
[[tools]]
name = "lite"
kind = "sql.query"
database = "app"
sql = "SELECT 1"

[[tools]]
name = "pg"
kind = "sql.query"
database = "pg"
sql = "SELECT 1"
tables = ["users"]
)"));
  EXPECT_NE(errors.find("tools[0].tables: required for SQLite"), std::string::npos) << errors;
  EXPECT_NE(errors.find("tools[1].tables: not enforced on PostgreSQL"), std::string::npos)
      << errors;
}

// sql.list builds its own statement: sql and params are refused, tables required.
TEST(SqlConfig, ListTakesTablesOnly) {
  auto c = load(withDatabases(R"(
[[tools]]
name = "browse"
kind = "sql.list"
database = "pg"
tables = ["public.users", "orders"]
)"));
  ASSERT_TRUE(c);
  const auto& o = std::get<tools::SqlToolOptions>(c->tools.at(0).options);
  EXPECT_EQ(o.operation, tools::SqlToolOptions::Operation::List);
  EXPECT_EQ(o.tables, (std::vector<std::string>{"public.users", "orders"}));
  std::string errors = errorsOf(withDatabases(R"(
[[tools]]
name = "browse"
kind = "sql.list"
database = "app"
sql = "SELECT * FROM users"
params.x = { type = "string" }
tables = ["users", "users"]
)"));
  EXPECT_NE(errors.find("tools[0].sql: sql.list builds its own statement"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("tools[0].params: sql.list takes no params"), std::string::npos) << errors;
  EXPECT_NE(errors.find("tools[0].tables: lists users twice"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("unknown key"), std::string::npos) << errors;
}

// A params entry must be an inline schema table with a plain name.
TEST(SqlConfig, ParamsAreSchemaTables) {
  std::string errors = errorsOf(withDatabases(R"(
[[tools]]
name = "q"
kind = "sql.exec"
database = "app"
sql = "DELETE FROM users WHERE id = :id"
params.id = "integer"
tables = ["users"]
)"));
  EXPECT_NE(errors.find("tools[0].params.id: expected an inline JSON Schema table"),
            std::string::npos)
      << errors;
}

TEST(SqlConfig, ExecIsReadAsExec) {
  auto c = load(withDatabases(R"(
[[tools]]
name = "rename"
kind = "sql.exec"
database = "pg"
sql = "UPDATE users SET name = :name WHERE id = :id"
params.name = { type = "string", maxLength = 100 }
params.id = { type = "integer" }
scopes = ["users:write"]
)"));
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<tools::SqlToolOptions>(c->tools.at(0).options).operation,
            tools::SqlToolOptions::Operation::Exec);
}

}  // namespace
}  // namespace bastion::config
