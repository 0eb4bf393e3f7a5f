#pragma once
// The SQLite store's schema history and the codecs between rows and store types. Private to the
// store layer.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace bastion::store::sqlite {

// Schema migrations, applied in order by Database::migrate (PRAGMA user_version).
std::span<const char* const> migrations();

// Times are stored as nanoseconds since the Unix epoch (exact for system_clock on Linux).
std::int64_t toDb(TimePoint t);
TimePoint fromDb(std::int64_t ns);

// String lists are stored as JSON arrays; a stored value that is not an array of strings is
// corruption (nullopt: fail closed).
std::string encodeList(const std::vector<std::string>& items);
std::optional<std::vector<std::string>> decodeList(const std::string& text);

Error corrupt();
Error notFound();

// Steps a statement expected to finish without rows: a unique-key violation is AlreadyExists.
Result<void> done(Statement& s);
// Steps to the first row: NotFound if there is none.
Result<void> row(Statement& s);

// Decoders for the current row of SELECTs listing the columns in table order.
Result<Client> readClient(const Statement& s);
Result<AuthorizationCode> readCode(const Statement& s);
Result<RefreshToken> readRefresh(const Statement& s);

}  // namespace bastion::store::sqlite
