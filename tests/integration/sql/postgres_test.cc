// sql.query / sql.list / sql.exec against a real PostgreSQL 15 (the throwaway cluster of
// scripts/test-postgres.sh). Read-only is the server's: every call runs in BEGIN READ ONLY,
// which not even a superuser's connection or a configured statement can leave.

// GCC 12 -O2 reports false -Wnull-dereference on checked results (r-> after ASSERT_TRUE(r)).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "guard/secrets.h"
#include "integration/sql/postgres_support.h"
#include "json/schema.h"
#include "tools/sql.h"
#include "tools/sql_backend.h"
#include "unit/tools/sql_test_support.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;
using Op = SqlToolOptions::Operation;

constexpr const char* kSeed = R"sql(
CREATE TABLE users(id integer PRIMARY KEY, email text NOT NULL, name text NOT NULL);
INSERT INTO users VALUES (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob'),
  (3, 'cy@example.com', 'Cy');
CREATE TABLE kinds(i bigint, b boolean, n numeric, f double precision, j jsonb, t text,
  z text, by bytea);
INSERT INTO kinds VALUES (7, true, 12.50, 1.5, '{"a": [1, 2]}', 'x', NULL, '\x00ff');
)sql";

class Postgres : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pg_.ok());
    ASSERT_TRUE(pg_.exec(kSeed));
    ASSERT_TRUE(pg_.grantRoles());
    before_ = pg_.digest();
  }

  std::shared_ptr<Databases> open(
      std::map<std::string, DatabaseOptions, std::less<>> config,
      guard::EnvLookup env = [](std::string_view) { return std::nullopt; }) {
    guard::Secrets secrets(std::move(env));
    auto dbs = openDatabases(config, secrets);
    EXPECT_TRUE(dbs) << dbs.error().message;
    return dbs ? *dbs : nullptr;
  }

  std::shared_ptr<Databases> openAs(const std::string& url,
                                    std::chrono::milliseconds timeout = 5s) {
    return open({{"db", DatabaseOptions{url, timeout, 2}}});
  }

  static Result<mcp::ToolSpec> make(std::shared_ptr<Databases> dbs, SqlToolOptions o) {
    o.database = "db";
    return makeSqlTool(
        ToolIdentity{.name = "t", .title = "", .description = "", .scopes = {}, .audit_fields = {}},
        o, std::move(dbs));
  }

  static SqlToolOptions query(std::string sql, std::vector<SqlParam> params = {}) {
    SqlToolOptions o;
    o.operation = Op::Query;
    o.sql = std::move(sql);
    o.params = std::move(params);
    return o;
  }

  mcp::ToolResult call(const mcp::ToolSpec& spec, bj::object args = {}) {
    auto r = spec.handler(args, ctx_);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) {
      return mcp::ToolResult::error("handler failed");
    }
    if (!r->is_error && spec.output_schema) {
      auto out = json::CompiledSchema::compile(*spec.output_schema);
      EXPECT_TRUE((*out)->validate(*r->structured).valid) << bj::serialize(*r->structured);
    }
    return *r;
  }

  static std::string text(const mcp::ToolResult& r) {
    return std::string(r.content.at(0).as_object().at("text").as_string());
  }

  testing::PgDatabase pg_;
  std::string before_;
  testing::TestContext ctx_;
};

SqlParam param(std::string name, std::string_view json) {
  return {std::move(name), bj::parse(json)};
}

// A bound parameter selects exactly the matching row.
TEST_F(Postgres, QueryBindsItsParameter) {
  auto dbs = openAs(pg_.readerUrl());
  auto spec = make(dbs, query("SELECT id, name FROM users WHERE email = :email",
                              {param("email", R"({"type":"string"})")}));
  ASSERT_TRUE(spec) << spec.error().message;
  auto r = call(*spec, {{"email", "bob@example.com"}});
  ASSERT_FALSE(r.is_error) << text(r);
  EXPECT_EQ(bj::serialize(*r.structured),
            R"({"rows":[{"id":2,"name":"Bob"}],"row_count":1,"truncated":false})");
}

