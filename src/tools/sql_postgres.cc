// The PostgreSQL backend (libpq). Every call runs inside its own transaction that Bastion opens
// and closes: `BEGIN READ ONLY` (sql.exec: `BEGIN READ WRITE`) with `SET LOCAL
// statement_timeout`, then the one statement with its values bound as parameters
// (PQsendQueryParams: the extended protocol, which also refuses a second statement), then
// ROLLBACK (a read-only call has nothing to keep) or COMMIT (sql.exec). If the statement ended
// that transaction itself (a configured `COMMIT`), the call fails and the connection is
// dropped. Rows are fetched one at a time so max_rows and max_bytes stop the transfer early.
// Which tables may be read is the role's business: see docs/sql.md for a SELECT-only role.

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "tools/pq_library.h"
#include "tools/sql_backend.h"
#include "tools/sql_pool.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;

// Type OIDs (pg_type.h; stable across versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kJson = 114, kFloat4 = 700,
              kFloat8 = 701, kNumeric = 1700, kJsonb = 3802;

struct ConnCloser {
  void operator()(PGconn* c) const { pq().PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { pq().PQclear(r); }
};
using UniqueConn = std::unique_ptr<PGconn, ConnCloser>;
using UniqueResult = std::unique_ptr<PGresult, ResultClearer>;

struct PgConn {
  UniqueConn conn;
};

// `message` with every occurrence of the URL's password removed (libpq does not print it, but
// a message is checked anyway before it can reach a log).
std::string withoutPassword(std::string message, const std::string& password) {
  if (password.empty()) {
    return message;
  }
  for (std::size_t at = message.find(password); at != std::string::npos;
       at = message.find(password, at)) {
    message.replace(at, password.size(), "[REDACTED]");
  }
  return message;
}

std::string passwordOf(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* options = pq().PQconninfoParse(conninfo.c_str(), &err);
  pq().PQfreemem(err);
  std::string password;
  for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
      password = o->val;
    }
  }
  pq().PQconninfoFree(options);
  return password;
}

// The first line of libpq's message (the rest is context that may quote values).
std::string firstLine(const char* text) {
  std::string_view s = text != nullptr ? text : "";
  s = s.substr(0, s.find('\n'));
  return std::string(s);
}

Result<UniqueConn> connect(const PostgresOptions& options) {
  const std::string timeout =
      std::to_string(std::max<long long>(2, (options.statement_timeout.count() + 999) / 1000));
  const char* keywords[] = {"dbname", "connect_timeout", "client_encoding", "application_name",
                            nullptr};
  const char* values[] = {options.conninfo.c_str(), timeout.c_str(), "UTF8", "bastion", nullptr};
  UniqueConn conn(pq().PQconnectdbParams(keywords, values, 1));
  if (conn == nullptr) {
    return Error(SqlError::ConnectFailed, "cannot connect to PostgreSQL: out of memory");
  }
  if (pq().PQstatus(conn.get()) != CONNECTION_OK) {
    return Error(SqlError::ConnectFailed,
                 withoutPassword(
                     "cannot connect to PostgreSQL: " + firstLine(pq().PQerrorMessage(conn.get())),
                     passwordOf(options.conninfo)));
  }
  // The tokenizer reads '...' without backslash escapes; the server must agree (fail closed).
  const char* scs = pq().PQparameterStatus(conn.get(), "standard_conforming_strings");
  if (scs == nullptr || std::string_view(scs) != "on") {
    return Error(SqlError::ConnectFailed,
                 "PostgreSQL must run with standard_conforming_strings = on");
  }
  return conn;
}

// A value as libpq text plus the type Bastion declares for it (0: the server infers it from
// the statement, so a string compared with an integer column is parsed as an integer there).
struct BoundValue {
  std::string text;
  bool is_null = false;
  Oid type = 0;
};

Result<BoundValue> toBound(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      return BoundValue{{}, true, 0};
    case bj::kind::bool_:
      return BoundValue{v.get_bool() ? "true" : "false", false, kBool};
    case bj::kind::int64:
      return BoundValue{std::to_string(v.get_int64()), false, kInt8};
    case bj::kind::uint64:
      return BoundValue{std::to_string(v.get_uint64()), false, kNumeric};
    case bj::kind::double_:
      return BoundValue{doubleText(v.get_double()), false, kFloat8};
    case bj::kind::string: {
      const bj::string& s = v.get_string();
      // libpq text parameters end at NUL; a value with one would be silently cut short.
      if (s.find('\0') != bj::string::npos) {
        return Error(SqlError::BadArgument, "a value holds a NUL character");
      }
      return BoundValue{std::string(s), false, 0};
    }
    case bj::kind::array:
    case bj::kind::object:
      return BoundValue{bj::serialize(v), false, 0};
  }
  return Error(SqlError::BadArgument, "a value has an unknown type");
}

