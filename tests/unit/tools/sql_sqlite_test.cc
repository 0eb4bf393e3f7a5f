// sql.query / sql.list / sql.exec against a real SQLite file.

// GCC 12 -O2 reports false -Wnull-dereference on checked results (r-> after ASSERT_TRUE(r)).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "config/config.h"
#include "guard/secrets.h"
#include "json/schema.h"
#include "mcp/server.h"
#include "tools/sql.h"
#include "tools/sql_backend.h"
#include "unit/tools/sql_test_support.h"

namespace bastion::tools {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDir;
using testing::sqliteDigest;
using testing::sqliteScript;
using testing::TestContext;
namespace bj = boost::json;
using Op = SqlToolOptions::Operation;

constexpr const char* kSeed = R"sql(
BEGIN;
CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL);
INSERT INTO users VALUES (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob'),
  (3, 'cy@example.com', 'Cy'), (4, 'dee@example.com', 'Dee'), (5, 'eve@example.com', 'Eve');
CREATE TABLE secrets(id INTEGER PRIMARY KEY, value TEXT);
INSERT INTO secrets VALUES (1, 'hunter2');
CREATE VIEW user_names AS SELECT id, name FROM users;
COMMIT;
)sql";

bj::object schema(std::string_view json) { return bj::parse(json).as_object(); }

class SqliteTools : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("app.db");
    sqliteScript(path_, kSeed);
    reopen(5s);
  }

  void reopen(std::chrono::milliseconds timeout) {
    guard::Secrets secrets([](std::string_view) { return std::nullopt; });
    std::map<std::string, DatabaseOptions, std::less<>> config{
        {"app", DatabaseOptions{"sqlite://" + path_, timeout, 2}}};
    auto dbs = openDatabases(config, secrets);
    ASSERT_TRUE(dbs) << dbs.error().message;
    databases_ = *dbs;
  }

  Result<mcp::ToolSpec> make(SqlToolOptions o) {
    o.database = "app";
    return makeSqlTool(
        ToolIdentity{.name = "t", .title = "", .description = "", .scopes = {}, .audit_fields = {}},
        o, databases_);
  }

  static SqlToolOptions query(std::string sql, std::vector<SqlParam> params,
                              std::vector<std::string> tables = {"users"}) {
    SqlToolOptions o;
    o.operation = Op::Query;
    o.sql = std::move(sql);
    o.params = std::move(params);
    o.tables = std::move(tables);
    return o;
  }

  // Calls the handler and checks a successful result against the tool's outputSchema.
  mcp::ToolResult call(const mcp::ToolSpec& spec, bj::object args) {
    auto r = spec.handler(args, ctx_);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) {
      return mcp::ToolResult::error("handler failed");
    }
    if (!r->is_error && spec.output_schema) {
      auto out = json::CompiledSchema::compile(*spec.output_schema);
      EXPECT_TRUE(out);
      EXPECT_TRUE((*out)->validate(*r->structured).valid) << bj::serialize(*r->structured);
    }
    return *r;
  }

  static std::string textOf(const mcp::ToolResult& r) {
    return std::string(r.content.at(0).as_object().at("text").as_string());
  }

  ScratchDir dir_;
  std::string path_;
  std::shared_ptr<Databases> databases_;
  TestContext ctx_;
};

SqlParam param(std::string name, std::string_view json) { return {std::move(name), schema(json)}; }

// A bound parameter selects exactly the matching row; the result has rows, count, truncated.
TEST_F(SqliteTools, QueryBindsItsParameter) {
  auto spec = make(query("SELECT id, name FROM users WHERE email = :email",
                         {param("email", R"({"type":"string","maxLength":200})")}));
  ASSERT_TRUE(spec) << spec.error().message;
  auto r = call(*spec, {{"email", "bob@example.com"}});
  ASSERT_FALSE(r.is_error) << textOf(r);
  EXPECT_EQ(bj::serialize(*r.structured),
            R"({"rows":[{"id":2,"name":"Bob"}],"row_count":1,"truncated":false})");
  EXPECT_EQ(textOf(r), "{\"id\":2,\"name\":\"Bob\"}\n");
  EXPECT_TRUE(spec->annotations.read_only.value_or(false));
  EXPECT_FALSE(spec->annotations.destructive.value_or(true));
}

