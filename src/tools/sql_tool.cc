// The sql tool kinds on top of a backend: sql.query and sql.exec (a configured statement with
// typed, always-bound parameters) and sql.list (records of allow-listed tables). Also the
// database set opened at start and the row caps shared by both backends.

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <string_view>
#include <utility>

#include "guard/secrets.h"
#include "json/schema.h"
#include "tools/sql.h"
#include "tools/sql_backend.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;
using mcp::CallContext;
using mcp::ToolResult;

constexpr std::int64_t kListMaxLimit = 100;
constexpr std::int64_t kListDefaultLimit = 20;
constexpr std::int64_t kListMaxOffset = 1'000'000;

Error badTool(const ToolIdentity& id, std::string message) {
  return Error(SqlError::BadTool, "tool " + id.name + ": " + std::move(message));
}

bj::object rowsOutputSchema() {
  return bj::object{
      {"type", "object"},
      {"properties", bj::object{{"rows", bj::object{{"type", "array"},
                                                    {"items", bj::object{{"type", "object"}}}}},
                                {"row_count", bj::object{{"type", "integer"}, {"minimum", 0}}},
                                {"truncated", bj::object{{"type", "boolean"}}}}},
      {"required", bj::array{"rows", "row_count", "truncated"}},
      {"additionalProperties", false}};
}

bj::object execOutputSchema() {
  return bj::object{{"type", "object"},
                    {"properties", bj::object{{"affected_rows", bj::object{{"type", "integer"}}}}},
                    {"required", bj::array{"affected_rows"}},
                    {"additionalProperties", false}};
}

// structuredContent, and the same rows as JSON lines for clients that read only text.
ToolResult rowsResult(SqlRows rows) {
  ToolResult result;
  std::string text = std::move(rows.text);
  if (rows.rows.empty()) {
    text += "(no rows)\n";
  }
  if (rows.truncated) {
    text += "(truncated: more rows matched than max_rows / max_bytes allow)\n";
  }
  result.content.push_back(mcp::textContent(text));
  const auto count = static_cast<std::int64_t>(rows.rows.size());
  result.structured = bj::object{
      {"rows", std::move(rows.rows)}, {"row_count", count}, {"truncated", rows.truncated}};
  return result;
}

ToolResult execResult(const SqlRows& rows) {
  ToolResult result;
  result.content.push_back(mcp::textContent(std::to_string(rows.affected) + " row(s) affected"));
  result.structured = bj::object{{"affected_rows", rows.affected}};
  return result;
}

// One parameter of a statement: its schema compiled, and its default when it has one.
struct BoundParam {
  std::string name;
  std::shared_ptr<const json::CompiledSchema> schema;
  std::optional<bj::value> fallback;
};

// What a statement tool's handler holds: the database set (kept alive), the rendered
// statement, its parameters in binding order, and the limits.
struct StatementTool {
  std::shared_ptr<Databases> databases;
  SqlDatabase* database = nullptr;
  std::string sql;
  std::vector<BoundParam> params;
  std::vector<std::string> tables;
  bool write = false;
  std::size_t max_rows = 0;
  std::size_t max_bytes = 0;
};

// The value of each parameter in binding order, checked again against its own schema (the
// pipeline validated the arguments already; this holds even if a server weakens that).
Result<std::vector<bj::value>> argumentValues(const StatementTool& tool, const bj::object& args) {
  std::vector<bj::value> values;
  for (const BoundParam& p : tool.params) {
    const bj::value* v = args.if_contains(p.name);
    if (v == nullptr && !p.fallback) {
      return Error(SqlError::BadArgument, "argument '" + p.name + "' is missing");
    }
    const bj::value& value = v != nullptr ? *v : *p.fallback;
    json::ValidationResult check = p.schema->validate(value);
    if (!check.valid) {
      return Error(SqlError::BadArgument,
                   "argument '" + p.name + "' is invalid" +
                       (check.errors.empty() ? "" : ": " + check.errors.front().message));
    }
    if (value.is_string() && value.get_string().find('\0') != bj::string::npos) {
      return Error(SqlError::BadArgument, "argument '" + p.name + "' holds a NUL character");
    }
    values.push_back(value);
  }
  return values;
}