bj::value cellValue(const PGresult* r, int row, int col) {
  if (pq().PQgetisnull(r, row, col) != 0) {
    return nullptr;
  }
  const char* text = pq().PQgetvalue(r, row, col);
  std::string_view s(text, static_cast<std::size_t>(pq().PQgetlength(r, row, col)));
  switch (pq().PQftype(r, col)) {
    case kBool:
      return bj::value(s == "t");
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
      return bj::value(static_cast<std::int64_t>(std::strtoll(text, nullptr, 10)));
    case kFloat4:
    case kFloat8: {
      if (s == "NaN" || s == "Infinity" || s == "-Infinity") {
        return bj::value(s);  // JSON has no such numbers
      }
      return bj::value(std::strtod(text, nullptr));
    }
    case kJson:
    case kJsonb: {
      boost::system::error_code ec;
      bj::value parsed = bj::parse(s, ec);
      return ec ? bj::value(s) : parsed;
    }
    default:  // numeric keeps its precision as text; everything else as PostgreSQL prints it
      return bj::value(s);
  }
}

class PostgresDatabase final : public SqlDatabase {
 public:
  static Result<std::unique_ptr<SqlDatabase>> open(const PostgresOptions& options) {
    auto first = connect(options);
    if (!first) {
      return first.error();
    }
    std::unique_ptr<PostgresDatabase> db(new PostgresDatabase(options));
    db->pool_.put(std::make_unique<PgConn>(PgConn{std::move(first).value()}));
    return std::unique_ptr<SqlDatabase>(std::move(db));
  }

  SqlDialect dialect() const override { return SqlDialect::Postgres; }

  // Prepares the statement (unnamed) to check its syntax, names and types at start; a read
  // statement must return columns (a COMMIT, DDL or plain DML is refused here already).
  Result<void> check(const SqlRequest& request) override {
    auto lease = pool_.acquire(options_.statement_timeout, static_cast<int>(SqlError::Busy));
    if (!lease) {
      return lease.error();
    }
    PGconn* conn = lease.value()->conn.get();
    std::string sql(request.sql);
    UniqueResult r(pq().PQprepare(conn, "", sql.c_str(), 0, nullptr));
    if (pq().PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      auto error = failure(r.get(), conn);
      if (pq().PQstatus(conn) != CONNECTION_OK) {
        lease.value().discard();
      }
      return error;
    }
    if (!request.write) {
      UniqueResult described(pq().PQdescribePrepared(conn, ""));
      if (pq().PQresultStatus(described.get()) != PGRES_COMMAND_OK) {
        return failure(described.get(), conn);
      }
      if (pq().PQnfields(described.get()) == 0) {
        return notAQuery();
      }
    }
    return {};
  }

  // A connection that broke while idle in the pool (server restart, idle timeout, terminated
  // backend) fails at BEGIN, before the statement was sent: the call then moves on to a fresh
  // connection (at most once per pool slot). Any later failure is reported, never retried.
  Result<SqlRows> run(const SqlRequest& request) override {
    for (std::size_t attempt = 0;; ++attempt) {
      auto lease = pool_.acquire(options_.statement_timeout, static_cast<int>(SqlError::Busy));
      if (!lease) {
        return lease.error();
      }
      PGconn* conn = lease.value()->conn.get();
      bool reuse = true;
      bool began = false;
      auto rows = inTransaction(conn, request, reuse, began);
      const bool broken = pq().PQstatus(conn) != CONNECTION_OK;
      // Only a connection back at rest (connected, no transaction, no cancel in flight that
      // could reach a later command) is reused.
      if (!reuse || broken || pq().PQtransactionStatus(conn) != PQTRANS_IDLE) {
        lease.value().discard();
      }
      if (rows || began || !broken || attempt >= options_.pool_size) {
        return rows;
      }
    }
  }

 private:
  explicit PostgresDatabase(const PostgresOptions& options)
      : options_(options),
        pool_(
            [o = options]() -> Result<std::unique_ptr<PgConn>> {
              auto conn = connect(o);
              if (!conn) {
                return conn.error();
              }
              return std::make_unique<PgConn>(PgConn{std::move(conn).value()});
            },
            options.pool_size) {}

  static Error failure(const PGresult* r, PGconn* conn) {
    const char* primary =
        r != nullptr ? pq().PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char* state = r != nullptr ? pq().PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = primary != nullptr ? primary : firstLine(pq().PQerrorMessage(conn));
    std::string_view sqlstate = state != nullptr ? state : "";
    if (sqlstate == "57014") {
      return Error(SqlError::Timeout, "the statement took longer than statement_timeout");
    }
    if (sqlstate == "25006") {
      return Error(SqlError::NotReadOnly, "the statement would change the database: " + message);
    }
    if (sqlstate == "42601" && message.find("multiple commands") != std::string::npos) {
      return Error(SqlError::MultipleStatements, "PostgreSQL found more than one statement");
    }
    return Error(SqlError::QueryFailed, "the statement failed: " + message);
  }

