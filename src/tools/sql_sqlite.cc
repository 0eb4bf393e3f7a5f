// The SQLite backend. Read-only is the database's job, not a keyword check: query connections
// are opened SQLITE_OPEN_READONLY with `PRAGMA query_only`, and every statement is prepared
// under an authorizer that allows SELECT, reads of the listed tables and a list of pure
// functions, and denies everything else (writes, DDL, PRAGMA, ATTACH, transactions). Write
// statements (sql.exec) use a separate read-write connection whose authorizer also allows
// INSERT/UPDATE/DELETE on the listed tables. Values are always bound, never interpolated.

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>
#include <mutex>
#include <string_view>

#include "tools/sql_backend.h"
#include "tools/sql_pool.h"
#include "tools/text.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;
using Clock = std::chrono::steady_clock;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using UniqueDb = std::unique_ptr<sqlite3, DbCloser>;
using UniqueStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

struct SqliteConn {
  UniqueDb db;
};

// Functions a statement may call: pure, bounded, no side effects and nothing about the host.
// Everything else (load_extension, randomblob, zeroblob, sqlite_compileoption_*, fts3_tokenizer,
// any function an extension adds) is denied.
constexpr std::array<std::string_view, 62> kSafeFunctions{"abs",
                                                          "avg",
                                                          "ceil",
                                                          "ceiling",
                                                          "char",
                                                          "coalesce",
                                                          "concat",
                                                          "concat_ws",
                                                          "count",
                                                          "date",
                                                          "datetime",
                                                          "floor",
                                                          "format",
                                                          "glob",
                                                          "group_concat",
                                                          "hex",
                                                          "ifnull",
                                                          "iif",
                                                          "instr",
                                                          "json",
                                                          "json_array",
                                                          "json_array_length",
                                                          "json_extract",
                                                          "json_group_array",
                                                          "json_group_object",
                                                          "json_object",
                                                          "json_quote",
                                                          "json_type",
                                                          "json_valid",
                                                          "julianday",
                                                          "length",
                                                          "like",
                                                          "likelihood",
                                                          "likely",
                                                          "lower",
                                                          "ltrim",
                                                          "max",
                                                          "min",
                                                          "nullif",
                                                          "octet_length",
                                                          "printf",
                                                          "quote",
                                                          "replace",
                                                          "round",
                                                          "rtrim",
                                                          "sign",
                                                          "string_agg",
                                                          "strftime",
                                                          "substr",
                                                          "substring",
                                                          "sum",
                                                          "time",
                                                          "timediff",
                                                          "total",
                                                          "trim",
                                                          "typeof",
                                                          "unicode",
                                                          "unixepoch",
                                                          "unlikely",
                                                          "upper",
                                                          "unhex"};

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// What the statement being prepared may do; lives on the stack for one call.
struct Policy {
  std::span<const std::string> tables;
  bool write = false;
  std::string denied;  // the first action refused, for the error message

  bool listed(const char* name) const {
    if (name == nullptr) {
      return false;
    }
    return std::any_of(tables.begin(), tables.end(), [name](const std::string& t) {
      std::string_view bare = t;
      if (auto dot = bare.find('.');
          dot != std::string_view::npos && bare.substr(0, dot) == "main") {
        bare = bare.substr(dot + 1);
      }
      return equalsNoCase(bare, name);
    });
  }
};

bool mainOrNone(const char* db) { return db == nullptr || std::string_view(db) == "main"; }

int deny(Policy& policy, std::string what) {
  if (policy.denied.empty()) {
    policy.denied = std::move(what);
  }
  return SQLITE_DENY;
}