// The reference server's escape, as a value: `COMMIT; DROP TABLE users` is just text compared
// with email; the table and every row stay.
TEST_F(Postgres, CommitDropTableInAnArgumentIsJustABoundValue) {
  auto dbs = openAs(pg_.adminUrl());  // even a superuser's connection
  auto spec = make(dbs, query("SELECT id FROM users WHERE email = :email",
                              {param("email", R"({"type":"string"})")}));
  ASSERT_TRUE(spec);
  for (std::string payload : {"COMMIT; DROP TABLE users", "x'; COMMIT; DROP TABLE users; --",
                              "'; END; DROP TABLE users; --"}) {
    auto r = call(*spec, {{"email", payload}});
    ASSERT_FALSE(r.is_error) << text(r);
    EXPECT_EQ(r.structured->at("row_count").as_int64(), 0);
  }
  EXPECT_EQ(pg_.digest(), before_);
}

// The escape as configuration: a configured COMMIT is one statement, so the tokenizer lets it
// through; the server describes it as returning nothing, so sql.query refuses it at start.
// Below that, if such a statement ran, Bastion sees its transaction ended, refuses the call and
// drops that connection; a DROP TABLE run directly meets the READ ONLY transaction.
TEST_F(Postgres, ConfiguredCommitCannotLeaveTheReadOnlyTransaction) {
  auto dbs = openAs(pg_.adminUrl());  // even a superuser's connection
  for (std::string sql : {"COMMIT", "END", "ROLLBACK", "DROP TABLE users", "DELETE FROM users"}) {
    auto spec = make(dbs, query(sql));
    ASSERT_FALSE(spec) << sql;
    EXPECT_EQ(spec.error().message,
              "tool t: the statement returns no rows; sql.query runs statements that return rows "
              "(writes belong in sql.exec)");
  }
  auto db = openPostgres(PostgresOptions{pg_.adminUrl(), 5s, 1});
  ASSERT_TRUE(db) << db.error().message;
  SqlRequest commit{"COMMIT", {}, {}, false, 10, 1000, {}};
  auto r = db.value()->run(commit);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(SqlError::EscapedTransaction));
  EXPECT_EQ(r.error().message, "the statement ended the transaction Bastion opened; refused");
  for (int i = 0; i < 3; ++i) {
    SqlRequest drop{"DROP TABLE users", {}, {}, false, 10, 1000, {}};
    auto d = db.value()->run(drop);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message,
              "the statement would change the database: cannot execute DROP TABLE in a "
              "read-only transaction");
  }
  EXPECT_EQ(pg_.digest(), before_);
}

// A configured `COMMIT; DROP TABLE users` never gets that far: two statements, refused
// before any connection (the same check config load makes).
TEST_F(Postgres, ConfiguredCommitDropTableIsTwoStatements) {
  auto dbs = openAs(pg_.adminUrl());
  auto spec = make(dbs, query("COMMIT; DROP TABLE users"));
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message,
            "tool t: sql: only one statement is allowed; a second one starts at byte 8");
  EXPECT_EQ(pg_.digest(), before_);
}

// Second layer: a statement that bypassed the tokenizer still reaches PostgreSQL through the
// extended protocol, which refuses a second command itself.
TEST_F(Postgres, BackendRefusesASecondStatementOnItsOwn) {
  auto db = openPostgres(PostgresOptions{pg_.adminUrl(), 5s, 1});
  ASSERT_TRUE(db) << db.error().message;
  for (bool write : {false, true}) {
    SqlRequest request{"SELECT 1; DROP TABLE users", {}, {}, write, 10, 1000, {}};
    auto r = db.value()->run(request);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, static_cast<int>(SqlError::MultipleStatements)) << r.error().message;
  }
  EXPECT_EQ(pg_.digest(), before_);
}