  Result<void> command(PGconn* conn, const std::string& sql) {
    UniqueResult r(pq().PQexec(conn, sql.c_str()));
    if (pq().PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return failure(r.get(), conn);
    }
    return {};
  }

  Result<SqlRows> inTransaction(PGconn* conn, const SqlRequest& request, bool& reuse, bool& began) {
    // Constant text: the timeout is a configured integer, nothing from the caller.
    std::string begin =
        std::string(request.write ? "BEGIN READ WRITE" : "BEGIN READ ONLY") +
        "; SET LOCAL statement_timeout = " + std::to_string(options_.statement_timeout.count());
    if (auto r = command(conn, begin); !r) {
      return r.error();
    }
    began = true;
    auto rows = execute(conn, request, reuse);
    const PGTransactionStatusType status = pq().PQtransactionStatus(conn);
    if (status == PQTRANS_IDLE) {
      // The statement itself ended Bastion's transaction (a configured COMMIT or ROLLBACK):
      // whatever it did is not what the tool promised. Refused, and the connection dropped.
      reuse = false;
      return Error(SqlError::EscapedTransaction,
                   "the statement ended the transaction Bastion opened; refused");
    }
    if (status != PQTRANS_INTRANS && status != PQTRANS_INERROR) {
      reuse = false;  // connection lost or still busy: nothing to end
      return rows ? Result<SqlRows>(Error(SqlError::QueryFailed, "the connection was lost")) : rows;
    }
    // A failed (or, after a cap, cancelled) statement leaves the transaction aborted: ROLLBACK.
    const bool commit = rows && request.write && status == PQTRANS_INTRANS;
    if (auto end = command(conn, commit ? "COMMIT" : "ROLLBACK"); !end) {
      reuse = false;
      return end.error();
    }
    return rows;
  }

  Result<SqlRows> execute(PGconn* conn, const SqlRequest& request, bool& reuse) {
    std::vector<BoundValue> bound;
    for (const bj::value& v : request.params) {
      auto b = toBound(v);
      if (!b) {
        return b.error();
      }
      bound.push_back(std::move(b).value());
    }
    std::vector<Oid> types;
    std::vector<const char*> values;
    for (const BoundValue& b : bound) {
      types.push_back(b.type);
      values.push_back(b.is_null ? nullptr : b.text.c_str());
    }
    std::string sql(request.sql);
    if (pq().PQsendQueryParams(conn, sql.c_str(), static_cast<int>(bound.size()), types.data(),
                               values.data(), nullptr, nullptr, 0) != 1) {
      return failure(nullptr, conn);
    }
    if (!request.write) {
      pq().PQsetSingleRowMode(conn);
    }
    return collect(conn, request, reuse);
  }

  // Reads every result of the query; once the caps are reached the rest is cancelled and
  // drained (the server stops producing rows).
  Result<SqlRows> collect(PGconn* conn, const SqlRequest& request, bool& reuse) {
    RowCollector rows(request.max_rows, request.max_bytes);
    std::optional<Error> error;
    bool stopped = false;
    while (PGresult* raw = pq().PQgetResult(conn)) {
      UniqueResult r(raw);
      ExecStatusType status = pq().PQresultStatus(r.get());
      if (stopped) {
        continue;
      }
      if (status == PGRES_SINGLE_TUPLE || status == PGRES_TUPLES_OK) {
        if (!request.write && !addRows(r.get(), rows)) {
          stopped = true;
          reuse = false;
          cancel(conn);
        }
      } else if (status == PGRES_COMMAND_OK) {
        rows.rows().affected = std::strtoll(pq().PQcmdTuples(r.get()), nullptr, 10);
      } else if (!error) {
        error = failure(r.get(), conn);
      }
    }
    if (error) {
      return *error;
    }
    if (request.write) {
      rows.rows().truncated = false;
    }
    return rows.take();
  }

  static bool addRows(const PGresult* r, RowCollector& rows) {
    const int columns = pq().PQnfields(r);
    for (int i = 0; i < pq().PQntuples(r); ++i) {
      bj::object row;
      for (int c = 0; c < columns; ++c) {
        row.insert_or_assign(pq().PQfname(r, c), cellValue(r, i, c));
      }
      if (!rows.add(std::move(row))) {
        return false;
      }
    }
    return true;
  }

  static void cancel(PGconn* conn) {
    if (PGcancel* c = pq().PQgetCancel(conn)) {
      char buffer[256];
      pq().PQcancel(c, buffer, sizeof buffer);
      pq().PQfreeCancel(c);
    }
  }

  PostgresOptions options_;
  ConnectionPool<PgConn> pool_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> openPostgres(const PostgresOptions& options) {
  if (auto loaded = loadPq(); !loaded) {  // every pq() call below comes after this
    return Error(SqlError::ConnectFailed, loaded.error().message);
  }
  return PostgresDatabase::open(options);
}

}  // namespace bastion::tools