// Default deny: any action code not named here (PRAGMA, ATTACH, DETACH, CREATE_*, DROP_*,
// ALTER_TABLE, TRANSACTION, SAVEPOINT, ANALYZE, REINDEX, VACUUM ...) is refused.
int authorize(void* data, int action, const char* a1, const char* a2, const char* db,
              const char* /*inner*/) {
  Policy& policy = *static_cast<Policy*>(data);
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:  // bounded by statement_timeout like any other loop
      return SQLITE_OK;
    case SQLITE_READ:
      // Only the table's own name counts. The innermost view or trigger (`inner`) is not
      // trusted: SQLite also reports a CTE's name there, and a CTE can be named like a listed
      // view. So a view is usable when the tables it reads are listed. A table-level read with
      // no column (count(*) FROM x) of a CTE arrives as a read of table "x" and is refused
      // unless x is listed: fail closed (count(column) works).
      if (mainOrNone(db) && policy.listed(a1)) {
        return SQLITE_OK;
      }
      return deny(policy, std::string("reading table ") + (a1 ? a1 : "?"));
    case SQLITE_FUNCTION: {
      std::string_view name = a2 != nullptr ? a2 : "";
      bool safe = std::any_of(kSafeFunctions.begin(), kSafeFunctions.end(),
                              [name](std::string_view f) { return equalsNoCase(f, name); });
      return safe ? SQLITE_OK : deny(policy, "calling function " + std::string(name));
    }
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
      if (policy.write && mainOrNone(db) && policy.listed(a1)) {
        return SQLITE_OK;
      }
      return deny(policy, std::string("changing table ") + (a1 ? a1 : "?"));
    default:
      return deny(policy, "action " + std::to_string(action));
  }
}

struct Progress {
  Clock::time_point deadline;
  const std::function<bool()>* cancelled = nullptr;
  bool timed_out = false;
  bool was_cancelled = false;
};

int onProgress(void* data) {
  Progress& p = *static_cast<Progress*>(data);
  if (Clock::now() >= p.deadline) {
    p.timed_out = true;
    return 1;
  }
  if (p.cancelled != nullptr && *p.cancelled && (*p.cancelled)()) {
    p.was_cancelled = true;
    return 1;
  }
  return 0;
}

// Installs the authorizer and progress handler for one call; removes them on every exit path
// (they point at stack objects).
class CallGuard {
 public:
  CallGuard(sqlite3* db, Policy& policy, Progress& progress) : db_(db) {
    sqlite3_set_authorizer(db_, authorize, &policy);
    sqlite3_progress_handler(db_, 1000, onProgress, &progress);
  }
  ~CallGuard() {
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    sqlite3_set_authorizer(db_, nullptr, nullptr);
  }
  CallGuard(const CallGuard&) = delete;
  CallGuard& operator=(const CallGuard&) = delete;

 private:
  sqlite3* db_;
};

Result<UniqueDb> openConnection(const SqliteOptions& options, bool write) {
  sqlite3* raw = nullptr;
  int flags = (write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags, nullptr);
  UniqueDb db(raw);
  if (rc != SQLITE_OK) {
    return Error(SqlError::ConnectFailed,
                 std::string("cannot open the SQLite database: ") + sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), static_cast<int>(options.statement_timeout.count()));
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  sqlite3_limit(db.get(), SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH, 64 << 20);
  sqlite3_limit(db.get(), SQLITE_LIMIT_SQL_LENGTH, static_cast<int>(kMaxStatementLength) + 64);
  // query_only refuses writes even if the file were writable; reading the schema here makes a
  // file that is not a database fail at start rather than on the first call.
  // The write connection enforces foreign keys (SQLite's default is off): an sql.exec tool must
  // not leave dangling references; the parent tables are then read, so they must be listed.
  const char* setup = write ? "PRAGMA foreign_keys = 1; SELECT count(*) FROM sqlite_schema"
                            : "PRAGMA query_only = 1; SELECT count(*) FROM sqlite_schema";
  rc = sqlite3_exec(db.get(), setup, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return Error(SqlError::ConnectFailed,
                 std::string("cannot read the SQLite database: ") + sqlite3_errstr(rc));
  }
  return db;
}