// Classic injection: the payload is a value compared with email, so nothing matches.
TEST_F(SqliteTools, OrOneEqualsOneIsJustAValue) {
  auto spec = make(
      query("SELECT id FROM users WHERE email = :email", {param("email", R"({"type":"string"})")}));
  ASSERT_TRUE(spec);
  std::string before = sqliteDigest(path_);
  auto r = call(*spec, {{"email", "' OR '1'='1"}});
  EXPECT_EQ(r.structured->at("row_count").as_int64(), 0);
  auto r2 = call(*spec, {{"email", "x'; DROP TABLE users; --"}});
  EXPECT_EQ(r2.structured->at("row_count").as_int64(), 0);
  EXPECT_EQ(sqliteDigest(path_), before);
}

// The input schema is the object of the params; a param with a default is optional and the
// default is bound when the argument is absent.
TEST_F(SqliteTools, InputSchemaRequiresParamsWithoutDefault) {
  auto spec = make(query(
      "SELECT id FROM users WHERE id >= :min AND name <> :skip ORDER BY id",
      {param("min", R"({"type":"integer","default":4})"), param("skip", R"({"type":"string"})")}));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(bj::serialize(spec->input_schema.at("required")), R"(["skip"])");
  auto r = call(*spec, {{"skip", "Dee"}});
  EXPECT_EQ(bj::serialize(r.structured->at("rows")), R"([{"id":5}])");
}

// A default that its own schema rejects is a configuration error found at start.
TEST_F(SqliteTools, DefaultMustMatchItsSchema) {
  auto spec = make(query("SELECT id FROM users WHERE id = :id",
                         {param("id", R"({"type":"integer","default":"x"})")}));
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("default does not match"), std::string::npos);
}

// Placeholders and params must match both ways.
TEST_F(SqliteTools, ParamsAndPlaceholdersMustMatch) {
  auto missing = make(query("SELECT id FROM users WHERE id = :id", {}));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find(":id but params.id"), std::string::npos);
  auto unused = make(query("SELECT id FROM users", {param("id", R"({"type":"integer"})")}));
  ASSERT_FALSE(unused);
  EXPECT_NE(unused.error().message.find("does not use :id"), std::string::npos);
}

// The handler re-checks each value against its schema (even if the pipeline's validation were
// bypassed) and refuses NUL characters.
TEST_F(SqliteTools, HandlerRefusesInvalidValuesAndNul) {
  auto spec =
      make(query("SELECT id FROM users WHERE id = :id OR name = :name",
                 {param("id", R"({"type":"integer"})"), param("name", R"({"type":"string"})")}));
  ASSERT_TRUE(spec);
  auto wrong = call(*spec, {{"id", "1 OR 1=1"}, {"name", "x"}});
  EXPECT_TRUE(wrong.is_error);
  EXPECT_EQ(textOf(wrong), "argument 'id' is invalid: has the wrong type");
  auto nul = call(*spec, {{"id", 1}, {"name", bj::string(std::string_view("Ada\0' OR 1=1", 12))}});
  EXPECT_TRUE(nul.is_error);
  EXPECT_EQ(textOf(nul), "argument 'name' holds a NUL character");
  auto absent = call(*spec, {{"id", 1}});
  EXPECT_EQ(textOf(absent), "argument 'name' is missing");
}

// max_rows stops fetching and flags truncation; exactly max_rows rows is not truncated.
TEST_F(SqliteTools, RowCapTruncates) {
  auto o = query("SELECT id FROM users ORDER BY id", {});
  o.max_rows = 2;
  auto spec = make(o);
  ASSERT_TRUE(spec);
  auto r = call(*spec, {});
  EXPECT_EQ(bj::serialize(*r.structured),
            R"({"rows":[{"id":1},{"id":2}],"row_count":2,"truncated":true})");
  EXPECT_NE(textOf(r).find("(truncated"), std::string::npos);
  o.max_rows = 5;
  auto exact = make(o);
  EXPECT_FALSE(call(*exact, {}).structured->at("truncated").as_bool());
}

// max_bytes counts the rows as JSON lines; the row that would pass it is not returned.
TEST_F(SqliteTools, ByteCapTruncates) {
  auto o = query("SELECT id FROM users ORDER BY id", {});
  o.max_bytes = 2 * std::string("{\"id\":1}\n").size();
  auto spec = make(o);
  ASSERT_TRUE(spec);
  auto r = call(*spec, {});
  EXPECT_EQ(r.structured->at("row_count").as_int64(), 2);
  EXPECT_TRUE(r.structured->at("truncated").as_bool());
}