// Writes in every form fail inside BEGIN READ ONLY, run directly on the backend as a
// superuser: DML, DDL, data-modifying CTEs, sequences, turning the transaction read-write.
// Session settings a statement makes are rolled back with it.
TEST_F(Postgres, ReadOnlyTransactionRefusesWrites) {
  ASSERT_TRUE(pg_.exec("CREATE SEQUENCE s"));
  before_ = pg_.digest();
  auto db = openPostgres(PostgresOptions{pg_.adminUrl(), 5s, 2});
  ASSERT_TRUE(db) << db.error().message;
  auto run = [&](const std::string& sql) {
    SqlRequest request{sql, {}, {}, false, 10, 1000, {}};
    return db.value()->run(request);
  };
  for (std::string sql :
       {"DELETE FROM users", "UPDATE users SET name = 'x'",
        "INSERT INTO users VALUES (9, 'a', 'b')",
        "WITH d AS (DELETE FROM users RETURNING id) SELECT id FROM d", "SELECT nextval('s')",
        "SELECT set_config('transaction_read_only', 'off', true)", "CREATE TABLE evil(x int)",
        "TRUNCATE users", "ALTER TABLE users ADD COLUMN z int", "GRANT ALL ON users TO PUBLIC"}) {
    EXPECT_FALSE(run(sql)) << sql;
  }
  EXPECT_TRUE(run("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"));
  EXPECT_FALSE(run("DELETE FROM users"));
  // The row-returning ones fail the same way through a tool.
  auto dbs = openAs(pg_.adminUrl());
  for (std::string sql :
       {"WITH d AS (DELETE FROM users RETURNING id) SELECT id FROM d", "SELECT nextval('s')"}) {
    auto spec = make(dbs, query(sql));
    ASSERT_TRUE(spec) << sql << ": " << spec.error().message;
    EXPECT_TRUE(call(*spec).is_error) << sql;
  }
  auto follow = make(dbs, query("SELECT count(*) AS n FROM users"));
  ASSERT_TRUE(follow);
  EXPECT_EQ(bj::serialize(call(*follow).structured->at("rows")), R"([{"n":3}])");
  EXPECT_EQ(pg_.digest(), before_);
  EXPECT_EQ(pg_.scalar("SELECT last_value FROM s"), "1");
}

// The documented SELECT-only role cannot read what it was not granted.
TEST_F(Postgres, SelectOnlyRoleSeesOnlyGrantedTables) {
  ASSERT_TRUE(pg_.exec("CREATE TABLE secrets(v text); INSERT INTO secrets VALUES ('hidden')"));
  auto dbs = openAs(pg_.readerUrl());
  auto spec = make(dbs, query("SELECT v FROM secrets"));
  ASSERT_TRUE(spec);  // prepare does not check privileges
  auto r = call(*spec);
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text(r), "the statement failed: permission denied for table secrets");
}

// statement_timeout ends a slow statement.
TEST_F(Postgres, StatementTimeoutStopsASlowStatement) {
  auto dbs = openAs(pg_.readerUrl(), 300ms);
  auto spec = make(dbs, query("SELECT pg_sleep(30)"));
  ASSERT_TRUE(spec);
  auto start = std::chrono::steady_clock::now();
  auto r = call(*spec);
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text(r), "the statement took longer than statement_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

// max_rows stops the transfer of a huge result early and flags it; the connection is
// replaced and the next call works.
TEST_F(Postgres, RowCapStopsAHugeResult) {
  auto dbs = openAs(pg_.readerUrl());
  // In the select list the series streams (in FROM it would be materialized first).
  auto o = query("SELECT generate_series(1, 100000000) AS n");
  o.max_rows = 3;
  auto spec = make(dbs, o);
  ASSERT_TRUE(spec);
  auto start = std::chrono::steady_clock::now();
  auto r = call(*spec);
  ASSERT_FALSE(r.is_error) << text(r);
  EXPECT_EQ(bj::serialize(*r.structured),
            R"({"rows":[{"n":1},{"n":2},{"n":3}],"row_count":3,"truncated":true})");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  auto again = call(*spec);
  EXPECT_EQ(again.structured->at("row_count").as_int64(), 3);
}

// Pooled connections the server dropped while idle are replaced: the next call works.
TEST_F(Postgres, TerminatedIdleConnectionsAreReplaced) {
  auto dbs = openAs(pg_.readerUrl());
  auto spec = make(dbs, query("SELECT count(*) AS n FROM users"));
  ASSERT_TRUE(spec);
  ASSERT_FALSE(call(*spec).is_error);
  EXPECT_EQ(pg_.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                       "usename = 'reader_" +
                       pg_.suffix() + "'"),
            "1");
  for (int i = 0; i < 3; ++i) {
    auto r = call(*spec);
    ASSERT_FALSE(r.is_error) << text(r);
    EXPECT_EQ(bj::serialize(r.structured->at("rows")), R"([{"n":3}])");
  }
}