// Text that is not UTF-8 is made valid (each non-ASCII byte of it becomes U+FFFD) rather than
// producing invalid JSON.
bj::value textValue(std::string_view text) {
  if (isUtf8(text)) {
    return bj::value(text);
  }
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x80) {
      out += c;
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return bj::value(out);
}

bj::value columnValue(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return bj::value(static_cast<std::int64_t>(sqlite3_column_int64(stmt, i)));
    case SQLITE_FLOAT:
      return bj::value(sqlite3_column_double(stmt, i));
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return textValue({p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))});
    }
    case SQLITE_BLOB: {  // blobs travel as standard base64
      const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      std::size_t n = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
      return bj::value(base64Encode(std::string_view(p == nullptr ? "" : p, n), false));
    }
    default:
      return nullptr;
  }
}

int bindValue(sqlite3_stmt* stmt, int index, const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      return sqlite3_bind_null(stmt, index);
    case bj::kind::bool_:
      return sqlite3_bind_int64(stmt, index, v.get_bool() ? 1 : 0);
    case bj::kind::int64:
      return sqlite3_bind_int64(stmt, index, v.get_int64());
    case bj::kind::uint64: {
      std::string text = std::to_string(v.get_uint64());
      return sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                               SQLITE_TRANSIENT);
    }
    case bj::kind::double_:
      return sqlite3_bind_double(stmt, index, v.get_double());
    case bj::kind::string: {
      const bj::string& s = v.get_string();
      return sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    case bj::kind::array:
    case bj::kind::object: {  // structured values are bound as their JSON text
      std::string text = bj::serialize(v);
      return sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
    }
  }
  return SQLITE_MISUSE;
}

