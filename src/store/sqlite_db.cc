#include "store/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>
#include <string>

#include "store/store.h"

namespace bastion::store::sqlite {

namespace {

// Owns one descriptor for the short time the database file is prepared (no UniqueFd in core yet;
// this one never leaves this file).
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error fileError(const char* what) {
  return Error(StoreError::Unavailable, std::string("database file: ") + what);
}

// Creates each missing directory of `dir` with mode 0700: the database holds signing keys.
Result<void> makePrivateDirectories(const std::filesystem::path& dir) {
  if (dir.empty()) {
    return {};
  }
  std::filesystem::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return fileError("cannot create its directory");
    }
  }
  return {};
}

// Creates the file 0600 before SQLite opens it (SQLite would use 0644 & ~umask), refuses anything
// but a regular file, and tightens an existing file that others could read. The WAL and
// shared-memory files SQLite creates later copy this file's mode.
Result<void> preparePrivateFile(const std::string& path) {
  if (auto made = makePrivateDirectories(std::filesystem::path(path).parent_path()); !made) {
    return made;
  }
  ScopedFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    return fileError("cannot be opened");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return fileError("is not a regular file");
  }
  if ((st.st_mode & 0077) != 0 && ::fchmod(fd.get(), 0600) != 0) {
    return fileError("cannot be made private");
  }
  return {};
}

}  // namespace

Error databaseError(int rc) {
  return Error(StoreError::Unavailable, std::string("database: ") + sqlite3_errstr(rc));
}

Statement::~Statement() {
  if (stmt_ == nullptr) {
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  if (bind_error_ != SQLITE_OK) {
    return *this;
  }
  if (text.size() > static_cast<std::size_t>(INT_MAX)) {
    bind_error_ = SQLITE_TOOBIG;
    return *this;
  }
  bind_error_ =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (bind_error_ == SQLITE_OK) {
    bind_error_ = sqlite3_bind_int64(stmt_, index, value);
  }
  return *this;
}

int Statement::step() {
  if (bind_error_ != SQLITE_OK) {
    return bind_error_;
  }
  return sqlite3_step(stmt_);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr || n <= 0) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  const bool memory = path == ":memory:";
  if (!memory) {
    if (auto ready = preparePrivateFile(path); !ready) {
      return ready.error();
    }
  }
  // NOMUTEX: the owner serializes access; NOFOLLOW: no symlink swapped in for the file.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_EXRESCODE | (memory ? 0 : SQLITE_OPEN_NOFOLLOW);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  UniqueDb db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) {
    return databaseError(rc);
  }
  std::unique_ptr<Database> out(new Database(std::move(db)));
  if (auto configured = out->configure(); !configured) {
    return configured.error();
  }
  return out;
}

Result<void> Database::configure() {
  // WAL lets readers proceed during a write; busy_timeout makes concurrent writers wait instead of
  // failing; secure_delete zeroes deleted content (removed signing keys); trusted_schema off
  // because nothing in the schema needs functions with side effects.
  static constexpr const char* kPragmas[] = {
      "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
      "PRAGMA secure_delete = ON", "PRAGMA trusted_schema = OFF",
  };
  if (int rc = sqlite3_busy_timeout(db_.get(), 5000); rc != SQLITE_OK) {
    return databaseError(rc);
  }
  for (const char* pragma : kPragmas) {
    if (auto r = exec(pragma); !r) {
      return r;
    }
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    UniqueStmt stmt(raw);
    if (rc != SQLITE_OK || !stmt) {
      return databaseError(rc == SQLITE_OK ? SQLITE_ERROR : rc);
    }
    it = statements_.emplace(std::string(sql), std::move(stmt)).first;
  }
  return Statement(it->second.get());
}

Result<void> Database::exec(const char* sql) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return databaseError(rc);
  }
  return {};
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_.get()); }

Result<void> Database::migrate(std::span<const char* const> migrations) {
  auto version_stmt = prepare("PRAGMA user_version");
  if (!version_stmt) {
    return version_stmt.error();
  }
  std::int64_t version = 0;
  {
    Statement& s = *version_stmt;
    if (int rc = s.step(); rc != SQLITE_ROW) {
      return databaseError(rc);
    }
    version = s.integer(0);
  }
  const auto known = static_cast<std::int64_t>(migrations.size());
  if (version < 0 || version > known) {
    return Error(StoreError::Corrupt, "database schema is newer than this program");
  }
  for (auto v = version; v < known; ++v) {
    auto tx = Transaction::begin(*this);
    if (!tx) {
      return tx.error();
    }
    if (auto r = exec(migrations[static_cast<std::size_t>(v)]); !r) {
      return r;
    }
    // PRAGMA takes no bound parameters; the value is this loop's counter, not input.
    const std::string bump = "PRAGMA user_version = " + std::to_string(v + 1);
    if (auto r = exec(bump.c_str()); !r) {
      return r;
    }
    if (auto r = tx->commit(); !r) {
      return r;
    }
  }
  return {};
}

Result<Transaction> Transaction::begin(Database& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) {
    return r.error();
  }
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    // A failed rollback leaves SQLite to roll back when the connection next begins; nothing else
    // can be done from a destructor.
    (void)db_->exec("ROLLBACK");
  }
}

Result<void> Transaction::commit() {
  Database* db = db_;
  db_ = nullptr;
  auto r = db->exec("COMMIT");
  if (!r) {
    (void)db->exec("ROLLBACK");
  }
  return r;
}

}  // namespace bastion::store::sqlite
