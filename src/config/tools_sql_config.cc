// The keys of `sql.*` tools and [databases.NAME]. Everything that can be decided without a
// database is decided here, at load: the database exists, the statement is exactly one
// statement (tokenized in the database's dialect, so `COMMIT; DROP TABLE x` is refused), every
// :name has a params entry and every entry is used, the tables a kind needs are listed.
//
//   [databases.app]
//   url = "sqlite:///srv/app.db"            # or "postgresql://reader:${env:PGPASS}@db/app"
//   statement_timeout = "5s"
//   pool_size = 4
//
//   [[tools]]
//   name = "find_user"
//   kind = "sql.query"
//   database = "app"
//   sql = "SELECT id, name FROM users WHERE email = :email"
//   params.email = { type = "string", maxLength = 200 }
//   tables = ["users"]
//   max_rows = 100
//   max_bytes = "64KiB"

#include <algorithm>
#include <filesystem>

#include "config/config_internal.h"
#include "tools/sql_statement.h"

namespace bastion::config::detail {
namespace {

// Database and parameter names: what a TOML bare key and a `:name` placeholder both allow.
bool validName(std::string_view name, bool dash) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(),
                     [dash](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '_' || (dash && c == '-');
                     }) &&
         !(name[0] >= '0' && name[0] <= '9');
}

void readDatabase(const std::string& name, const toml::table& table, Diagnostics& diags,
                  tools::DatabaseOptions& out) {
  TableReader r(table, "databases." + name, diags);
  if (!r.readSecretString("url", out.url)) {
    if (table.get("url") == nullptr) {
      diags.at(table.source(), r.keyPath("url"), "required");
    }
  } else if (auto dialect = tools::dialectOfUrl(out.url); !dialect) {
    r.error(*table.get("url"), "url",
            dialect.error().message + " (the scheme must be written, not taken from ${env:})");
  } else {
    // A relative SQLite path is taken from the config file's directory, like a files root, so
    // a configuration works whatever directory the server starts in.
    constexpr std::string_view kSqlite = "sqlite://";
    const std::string_view path = std::string_view(out.url).substr(
        out.url.starts_with(kSqlite) ? kSqlite.size() : out.url.size());
    const std::filesystem::path dir = std::filesystem::path(diags.file()).parent_path();
    if (!path.empty() && !path.starts_with('/') && !path.starts_with(':') &&
        path.find("${") == std::string_view::npos && !dir.empty()) {
      out.url = std::string(kSqlite) + (dir / std::string(path)).string();
    }
  }
  r.readDuration("statement_timeout", out.statement_timeout);
  r.readInteger("pool_size", out.pool_size, 1, 64);
  r.finish();
}

std::optional<tools::SqlDialect> dialectOf(
    const std::map<std::string, tools::DatabaseOptions, std::less<>>& databases,
    std::string_view name) {
  auto it = databases.find(name);
  if (it == databases.end()) {
    return std::nullopt;
  }
  auto dialect = tools::dialectOfUrl(it->second.url);
  return dialect ? std::optional(dialect.value()) : std::nullopt;
}

// params.NAME = { JSON Schema } for each parameter, in file order (toml++ iterates a table
// by key, so entries are sorted by their position).
void readParams(TableReader& r, std::vector<tools::SqlParam>& out) {
  const toml::table* params = r.table("params");
  if (params == nullptr) {
    return;
  }
  std::vector<std::pair<toml::source_position, tools::SqlParam>> found;
  for (auto&& [key, node] : *params) {
    std::string name(key.str());
    std::string path = "params." + name;
    if (!validName(name, false)) {
      r.error(node, path, "a parameter name is [A-Za-z_][A-Za-z0-9_]*, at most 64 characters");
    } else if (!node.is_table()) {
      r.error(node, path, "expected an inline JSON Schema table, e.g. { type = \"string\" }");
    } else {
      found.emplace_back(key.source().begin, tools::SqlParam{name, toJson(node)});
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first.line != b.first.line ? a.first.line < b.first.line
                                        : a.first.column < b.first.column;
  });
  for (auto& [where, param] : found) {
    out.push_back(std::move(param));
  }
}

// Each :name of `statement` has a params entry and each entry is used.
void matchParams(TableReader& r, const toml::node& sql_node, const tools::SqlStatement& statement,
                 const std::vector<tools::SqlParam>& params) {
  std::vector<std::string> names = statement.names();
  for (const std::string& name : names) {
    if (std::none_of(params.begin(), params.end(),
                     [&](const tools::SqlParam& p) { return p.name == name; })) {
      r.error(sql_node, "sql", ":" + name + " has no params." + name + " entry");
    }
  }
  const toml::table* table = r.node().get_as<toml::table>("params");
  for (const tools::SqlParam& p : params) {
    if (std::find(names.begin(), names.end(), p.name) == names.end()) {
      r.error(*table->get(p.name), "params." + p.name, "not used in sql (no :" + p.name + ")");
    }
  }
}