Result<ToolResult> callStatement(const StatementTool& tool, const bj::object& args,
                                 CallContext& ctx) {
  auto values = argumentValues(tool, args);
  if (!values) {
    return ToolResult::error(values.error().message);
  }
  SqlRequest request{
      tool.sql, values.value(), tool.tables, tool.write, tool.max_rows, tool.max_bytes, [&ctx] {
        return ctx.cancelled();
      }};
  auto rows = tool.database->run(request);
  if (!rows) {
    return ToolResult::error(rows.error().message);
  }
  return tool.write ? execResult(rows.value()) : rowsResult(std::move(rows).value());
}

// Each :name of the statement has a params entry and each entry is used.
Result<void> matchParams(const ToolIdentity& id, const SqlStatement& statement,
                         const std::vector<SqlParam>& params) {
  std::vector<std::string> names = statement.names();
  for (const std::string& name : names) {
    if (std::none_of(params.begin(), params.end(),
                     [&](const SqlParam& p) { return p.name == name; })) {
      return badTool(id, "sql uses :" + name + " but params." + name + " is not declared");
    }
  }
  for (const SqlParam& p : params) {
    if (std::find(names.begin(), names.end(), p.name) == names.end()) {
      return badTool(id, "params." + p.name + " is declared but sql does not use :" + p.name);
    }
  }
  return {};
}

Result<BoundParam> compileParam(const ToolIdentity& id, const SqlParam& param) {
  auto schema = json::CompiledSchema::compile(param.schema);
  if (!schema) {
    return badTool(id, "params." + param.name + ": " + schema.error().message);
  }
  BoundParam out{param.name, std::move(schema).value(), std::nullopt};
  if (const bj::object* o = param.schema.if_object()) {
    if (const bj::value* d = o->if_contains("default")) {
      if (!out.schema->validate(*d).valid) {
        return badTool(id, "params." + param.name + ": the default does not match the schema");
      }
      out.fallback = *d;
    }
  }
  return out;
}

// A parameter is required unless its schema has a `default`, which is then bound when the
// argument is absent.
bj::object statementInputSchema(const std::vector<SqlParam>& params) {
  bj::object properties;
  bj::array required;
  for (const SqlParam& p : params) {
    properties.emplace(p.name, p.schema);
    const bj::object* o = p.schema.if_object();
    if (o == nullptr || !o->contains("default")) {
      required.push_back(bj::value(p.name));
    }
  }
  return bj::object{{"type", "object"},
                    {"properties", std::move(properties)},
                    {"required", std::move(required)},
                    {"additionalProperties", false}};
}

Result<mcp::ToolSpec> makeStatementTool(const ToolIdentity& id, const SqlToolOptions& options,
                                        std::shared_ptr<Databases> databases,
                                        SqlDatabase& database) {
  auto statement = parseStatement(options.sql, database.dialect());
  if (!statement) {
    return badTool(id, "sql: " + statement.error().message);
  }
  if (auto matched = matchParams(id, statement.value(), options.params); !matched) {
    return matched.error();
  }
  auto tool = std::make_shared<StatementTool>();
  std::vector<std::string> order;
  for (const SqlParam& p : options.params) {
    auto bound = compileParam(id, p);
    if (!bound) {
      return bound.error();
    }
    tool->params.push_back(std::move(bound).value());
    order.push_back(p.name);
  }
  auto rendered = renderStatement(statement.value(), database.dialect(), order);
  if (!rendered) {
    return badTool(id, rendered.error().message);
  }
  tool->databases = std::move(databases);
  tool->database = &database;
  tool->sql = std::move(rendered).value();
  tool->tables = options.tables;
  tool->write = options.operation == SqlToolOptions::Operation::Exec;
  tool->max_rows = options.max_rows;
  tool->max_bytes = options.max_bytes;
  SqlRequest probe{tool->sql, {}, tool->tables, tool->write, 0, 0, {}};
  if (auto checked = database.check(probe); !checked) {
    return badTool(id, checked.error().message);
  }
  mcp::ToolBuilder b = builderFor(id);
  b.input(statementInputSchema(options.params));
  if (tool->write) {
    b.output(execOutputSchema()).readOnly(false).destructive(true).idempotent(false);
  } else {
    b.output(rowsOutputSchema()).readOnly(true).destructive(false).idempotent(true);
  }
  b.openWorld(false);
  b.waitsOnPeers(database.dialect() == SqlDialect::Postgres);  // a server across the network
  b.handler(
      [tool](const bj::object& args, CallContext& ctx) { return callStatement(*tool, args, ctx); });
  return std::move(b).build();
}

