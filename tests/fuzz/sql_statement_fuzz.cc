// Any bytes as the SQL of an sql tool, in either dialect (first byte): a statement or an
// error, never a crash. An accepted statement parses again to the same placeholders, and its
// rendering replaces exactly those placeholders.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tools/sql_statement.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  using bastion::tools::SqlDialect;
  const SqlDialect dialect = (data[0] & 1) != 0 ? SqlDialect::Postgres : SqlDialect::Sqlite;
  std::string_view sql(reinterpret_cast<const char*>(data + 1), size - 1);
  auto statement = bastion::tools::parseStatement(sql, dialect);
  if (!statement) {
    return 0;
  }
  auto again = bastion::tools::parseStatement(statement->text, dialect);
  if (!again || again->placeholders.size() != statement->placeholders.size()) {
    std::abort();
  }
  auto names = statement->names();
  auto rendered = bastion::tools::renderStatement(*statement, dialect, names);
  if (!rendered) {
    std::abort();
  }
  if (statement->placeholders.empty() && *rendered != statement->text) {
    std::abort();
  }
  return 0;
}