// max_bytes counts the rows as JSON lines.
TEST_F(Postgres, ByteCapTruncates) {
  auto dbs = openAs(pg_.readerUrl());
  auto o = query("SELECT id FROM users ORDER BY id");
  o.max_bytes = 2 * std::string("{\"id\":1}\n").size();
  auto spec = make(dbs, o);
  ASSERT_TRUE(spec);
  auto r = call(*spec);
  EXPECT_EQ(r.structured->at("row_count").as_int64(), 2);
  EXPECT_TRUE(r.structured->at("truncated").as_bool());
}

// PostgreSQL types become JSON: integers, booleans, floats, jsonb as JSON; numeric (exact)
// and bytea as PostgreSQL prints them; NULL as null.
TEST_F(Postgres, ColumnTypesBecomeJson) {
  auto dbs = openAs(pg_.readerUrl());
  auto spec = make(dbs, query("SELECT i, b, n, f, j, t, z, by FROM kinds"));
  ASSERT_TRUE(spec);
  EXPECT_EQ(bj::serialize(call(*spec).structured->at("rows")),
            R"([{"i":7,"b":true,"n":"12.50","f":1.5E0,"j":{"a":[1,2]},"t":"x","z":null,)"
            R"("by":"\\x00ff"}])");
}

// Typed values bind with their types: integers, booleans, floats and NULL (default null).
TEST_F(Postgres, TypedParametersBind) {
  auto dbs = openAs(pg_.readerUrl());
  auto spec = make(
      dbs, query("SELECT id FROM users WHERE id >= :min AND :flag AND :ratio < 2 AND "
                 "(:nothing::text IS NULL) ORDER BY id",
                 {param("min", R"({"type":"integer"})"), param("flag", R"({"type":"boolean"})"),
                  param("ratio", R"({"type":"number"})"),
                  param("nothing", R"({"type":["string","null"],"default":null})")}));
  ASSERT_TRUE(spec) << spec.error().message;
  auto r = call(*spec, {{"min", 2}, {"flag", true}, {"ratio", 1.25}});
  ASSERT_FALSE(r.is_error) << text(r);
  EXPECT_EQ(bj::serialize(r.structured->at("rows")), R"([{"id":2},{"id":3}])");
}

// A string where the statement needs an integer is parsed by the server as an integer: an
// injection attempt is an error, not SQL.
TEST_F(Postgres, StringForAnIntegerColumnIsParsedNotExecuted) {
  auto dbs = openAs(pg_.readerUrl());
  auto spec = make(
      dbs, query("SELECT id FROM users WHERE id = :id", {param("id", R"({"type":"string"})")}));
  ASSERT_TRUE(spec);
  auto r = call(*spec, {{"id", "1 OR 1=1"}});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text(r), "the statement failed: invalid input syntax for type integer: \"1 OR 1=1\"");
}

// sql.exec writes through BEGIN READ WRITE ... COMMIT and reports the affected rows; the
// SELECT-only role cannot.
TEST_F(Postgres, ExecWritesWithAWriterRoleOnly) {
  SqlToolOptions o;
  o.operation = Op::Exec;
  o.sql = "UPDATE users SET name = :name WHERE id = :id";
  o.params = {param("name", R"({"type":"string"})"), param("id", R"({"type":"integer"})")};
  auto reader = make(openAs(pg_.readerUrl()), o);
  ASSERT_TRUE(reader);
  auto denied = call(*reader, {{"name", "x"}, {"id", 1}});
  EXPECT_TRUE(denied.is_error);
  EXPECT_EQ(text(denied), "the statement failed: permission denied for table users");
  EXPECT_EQ(pg_.digest(), before_);
  auto writer = make(openAs(pg_.writerUrl()), o);
  ASSERT_TRUE(writer);
  EXPECT_TRUE(writer->annotations.destructive.value_or(false));
  auto r = call(*writer, {{"name", "Robert'); DROP TABLE users; --"}, {"id", 2}});
  ASSERT_FALSE(r.is_error) << text(r);
  EXPECT_EQ(bj::serialize(*r.structured), R"({"affected_rows":1})");
  EXPECT_EQ(pg_.scalar("SELECT name FROM users WHERE id = 2"), "Robert'); DROP TABLE users; --");
  EXPECT_EQ(pg_.scalar("SELECT count(*) FROM users"), "3");
}