// sql.list: one statement per allow-listed table, built at start from the configured name
// (quoted); the caller only picks one of them through the enum.
struct ListTool {
  std::shared_ptr<Databases> databases;
  SqlDatabase* database = nullptr;
  std::map<std::string, std::string, std::less<>> statements;  // table -> SQL
  std::vector<std::string> tables;  // SQLite authorizer: all listed (a view needs its tables)
  std::size_t max_bytes = 0;
};

std::int64_t intArg(const bj::object& args, std::string_view key, std::int64_t fallback) {
  const bj::value* v = args.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : fallback;
}

Result<ToolResult> callList(const ListTool& tool, const bj::object& args, CallContext& ctx) {
  const bj::value* table = args.if_contains("table");
  auto it = table != nullptr && table->is_string()
                ? tool.statements.find(std::string_view(table->get_string()))
                : tool.statements.end();
  if (it == tool.statements.end()) {
    return ToolResult::error("argument 'table' must be one of the listed tables");
  }
  const std::int64_t limit = intArg(args, "limit", kListDefaultLimit);
  const std::int64_t offset = intArg(args, "offset", 0);
  if (limit < 1 || limit > kListMaxLimit || offset < 0 || offset > kListMaxOffset) {
    return ToolResult::error("argument 'limit' or 'offset' is out of range");
  }
  std::vector<bj::value> values{bj::value(limit), bj::value(offset)};
  std::vector<std::string> tables{it->first};
  SqlRequest request{
      it->second, values, tables, false, static_cast<std::size_t>(limit), tool.max_bytes, [&ctx] {
        return ctx.cancelled();
      }};
  auto rows = tool.database->run(request);
  if (!rows) {
    return ToolResult::error(rows.error().message);
  }
  return rowsResult(std::move(rows).value());
}