// The authorizer allows only the listed tables: reading another one fails at start.
TEST_F(SqliteTools, UnlistedTableIsRefusedAtStart) {
  auto spec = make(query("SELECT value FROM secrets", {}));
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message,
            "tool t: not allowed by the tool's policy: reading table secrets");
  auto joined = make(query("SELECT u.id FROM users u JOIN secrets s ON s.id = u.id", {}));
  EXPECT_FALSE(joined);
  auto sub = make(query("SELECT id FROM users WHERE id IN (SELECT id FROM secrets)", {}));
  EXPECT_FALSE(sub);
}

// The schema table is a table like any other: unreadable unless listed.
TEST_F(SqliteTools, SchemaTableIsNotReadable) {
  EXPECT_FALSE(make(query("SELECT sql FROM sqlite_master", {})));
  EXPECT_FALSE(make(query("SELECT name FROM sqlite_schema", {})));
}

// Writes in a sql.query are refused by the authorizer at start and by the read-only connection;
// the file is unchanged.
TEST_F(SqliteTools, WriteInQueryIsRefused) {
  std::string before = sqliteDigest(path_);
  for (std::string sql : {"DELETE FROM users", "UPDATE users SET name = 'x'",
                          "INSERT INTO users VALUES (9, 'x', 'y')", "DROP TABLE users",
                          "CREATE TABLE evil(x)", "REPLACE INTO users VALUES (1, 'x', 'y')"}) {
    auto spec = make(query(sql, {}));
    EXPECT_FALSE(spec) << sql;
  }
  EXPECT_EQ(sqliteDigest(path_), before);
}

// ATTACH, PRAGMA and transaction control are outside the allow-list.
TEST_F(SqliteTools, AttachPragmaAndTransactionsAreRefused) {
  std::string other = dir_.file("other.db");
  for (std::string sql :
       {"ATTACH DATABASE '" + other + "' AS o", std::string("PRAGMA table_info(users)"),
        std::string("PRAGMA query_only = 0"),
        std::string("SELECT * FROM pragma_table_info('users')"), std::string("BEGIN"),
        std::string("COMMIT"), std::string("VACUUM"), std::string("DETACH DATABASE main")}) {
    EXPECT_FALSE(make(query(sql, {}))) << sql;
  }
  EXPECT_FALSE(std::filesystem::exists(other));
}

// Functions outside the pure allow-list (extension loading, large allocations) are refused.
TEST_F(SqliteTools, UnsafeFunctionsAreRefused) {
  for (std::string sql : {"SELECT load_extension('/tmp/x.so')", "SELECT randomblob(1000000000)",
                          "SELECT zeroblob(1000000000)", "SELECT sqlite_compileoption_get(0)",
                          "SELECT fts3_tokenizer('simple')"}) {
    EXPECT_FALSE(make(query(sql, {}))) << sql;
  }
  EXPECT_TRUE(make(query("SELECT upper(name), length(email), coalesce(NULL, 1) FROM users", {})));
}

// The authorizer sees through views: a view is readable when it and the tables it reads are
// listed.
TEST_F(SqliteTools, ViewsAreCheckedByTheTablesTheyRead) {
  EXPECT_FALSE(make(query("SELECT name FROM user_names WHERE id = 1", {}, {"user_names"})));
  EXPECT_FALSE(make(query("SELECT name FROM user_names WHERE id = 1", {}, {"users"})));
  auto spec = make(query("SELECT name FROM user_names WHERE id = 1", {}, {"user_names", "users"}));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(bj::serialize(call(*spec, {}).structured->at("rows")), R"([{"name":"Ada"}])");
}

// A CTE named like a listed table or view cannot smuggle in a read of an unlisted table.
TEST_F(SqliteTools, CteCannotLaunderAnUnlistedTable) {
  EXPECT_FALSE(
      make(query("WITH users AS (SELECT value AS id FROM secrets) SELECT id FROM users", {})));
  EXPECT_FALSE(make(query("WITH user_names AS (SELECT value FROM secrets) SELECT * FROM user_names",
                          {}, {"user_names"})));
  EXPECT_FALSE(make(query("WITH c AS (SELECT 1 AS x) SELECT count(*) FROM secrets, c", {})));
  auto ok = make(query("WITH c AS (SELECT id FROM users) SELECT count(id) AS n FROM c", {}));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(bj::serialize(call(*ok, {}).structured->at("rows")), R"([{"n":5}])");
}