// sql.list: the table comes from the enum of configured names, quoted; limit and offset bound.
TEST_F(Postgres, ListShowsAnAllowListedTable) {
  auto dbs = openAs(pg_.readerUrl());
  SqlToolOptions o;
  o.operation = Op::List;
  o.tables = {"public.users"};
  auto spec = make(dbs, o);
  ASSERT_TRUE(spec) << spec.error().message;
  auto r = call(*spec, {{"table", "public.users"}, {"limit", 1}, {"offset", 1}});
  ASSERT_FALSE(r.is_error) << text(r);
  EXPECT_EQ(bj::serialize(r.structured->at("rows")),
            R"([{"id":2,"email":"bob@example.com","name":"Bob"}])");
  EXPECT_TRUE(call(*spec, {{"table", "users; DROP TABLE users"}}).is_error);
  EXPECT_EQ(pg_.digest(), before_);
}

// A password from ${env:NAME} with URL-special characters is percent-encoded into the URL.
TEST_F(Postgres, PasswordFromEnvironmentIsEncodedIntoTheUrl) {
  const std::string password = "p@ss:w/rd?" + testing::randomHex(4) + "#%";
  std::string role = "enc_" + pg_.suffix();
  ASSERT_TRUE(pg_.exec("CREATE ROLE " + role + " LOGIN PASSWORD '" + password +
                       "'; GRANT SELECT ON users TO " + role));
  std::string url = pg_.url(role, "${env:PGPASS}");
  auto dbs = open({{"db", DatabaseOptions{url, 5s, 1}}}, [&](std::string_view name) {
    return name == "PGPASS" ? std::optional<std::string>(password) : std::nullopt;
  });
  ASSERT_TRUE(dbs);
  auto spec = make(dbs, query("SELECT count(*) AS n FROM users"));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(bj::serialize(call(*spec).structured->at("rows")), R"([{"n":3}])");
  ASSERT_TRUE(pg_.exec("DROP OWNED BY " + role + "; DROP ROLE " + role));
}

// An unreachable or refusing server fails at start, and the message has no password.
TEST_F(Postgres, ConnectFailureNamesNoPassword) {
  const std::string wrong = "wrong-" + testing::randomHex(8);
  std::string url = pg_.url("reader_" + pg_.suffix(), wrong);
  guard::Secrets secrets([](std::string_view) { return std::nullopt; });
  auto dbs = openDatabases({{"db", DatabaseOptions{url, 5s, 1}}}, secrets);
  ASSERT_FALSE(dbs);
  EXPECT_NE(dbs.error().message.find("database db: cannot connect to PostgreSQL:"),
            std::string::npos)
      << dbs.error().message;
  EXPECT_NE(dbs.error().message.find("password authentication failed"), std::string::npos)
      << dbs.error().message;
  EXPECT_EQ(dbs.error().message.find(wrong), std::string::npos);
  auto closed = openDatabases(
      {{"db", DatabaseOptions{"postgresql://u:" + wrong + "@127.0.0.1:1/x", 2s, 1}}}, secrets);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().message.find(wrong), std::string::npos);
}

// A variable that is unset fails at start naming the variable only.
TEST_F(Postgres, MissingPasswordVariableFailsAtStart) {
  guard::Secrets secrets([](std::string_view) { return std::nullopt; });
  auto dbs = openDatabases(
      {{"db", DatabaseOptions{pg_.url("reader_" + pg_.suffix(), "${env:NOPE_PGPASS}"), 5s, 1}}},
      secrets);
  ASSERT_FALSE(dbs);
  EXPECT_NE(dbs.error().message.find("NOPE_PGPASS"), std::string::npos) << dbs.error().message;
}

}  // namespace
}  // namespace bastion::tools