Result<mcp::ToolSpec> makeListTool(const ToolIdentity& id, const SqlToolOptions& options,
                                   std::shared_ptr<Databases> databases, SqlDatabase& database) {
  if (options.tables.empty()) {
    return badTool(id, "sql.list needs at least one table in `tables`");
  }
  auto tool = std::make_shared<ListTool>();
  bj::array names;
  const bool sqlite = database.dialect() == SqlDialect::Sqlite;
  for (const std::string& table : options.tables) {
    std::string sql = "SELECT * FROM " + quoteIdentifier(table) + " ORDER BY 1 LIMIT " +
                      (sqlite ? "?1 OFFSET ?2" : "$1 OFFSET $2");
    SqlRequest probe{sql, {}, options.tables, false, 0, 0, {}};
    if (auto checked = database.check(probe); !checked) {
      return badTool(id, "table " + table + ": " + checked.error().message);
    }
    tool->statements.emplace(table, std::move(sql));
    names.push_back(bj::value(table));
  }
  tool->databases = std::move(databases);
  tool->database = &database;
  tool->max_bytes = options.max_bytes;
  tool->tables = options.tables;
  bj::object input{
      {"type", "object"},
      {"properties",
       bj::object{{"table", bj::object{{"type", "string"}, {"enum", std::move(names)}}},
                  {"limit", bj::object{{"type", "integer"},
                                       {"minimum", 1},
                                       {"maximum", kListMaxLimit},
                                       {"default", kListDefaultLimit}}},
                  {"offset", bj::object{{"type", "integer"},
                                        {"minimum", 0},
                                        {"maximum", kListMaxOffset},
                                        {"default", 0}}}}},
      {"required", bj::array{"table"}},
      {"additionalProperties", false}};
  mcp::ToolBuilder b = builderFor(id);
  b.input(std::move(input)).output(rowsOutputSchema());
  b.readOnly(true).destructive(false).idempotent(true).openWorld(false);
  b.waitsOnPeers(database.dialect() == SqlDialect::Postgres);
  b.handler(
      [tool](const bj::object& args, CallContext& ctx) { return callList(*tool, args, ctx); });
  return std::move(b).build();
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// `${env:NAME}` expanded through `secrets` (so each value is registered for redaction). Inside
// a PostgreSQL URL a value is percent-encoded (a password may hold '@', ':' or '/').
Result<std::string> expandUrl(std::string_view url, SqlDialect dialect, guard::Secrets& secrets) {
  auto names = guard::envReferences(url);
  if (!names) {
    return names.error();
  }
  if (dialect == SqlDialect::Sqlite || names.value().empty()) {
    return secrets.expand(url);
  }
  std::string out;
  std::size_t at = 0;
  for (const std::string& name : names.value()) {
    std::string ref = "${env:" + name + "}";
    std::size_t pos = url.find(ref, at);
    out.append(url.substr(at, pos - at));
    auto value = secrets.expand(ref);
    if (!value) {
      return value.error();
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : value.value()) {
      if (unreserved(c)) {
        out += c;
      } else {
        auto u = static_cast<unsigned char>(c);
        out += '%';
        out += kHex[u >> 4];
        out += kHex[u & 0xF];
      }
    }
    at = pos + ref.size();
  }
  out.append(url.substr(at));
  return out;
}

Result<std::unique_ptr<SqlDatabase>> openOne(const DatabaseOptions& options,
                                             guard::Secrets& secrets) {
  auto dialect = dialectOfUrl(options.url);
  if (!dialect) {
    return Error(SqlError::BadUrl, dialect.error().message);
  }
  auto url = expandUrl(options.url, dialect.value(), secrets);
  if (!url) {
    return url.error();
  }
  if (dialect.value() == SqlDialect::Sqlite) {
    return openSqlite(SqliteOptions{url.value().substr(std::string_view("sqlite://").size()),
                                    options.statement_timeout, options.pool_size});
  }
  return openPostgres(
      PostgresOptions{std::move(url).value(), options.statement_timeout, options.pool_size});
}

}  // namespace

bool RowCollector::add(bj::object row) {
  if (rows_.rows.size() >= max_rows_) {
    rows_.truncated = true;
    return false;
  }
  std::string line = bj::serialize(row);
  if (rows_.bytes + line.size() + 1 > max_bytes_) {
    rows_.truncated = true;
    return false;
  }
  rows_.bytes += line.size() + 1;
  rows_.text += line;
  rows_.text += '\n';
  rows_.rows.push_back(std::move(row));
  return true;
}

Error notAQuery() {
  return Error(SqlError::NotAQuery,
               "the statement returns no rows; sql.query runs statements that return rows "
               "(writes belong in sql.exec)");
}

std::string doubleText(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("NaN");
}

Result<std::shared_ptr<Databases>> openDatabases(
    const std::map<std::string, DatabaseOptions, std::less<>>& databases, guard::Secrets& secrets) {
  auto out = std::make_shared<Databases>();
  for (const auto& [name, options] : databases) {
    auto db = openOne(options, secrets);
    if (!db) {
      return Error(db.error().code, "database " + name + ": " + db.error().message);
    }
    out->add(name, std::move(db).value());
  }
  return out;
}

Result<mcp::ToolSpec> makeSqlTool(const ToolIdentity& identity, const SqlToolOptions& options,
                                  std::shared_ptr<Databases> databases) {
  SqlDatabase* database = databases ? databases->find(options.database) : nullptr;
  if (database == nullptr) {
    return Error(SqlError::UnknownDatabase,
                 "tool " + identity.name + ": no database named " + options.database);
  }
  if (options.max_rows == 0 || options.max_bytes == 0) {
    return badTool(identity, "max_rows and max_bytes must be at least 1");
  }
  if (options.operation == SqlToolOptions::Operation::List) {
    return makeListTool(identity, options, std::move(databases), *database);
  }
  return makeStatementTool(identity, options, std::move(databases), *database);
}

}  // namespace bastion::tools
