#pragma once
// The throwaway PostgreSQL cluster ctest starts (scripts/test-postgres.sh, fixture
// sql_postgres): each test gets its own database and roles, dropped afterwards, so tests run
// in parallel. If the cluster is not there the tests FAIL: CI has PostgreSQL.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/crypto.h"

namespace bastion::tools::testing {

// The admin URL written by `test-postgres.sh start` (empty if the cluster is not running).
inline std::string postgresAdminUrl() {
  std::ifstream in(std::string(BASTION_PG_INFO) + "/url");
  std::string url;
  std::getline(in, url);
  return url;
}

inline std::string randomHex(std::size_t bytes) {
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    unsigned v = rd() & 0xFF;
    out += kHex[v >> 4];
    out += kHex[v & 0xF];
  }
  return out;
}

struct PgCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgCloser>;

// A fresh database on the test cluster with two roles: `reader` (the SELECT-only role of
// docs/sql.md) and `writer` (SELECT, INSERT, UPDATE, DELETE). Dropped on destruction.
class PgDatabase {
 public:
  PgDatabase() : suffix_(randomHex(6)) {
    admin_url_ = postgresAdminUrl();
    if (admin_url_.empty()) {
      ADD_FAILURE() << "PostgreSQL test cluster is not running (ctest fixture sql_postgres; "
                       "scripts/test-postgres.sh start)";
      return;
    }
    name_ = "t_" + suffix_;
    reader_password_ = randomHex(12);
    writer_password_ = randomHex(12);
    PgConnPtr admin(PQconnectdb(admin_url_.c_str()));
    if (PQstatus(admin.get()) != CONNECTION_OK) {
      ADD_FAILURE() << "cannot connect to the test cluster: " << PQerrorMessage(admin.get());
      return;
    }
    ok_ = run(admin.get(), "CREATE DATABASE " + name_) &&
          run(admin.get(),
              "CREATE ROLE reader_" + suffix_ + " LOGIN PASSWORD '" + reader_password_ + "'") &&
          run(admin.get(),
              "CREATE ROLE writer_" + suffix_ + " LOGIN PASSWORD '" + writer_password_ + "'");
  }
  ~PgDatabase() {
    if (admin_url_.empty()) {
      return;
    }
    PgConnPtr admin(PQconnectdb(admin_url_.c_str()));
    run(admin.get(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    run(admin.get(), "DROP ROLE IF EXISTS reader_" + suffix_);
    run(admin.get(), "DROP ROLE IF EXISTS writer_" + suffix_);
  }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  bool ok() const { return ok_; }
  const std::string& suffix() const { return suffix_; }

  // URL of this database for the admin (a superuser), the reader and the writer.
  std::string adminUrl() const { return withDatabase(admin_url_); }
  std::string url(const std::string& role, const std::string& password) const {
    std::string hostport = admin_url_.substr(admin_url_.find('@') + 1);
    hostport = hostport.substr(0, hostport.find('/'));
    return "postgresql://" + role + ":" + password + "@" + hostport + "/" + name_;
  }
  std::string readerUrl() const { return url("reader_" + suffix_, reader_password_); }
  std::string writerUrl() const { return url("writer_" + suffix_, writer_password_); }
  const std::string& readerPassword() const { return reader_password_; }

  // Runs SQL as the admin inside this database (schema, seed data, grants).
  bool exec(const std::string& sql) const {
    PgConnPtr conn(PQconnectdb(adminUrl().c_str()));
    return run(conn.get(), sql);
  }

  // Grants the documented SELECT-only role and a writer role on every table in public.
  bool grantRoles() const {
    return exec("GRANT USAGE ON SCHEMA public TO reader_" + suffix_ + ", writer_" + suffix_ +
                "; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader_" + suffix_ +
                "; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "
                "writer_" +
                suffix_);
  }

  // SHA-256 over the names of the tables in public and every row of each (read as admin).
  std::string digest() const {
    PgConnPtr conn(PQconnectdb(adminUrl().c_str()));
    std::string all = query(conn.get(),
                            "SELECT string_agg(table_name::text, ',' ORDER BY table_name) FROM "
                            "information_schema.tables WHERE table_schema = 'public'");
    std::string names = all;
    std::size_t start = 0;
    while (start <= names.size() && !names.empty()) {
      std::size_t comma = names.find(',', start);
      std::string table =
          names.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      all += "\n" + table + ":" +
             query(conn.get(),
                   "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), "
                   "'') FROM public.\"" +
                       table + "\" t");
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
    return crypto::sha256Hex(all);
  }

  // The first column of the first row (empty on error or no rows), as the admin.
  std::string scalar(const std::string& sql) const {
    PgConnPtr conn(PQconnectdb(adminUrl().c_str()));
    return query(conn.get(), sql);
  }

 private:
  static bool run(PGconn* conn, const std::string& sql) {
    PGresult* r = PQexec(conn, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
      ADD_FAILURE() << "admin SQL failed: " << sql << ": " << PQerrorMessage(conn);
    }
    PQclear(r);
    return ok;
  }
  static std::string query(PGconn* conn, const std::string& sql) {
    PGresult* r = PQexec(conn, sql.c_str());
    std::string out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
      out = PQgetvalue(r, 0, 0);
    } else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      out = "error: " + std::string(PQerrorMessage(conn));
    }
    PQclear(r);
    return out;
  }
  std::string withDatabase(const std::string& url) const {
    return url.substr(0, url.rfind('/') + 1) + name_;
  }

  std::string admin_url_;
  std::string suffix_;
  std::string name_;
  std::string reader_password_;
  std::string writer_password_;
  bool ok_ = false;
};

}  // namespace bastion::tools::testing