class SqliteDatabase final : public SqlDatabase {
 public:
  static Result<std::unique_ptr<SqlDatabase>> open(const SqliteOptions& options) {
    auto first = openConnection(options, false);
    if (!first) {
      return first.error();
    }
    std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(options));
    db->readers_.put(std::make_unique<SqliteConn>(SqliteConn{std::move(first).value()}));
    return std::unique_ptr<SqlDatabase>(std::move(db));
  }

  SqlDialect dialect() const override { return SqlDialect::Sqlite; }

  Result<void> check(const SqlRequest& request) override {
    auto pool = poolFor(request);
    if (!pool) {
      return pool.error();
    }
    auto lease =
        pool.value()->acquire(options_.statement_timeout, static_cast<int>(SqlError::Busy));
    if (!lease) {
      return lease.error();
    }
    Policy policy{request.tables, request.write, {}};
    Progress progress{Clock::now() + options_.statement_timeout, nullptr, false, false};
    CallGuard guard(lease.value()->db.get(), policy, progress);
    auto stmt = prepare(lease.value()->db.get(), request, policy);
    if (!stmt) {
      return stmt.error();
    }
    if (!request.write && sqlite3_column_count(stmt.value().get()) == 0) {
      return notAQuery();
    }
    return {};
  }

  Result<SqlRows> run(const SqlRequest& request) override {
    auto pool = poolFor(request);
    if (!pool) {
      return pool.error();
    }
    auto lease =
        pool.value()->acquire(options_.statement_timeout, static_cast<int>(SqlError::Busy));
    if (!lease) {
      return lease.error();
    }
    sqlite3* db = lease.value()->db.get();
    Policy policy{request.tables, request.write, {}};
    Progress progress{Clock::now() + options_.statement_timeout, &request.cancelled, false, false};
    CallGuard guard(db, policy, progress);
    auto stmt = prepare(db, request, policy);
    if (!stmt) {
      return stmt.error();
    }
    sqlite3_stmt* s = stmt.value().get();
    for (std::size_t i = 0; i < request.params.size(); ++i) {
      if (bindValue(s, static_cast<int>(i + 1), request.params[i]) != SQLITE_OK) {
        return Error(SqlError::BadArgument, "parameter " + std::to_string(i + 1) +
                                                " cannot be bound: " + sqlite3_errmsg(db));
      }
    }
    return step(db, s, request, progress);
  }

 private:
  explicit SqliteDatabase(const SqliteOptions& options)
      : options_(options),
        readers_(
            [o = options] {
              auto db = openConnection(o, false);
              if (!db) {
                return Result<std::unique_ptr<SqliteConn>>(db.error());
              }
              return Result<std::unique_ptr<SqliteConn>>(
                  std::make_unique<SqliteConn>(SqliteConn{std::move(db).value()}));
            },
            options.pool_size),
        writers_(
            [o = options] {
              auto db = openConnection(o, true);
              if (!db) {
                return Result<std::unique_ptr<SqliteConn>>(db.error());
              }
              return Result<std::unique_ptr<SqliteConn>>(
                  std::make_unique<SqliteConn>(SqliteConn{std::move(db).value()}));
            },
            1) {}  // SQLite has one writer at a time anyway

  Result<ConnectionPool<SqliteConn>*> poolFor(const SqlRequest& request) {
    return request.write ? &writers_ : &readers_;
  }

  static Result<UniqueStmt> prepare(sqlite3* db, const SqlRequest& request, Policy& policy) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db, request.sql.data(), static_cast<int>(request.sql.size()), 0,
                                &raw, &tail);
    UniqueStmt stmt(raw);
    if (rc == SQLITE_AUTH || !policy.denied.empty()) {
      return Error(SqlError::NotAuthorized, "not allowed by the tool's policy: " +
                                                (policy.denied.empty() ? "?" : policy.denied));
    }
    if (rc != SQLITE_OK || stmt == nullptr) {
      return Error(SqlError::QueryFailed, std::string("the statement is invalid: ") +
                                              (rc == SQLITE_OK ? "empty" : sqlite3_errmsg(db)));
    }
    // The tokenizer already found one statement; SQLite must agree (whatever follows the
    // first statement is only spaces and comments).
    std::string_view rest(tail,
                          static_cast<std::size_t>(request.sql.data() + request.sql.size() - tail));
    auto more = parseStatement(rest, SqlDialect::Sqlite);
    if (more || more.error().code != static_cast<int>(StatementError::Empty)) {
      return Error(SqlError::MultipleStatements, "SQLite found more than one statement");
    }
    if (!request.write && sqlite3_stmt_readonly(stmt.get()) == 0) {
      return Error(SqlError::NotReadOnly, "the statement would change the database");
    }
    return stmt;
  }

  static Result<SqlRows> step(sqlite3* db, sqlite3_stmt* s, const SqlRequest& request,
                              const Progress& progress) {
    RowCollector rows(request.max_rows, request.max_bytes);
    const int columns = sqlite3_column_count(s);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (request.write) {
        continue;  // RETURNING rows of sql.exec are not reported
      }
      bj::object row;
      for (int i = 0; i < columns; ++i) {
        const char* name = sqlite3_column_name(s, i);
        row.insert_or_assign(name != nullptr ? name : "?", columnValue(s, i));
      }
      if (!rows.add(std::move(row))) {
        break;
      }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      if (progress.timed_out) {
        return Error(SqlError::Timeout, "the statement took longer than statement_timeout");
      }
      if (progress.was_cancelled) {
        return Error(SqlError::Cancelled, "the call was cancelled");
      }
      return Error(SqlError::QueryFailed,
                   std::string("the statement failed: ") + sqlite3_errmsg(db));
    }
    if (request.write) {
      rows.rows().affected = static_cast<std::int64_t>(sqlite3_changes64(db));
    }
    return rows.take();
  }

  SqliteOptions options_;
  ConnectionPool<SqliteConn> readers_;
  ConnectionPool<SqliteConn> writers_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> openSqlite(const SqliteOptions& options) {
  return SqliteDatabase::open(options);
}

}  // namespace bastion::tools