// statement_timeout bounds a runaway statement (an endless recursive CTE).
TEST_F(SqliteTools, TimeoutStopsARunawayStatement) {
  reopen(50ms);
  auto spec =
      make(query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                 "SELECT count(i) AS c FROM n",
                 {}, {}));
  ASSERT_TRUE(spec) << spec.error().message;
  auto r = call(*spec, {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(textOf(r), "the statement took longer than statement_timeout");
}

// A cancelled call stops the statement.
TEST_F(SqliteTools, CancelledCallStops) {
  auto spec =
      make(query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                 "SELECT count(i) AS c FROM n",
                 {}, {}));
  ASSERT_TRUE(spec);
  ctx_.cancel();
  auto r = call(*spec, {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(textOf(r), "the call was cancelled");
}

// sql.exec changes listed tables only, reports the affected rows, and is marked destructive.
TEST_F(SqliteTools, ExecUpdatesAListedTable) {
  SqlToolOptions o;
  o.operation = Op::Exec;
  o.sql = "UPDATE users SET name = :name WHERE id = :id";
  o.params = {param("name", R"({"type":"string"})"), param("id", R"({"type":"integer"})")};
  o.tables = {"users"};
  auto spec = make(o);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_TRUE(spec->annotations.destructive.value_or(false));
  EXPECT_FALSE(spec->annotations.read_only.value_or(true));
  auto r = call(*spec, {{"name", "Robert'); DROP TABLE users; --"}, {"id", 2}});
  ASSERT_FALSE(r.is_error) << textOf(r);
  EXPECT_EQ(bj::serialize(*r.structured), R"({"affected_rows":1})");
  auto read = make(query("SELECT name FROM users WHERE id = 2", {}));
  EXPECT_EQ(bj::serialize(call(*read, {}).structured->at("rows")),
            R"([{"name":"Robert'); DROP TABLE users; --"}])");
}

// An INSERT into an AUTOINCREMENT table needs only that table listed (SQLite's bookkeeping
// in sqlite_sequence is not the statement's doing); an upsert works the same way.
TEST_F(SqliteTools, ExecInsertsIntoAnAutoincrementTable) {
  sqliteScript(path_, "CREATE TABLE notes(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT)");
  SqlToolOptions o;
  o.operation = Op::Exec;
  o.sql =
      "INSERT INTO notes(body) VALUES (:body) ON CONFLICT(id) DO UPDATE SET body = "
      "excluded.body";
  o.params = {param("body", R"({"type":"string"})")};
  o.tables = {"notes"};
  auto spec = make(o);
  ASSERT_TRUE(spec) << spec.error().message;
  auto r = call(*spec, {{"body", "'); DELETE FROM users; --"}});
  ASSERT_FALSE(r.is_error) << textOf(r);
  EXPECT_EQ(bj::serialize(*r.structured), R"({"affected_rows":1})");
  auto count = make(query("SELECT count(id) AS n FROM users", {}));
  EXPECT_EQ(bj::serialize(call(*count, {}).structured->at("rows")), R"([{"n":5}])");
}

// The write connection enforces foreign keys: a dangling reference is refused, and the parent
// table must be listed because the check reads it.
TEST_F(SqliteTools, ExecEnforcesForeignKeys) {
  sqliteScript(path_,
               "CREATE TABLE posts(id INTEGER PRIMARY KEY, "
               "user_id INTEGER NOT NULL REFERENCES users(id), body TEXT)");
  SqlToolOptions o;
  o.operation = Op::Exec;
  o.sql = "INSERT INTO posts(user_id, body) VALUES (:user_id, 'hi')";
  o.params = {param("user_id", R"({"type":"integer"})")};
  o.tables = {"posts"};
  auto unlisted = make(o);
  ASSERT_FALSE(unlisted);
  EXPECT_EQ(unlisted.error().message,
            "tool t: not allowed by the tool's policy: reading table users");
  o.tables = {"posts", "users"};
  auto spec = make(o);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_FALSE(call(*spec, {{"user_id", 1}}).is_error);
  auto dangling = call(*spec, {{"user_id", 99}});
  EXPECT_TRUE(dangling.is_error);
  EXPECT_EQ(textOf(dangling), "the statement failed: FOREIGN KEY constraint failed");
}

// sql.exec cannot touch tables it does not list, nor run DDL.
TEST_F(SqliteTools, ExecIsConfinedToItsTables) {
  std::string before = sqliteDigest(path_);
  SqlToolOptions o;
  o.operation = Op::Exec;
  o.tables = {"users"};
  for (std::string sql : {"DELETE FROM secrets", "DROP TABLE users", "CREATE TABLE x(y)",
                          "ALTER TABLE users ADD COLUMN z", "PRAGMA journal_mode = delete"}) {
    o.sql = sql;
    EXPECT_FALSE(make(o)) << sql;
  }
  EXPECT_EQ(sqliteDigest(path_), before);
}

// sql.list offers the listed tables as an enum, with limit and offset.
TEST_F(SqliteTools, ListShowsRecordsOfAnAllowListedTable) {
  SqlToolOptions o;
  o.operation = Op::List;
  o.tables = {"users", "user_names"};
  auto spec = make(o);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(bj::serialize(spec->input_schema.at("properties").at("table")),
            R"({"type":"string","enum":["users","user_names"]})");
  EXPECT_EQ(spec->input_schema.at("properties").at("limit").at("maximum").as_int64(), 100);
  auto r = call(*spec, {{"table", "users"}, {"limit", 2}, {"offset", 1}});
  ASSERT_FALSE(r.is_error) << textOf(r);
  EXPECT_EQ(
      bj::serialize(r.structured->at("rows")),
      R"([{"id":2,"email":"bob@example.com","name":"Bob"},{"id":3,"email":"cy@example.com","name":"Cy"}])");
}

// A table name that is not in the enum never reaches SQL (even with validation bypassed).
TEST_F(SqliteTools, ListRefusesATableOutsideTheEnum) {
  SqlToolOptions o;
  o.operation = Op::List;
  o.tables = {"users"};
  auto spec = make(o);
  ASSERT_TRUE(spec);
  for (std::string table : {"secrets", "users; DROP TABLE users", "\"users\"", "USERS"}) {
    auto r = call(*spec, {{"table", table}});
    EXPECT_TRUE(r.is_error) << table;
  }
  auto big = call(*spec, {{"table", "users"}, {"limit", 101}});
  EXPECT_TRUE(big.is_error);
}

// sql.list with an unlisted or missing table fails at start.
TEST_F(SqliteTools, ListOfAMissingTableFailsAtStart) {
  SqlToolOptions o;
  o.operation = Op::List;
  o.tables = {"nope"};
  EXPECT_FALSE(make(o));
  o.tables = {};
  EXPECT_FALSE(make(o));
}

// A database file that does not exist is an error at start, and is not created.
TEST_F(SqliteTools, MissingDatabaseFileFailsAtStart) {
  guard::Secrets secrets([](std::string_view) { return std::nullopt; });
  std::string missing = dir_.file("missing.db");
  std::map<std::string, DatabaseOptions, std::less<>> config{
      {"gone", DatabaseOptions{"sqlite://" + missing, 1s, 1}}};
  auto dbs = openDatabases(config, secrets);
  ASSERT_FALSE(dbs);
  EXPECT_EQ(dbs.error().message,
            "database gone: cannot open the SQLite database: unable to open database file");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

// Second layer: even a statement that bypassed the tokenizer reaches SQLite as one statement
// only; SQLite's own prepare tail catches the rest.
TEST_F(SqliteTools, BackendRefusesASecondStatementOnItsOwn) {
  const std::string before = sqliteDigest(path_);
  auto db = openSqlite(SqliteOptions{path_, 5s, 1});
  ASSERT_TRUE(db);
  std::vector<std::string> tables{"users"};
  SqlRequest request{"SELECT id FROM users; DELETE FROM users", {}, tables, false, 10, 1000, {}};
  auto r = db.value()->run(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(SqlError::MultipleStatements));
  request.write = true;
  EXPECT_FALSE(db.value()->run(request));
  EXPECT_EQ(sqliteDigest(path_), before);
}

// Every kind registers with an MCP server: its schemas compile and it gets a closed input.
TEST_F(SqliteTools, EveryKindRegistersWithTheServer) {
  mcp::Server server(mcp::ServerInfo{.name = "t", .version = "1", .title = "", .instructions = ""});
  auto q = query("SELECT id FROM users WHERE email = :email",
                 {param("email", R"({"type":"string","maxLength":10})")});
  SqlToolOptions list;
  list.operation = Op::List;
  list.tables = {"users"};
  SqlToolOptions exec =
      query("DELETE FROM users WHERE id = :id", {param("id", R"({"type":"integer"})")});
  exec.operation = Op::Exec;
  int n = 0;
  for (const SqlToolOptions& o : {q, list, exec}) {
    SqlToolOptions named = o;
    named.database = "app";
    auto spec = makeSqlTool(ToolIdentity{.name = "tool" + std::to_string(n++),
                                         .title = "",
                                         .description = "",
                                         .scopes = {},
                                         .audit_fields = {}},
                            named, databases_);
    ASSERT_TRUE(spec) << spec.error().message;
    auto added = server.addTool(std::move(spec).value());
    EXPECT_TRUE(added) << added.error().message;
  }
}

// What `bastion serve` does: config file -> openDatabases -> makeSqlTool for each sql tool.
TEST_F(SqliteTools, FromConfigFileToCall) {
  auto config = config::parse(R"(
[databases.app]
url = "sqlite://)" + path_ + R"("
statement_timeout = "2s"

[[tools]]
name = "find_user"
kind = "sql.query"
database = "app"
sql = "SELECT id, name FROM users WHERE email = :email"
params.email = { type = "string", maxLength = 200 }
tables = ["users"]

[[tools]]
name = "browse"
kind = "sql.list"
database = "app"
tables = ["users"]
)",
                              "t.toml");
  ASSERT_TRUE(config) << config.error().toString();
  guard::Secrets secrets([](std::string_view) { return std::nullopt; });
  auto dbs = openDatabases((*config)->databases, secrets);
  ASSERT_TRUE(dbs) << dbs.error().message;
  std::map<std::string, mcp::ToolSpec> specs;
  for (const config::ToolConfig& t : (*config)->tools) {
    auto spec = makeSqlTool(t.identity, std::get<SqlToolOptions>(t.options), *dbs);
    ASSERT_TRUE(spec) << spec.error().message;
    specs.emplace(t.identity.name, std::move(spec).value());
  }
  auto found = call(specs.at("find_user"), {{"email", "ada@example.com"}});
  EXPECT_EQ(bj::serialize(found.structured->at("rows")), R"([{"id":1,"name":"Ada"}])");
  auto page = call(specs.at("browse"), {{"table", "users"}, {"limit", 1}});
  EXPECT_EQ(page.structured->at("row_count").as_int64(), 1);
}

// A URL that names no supported backend is refused at start (config load refuses it too).
TEST_F(SqliteTools, UnsupportedUrlIsRefused) {
  guard::Secrets secrets([](std::string_view) { return std::nullopt; });
  auto dbs = openDatabases({{"x", DatabaseOptions{"mysql://h/db", 1s, 1}}}, secrets);
  ASSERT_FALSE(dbs);
  EXPECT_EQ(dbs.error().code, static_cast<int>(SqlError::BadUrl));
  EXPECT_NE(dbs.error().message.find("database x: expected sqlite://PATH"), std::string::npos);
}

// A tool naming a database that is not open is refused.
TEST_F(SqliteTools, UnknownDatabaseIsRefused) {
  SqlToolOptions o = query("SELECT 1", {});
  o.database = "other";
  auto spec = makeSqlTool(
      ToolIdentity{.name = "t", .title = "", .description = "", .scopes = {}, .audit_fields = {}},
      o, databases_);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message, "tool t: no database named other");
}

// Values keep their JSON types through SQLite: integers, reals, text, NULL, blobs as base64.
TEST_F(SqliteTools, ColumnTypesBecomeJson) {
  sqliteScript(path_,
               "CREATE TABLE kinds(i INTEGER, r REAL, t TEXT, n, b BLOB);"
               "INSERT INTO kinds VALUES (7, 1.5, 'x', NULL, x'00ff');");
  auto spec = make(query("SELECT i, r, t, n, b FROM kinds", {}, {"kinds"}));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(bj::serialize(call(*spec, {}).structured->at("rows")),
            R"([{"i":7,"r":1.5E0,"t":"x","n":null,"b":"AP8="}])");
}

// Calls from many threads share the pool of two connections; each gets its own right answer.
TEST_F(SqliteTools, ConcurrentCallsShareThePool) {
  auto spec =
      make(query("SELECT name FROM users WHERE id = :id", {param("id", R"({"type":"integer"})")}));
  ASSERT_TRUE(spec);
  const std::vector<std::string> names{"Ada", "Bob", "Cy", "Dee", "Eve"};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      TestContext ctx;
      for (int i = 0; i < 30; ++i) {
        std::int64_t id = (t + i) % 5 + 1;
        auto r = spec->handler(bj::object{{"id", id}}, ctx);
        if (!r || r->is_error ||
            r->structured->at("rows").at(0).at("name").as_string() !=
                names[static_cast<std::size_t>(id - 1)]) {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace bastion::tools