// The statement of sql.query / sql.exec: exactly one, in the database's dialect.
void readStatement(TableReader& r, std::optional<tools::SqlDialect> dialect,
                   tools::SqlToolOptions& out) {
  if (!r.readString("sql", out.sql)) {
    if (r.node().get("sql") == nullptr) {
      r.error(r.node(), "sql", "required");
    }
    return;
  }
  const toml::node& sql_node = *r.node().get("sql");
  if (!dialect) {
    return;  // the database error is reported already
  }
  auto statement = tools::parseStatement(out.sql, *dialect);
  if (!statement) {
    r.error(sql_node, "sql", statement.error().message);
    return;
  }
  matchParams(r, sql_node, statement.value(), out.params);
}

// Keys a kind does not take are refused rather than ignored.
void refuse(TableReader& r, std::string_view key, std::string_view why) {
  if (const toml::node* n = r.node().get(key)) {
    r.get(key, n->type(), "");  // marks it known: this message replaces "unknown key"
    r.error(*n, key, std::string(why));
  }
}

void readTables(TableReader& r, std::optional<tools::SqlDialect> dialect,
                tools::SqlToolOptions& out) {
  using Operation = tools::SqlToolOptions::Operation;
  if (out.operation != Operation::List && dialect == tools::SqlDialect::Postgres) {
    refuse(r, "tables",
           "not enforced on PostgreSQL; grant the database role SELECT on those tables instead "
           "(see docs/sql.md)");
    return;
  }
  r.readStrings("tables", out.tables);
  const toml::node* node = r.node().get("tables");
  for (const std::string& t : out.tables) {
    if (t.empty() || t.size() > 128 || t.find('\0') != std::string::npos) {
      r.error(*node, "tables", "a table name is 1-128 characters");
      return;
    }
    if (std::count(out.tables.begin(), out.tables.end(), t) > 1) {
      r.error(*node, "tables", "lists " + t + " twice");
      return;
    }
  }
  if (out.tables.empty() && dialect) {
    r.error(node != nullptr ? *node : static_cast<const toml::node&>(r.node()), "tables",
            out.operation == Operation::List
                ? "required: the tables sql.list may show"
                : "required for SQLite: the tables this statement may read (or change)");
  }
}

}  // namespace

void readDatabases(const toml::table& table, Diagnostics& diags,
                   std::map<std::string, tools::DatabaseOptions, std::less<>>& out) {
  for (auto&& [key, node] : table) {
    std::string name(key.str());
    if (!validName(name, true)) {
      diags.at(node.source(), "databases." + name,
               "a database name is letters, digits, _ and -, at most 64 characters");
      continue;
    }
    const toml::table* sub = node.as_table();
    if (sub == nullptr) {
      diags.at(node.source(), "databases." + name, "expected a table ([databases." + name + "])");
      continue;
    }
    readDatabase(name, *sub, diags, out[name]);
  }
}

void readSqlTool(TableReader& r, std::string_view kind,
                 const std::map<std::string, tools::DatabaseOptions, std::less<>>& databases,
                 tools::SqlToolOptions& out) {
  using Operation = tools::SqlToolOptions::Operation;
  out.operation = kind == "sql.list"   ? Operation::List
                  : kind == "sql.exec" ? Operation::Exec
                                       : Operation::Query;
  std::optional<tools::SqlDialect> dialect;
  if (!r.readString("database", out.database)) {
    if (r.node().get("database") == nullptr) {
      r.error(r.node(), "database", "required: the name of a [databases.NAME] table");
    }
  } else if (!databases.contains(out.database)) {
    r.error(*r.node().get("database"), "database", "no [databases." + out.database + "] table");
  } else {
    dialect = dialectOf(databases, out.database);
  }
  if (out.operation == Operation::List) {
    refuse(r, "sql", "sql.list builds its own statement from `tables`; remove sql");
    refuse(r, "params", "sql.list takes no params (its arguments are table, limit, offset)");
  } else {
    readParams(r, out.params);
    readStatement(r, dialect, out);
  }
  readTables(r, dialect, out);
  r.readInteger("max_rows", out.max_rows, 1, 100'000);
  r.readSize("max_bytes", out.max_bytes);
}

}  // namespace bastion::config::detail
