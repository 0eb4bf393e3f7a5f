#pragma once
// Shared by the sql tool tests (unit and integration): a call context, a scratch SQLite file,
// and a digest of everything a database holds, to show that a call changed nothing.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "mcp/types.h"
#include "support/test_call_context.h"

namespace bastion::tools::testing {

namespace bj = boost::json;

using TestContext = bastion::testing::TestCallContext;

// A directory under the system temp dir, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "bastion-sql-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a SQL script on a SQLite file (created if missing), read-write, outside Bastion.
inline void sqliteScript(const std::string& path, const std::string& script) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, script.c_str(), nullptr, nullptr, &err);
  std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// SHA-256 over the schema and every row of every table of a SQLite file, read outside Bastion.
inline std::string sqliteDigest(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "unreadable";
  }
  std::string all;
  auto dump = [&](const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      all += "error:" + sql;
      return;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        const unsigned char* t = sqlite3_column_text(s, i);
        all += t != nullptr ? reinterpret_cast<const char*>(t) : "<null>";
        all += '\x1f';
      }
      all += '\x1e';
    }
    sqlite3_finalize(s);
  };
  std::vector<std::string> tables;
  {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", -1,
                       &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
      tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    }
    sqlite3_finalize(s);
  }
  dump("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
  for (const std::string& t : tables) {
    dump("SELECT * FROM \"" + t + "\" ORDER BY rowid");
  }
  sqlite3_close(db);
  return crypto::sha256Hex(all);
}

// Every line of a text file (without the newline).
inline std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

}  // namespace bastion::tools::testing
