// The statement tokenizer: finds the end of the first statement and its `:name` placeholders.
// It only has to agree with the database about where quotes, comments and statements end; it
// never interprets anything else. Where it cannot be sure it refuses (fail closed): an
// unterminated quote or comment, or a placeholder form other than `:name`.

#include "tools/sql_statement.h"

#include <algorithm>

namespace bastion::tools {
namespace {

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
// Letters, digits, `_`, `$` (both dialects allow `$` inside identifiers) and UTF-8 bytes.
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c) || c == '$'; }
bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || isDigit(c);
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

Error at(StatementError code, std::string what, std::size_t offset) {
  return Error(code, what + " at byte " + std::to_string(offset));
}

class Scanner {
 public:
  Scanner(std::string_view sql, SqlDialect dialect) : sql_(sql), dialect_(dialect) {}

  Result<SqlStatement> run() {
    SqlStatement out;
    std::size_t end = sql_.size();
    bool seen_token = false;
    while (i_ < sql_.size()) {
      if (sql_[i_] == ';') {
        end = i_;
        auto rest = skipTrailing(i_ + 1);
        if (!rest) {
          return rest.error();
        }
        break;
      }
      auto skipped = skipSpaceOrComment();
      if (!skipped) {
        return skipped.error();
      }
      if (skipped.value()) {
        continue;
      }
      seen_token = true;
      auto token = token_(out);
      if (!token) {
        return token.error();
      }
    }
    if (!seen_token) {
      return Error(StatementError::Empty, "the statement is empty");
    }
    out.text = std::string(sql_.substr(0, end));
    return out;
  }

 private:
  // After the first `;`: only spaces, comments and more `;` may follow.
  Result<void> skipTrailing(std::size_t from) {
    i_ = from;
    while (i_ < sql_.size()) {
      if (sql_[i_] == ';') {
        ++i_;
        continue;
      }
      auto skipped = skipSpaceOrComment();
      if (!skipped) {
        return skipped.error();
      }
      if (!skipped.value()) {
        return at(StatementError::MultipleStatements,
                  "only one statement is allowed; a second one starts", i_);
      }
    }
    return {};
  }

  // True if a space or a comment was consumed.
  Result<bool> skipSpaceOrComment() {
    char c = sql_[i_];
    if (isSpace(c)) {
      ++i_;
      return true;
    }
    if (c == '-' && peek(1) == '-') {
      std::size_t nl = sql_.find('\n', i_);
      i_ = nl == std::string_view::npos ? sql_.size() : nl + 1;
      return true;
    }
    if (c == '/' && peek(1) == '*') {
      auto closed = blockComment();
      if (!closed) {
        return closed.error();
      }
      return true;
    }
    return false;
  }

  // PostgreSQL block comments nest; SQLite's do not.
  Result<void> blockComment() {
    std::size_t start = i_;
    int depth = 0;
    while (i_ < sql_.size()) {
      if (sql_[i_] == '/' && peek(1) == '*' && (depth == 0 || dialect_ == SqlDialect::Postgres)) {
        ++depth;
        i_ += 2;
      } else if (sql_[i_] == '*' && peek(1) == '/') {
        i_ += 2;
        if (--depth == 0) {
          return {};
        }
      } else {
        ++i_;
      }
    }
    return at(StatementError::UnterminatedComment, "a comment is not closed; it starts", start);
  }

  Result<void> token_(SqlStatement& out) {
    const char c = sql_[i_];
    if (isIdentStart(c) || isDigit(c)) {
      std::size_t start = i_;
      while (i_ < sql_.size() && isIdentChar(sql_[i_])) {
        ++i_;
      }
      last_word_ = sql_.substr(start, i_ - start);
      last_word_end_ = i_;
      return {};
    }
    const bool after_word = last_word_end_ == i_;
    switch (c) {
      case '\'':
        return quoted('\'', after_word && dialect_ == SqlDialect::Postgres &&
                                (last_word_ == "E" || last_word_ == "e"));
      case '"':
        return quoted('"', false);
      case ':':
        return colon(out);
      default:
        break;
    }
    if (dialect_ == SqlDialect::Sqlite) {
      if (c == '`') {
        return quoted('`', false);
      }
      if (c == '[') {
        return until(']');
      }
      if (c == '?' || c == '@' || c == '$') {
        return at(StatementError::UnsupportedPlaceholder,
                  "write parameters as :name; unsupported placeholder", i_);
      }
    } else if (c == '$') {
      return dollar();
    }
    ++i_;
    return {};
  }

  // A quote closed by the same character, doubled to escape; `backslash`: E'...' strings.
  Result<void> quoted(char quote, bool backslash) {
    std::size_t start = i_++;
    while (i_ < sql_.size()) {
      char c = sql_[i_];
      if (backslash && c == '\\') {
        i_ += 2;
        continue;
      }
      ++i_;
      if (c == quote) {
        if (i_ < sql_.size() && sql_[i_] == quote) {
          ++i_;
          continue;
        }
        return {};
      }
    }
    return at(StatementError::UnterminatedQuote, "a quote is not closed; it starts", start);
  }

  Result<void> until(char close) {
    std::size_t start = i_;
    std::size_t pos = sql_.find(close, i_ + 1);
    if (pos == std::string_view::npos) {
      return at(StatementError::UnterminatedQuote, "a quote is not closed; it starts", start);
    }
    i_ = pos + 1;
    return {};
  }

  Result<void> colon(SqlStatement& out) {
    if (peek(1) == ':') {  // PostgreSQL cast
      i_ += 2;
      return {};
    }
    const char next = peek(1);
    if (isNameChar(next) && !isDigit(next)) {
      std::size_t start = i_;
      std::size_t j = i_ + 1;
      while (j < sql_.size() && isNameChar(sql_[j])) {
        ++j;
      }
      if (j < sql_.size() && (sql_[j] == '$' || static_cast<unsigned char>(sql_[j]) >= 0x80)) {
        return at(StatementError::UnsupportedPlaceholder,
                  "a parameter name is [A-Za-z_][A-Za-z0-9_]*; bad name", start);
      }
      out.placeholders.push_back(
          SqlPlaceholder{std::string(sql_.substr(start + 1, j - start - 1)), start, j - start});
      i_ = j;
      return {};
    }
    if (dialect_ == SqlDialect::Sqlite && (isDigit(next) || isIdentStart(next))) {
      return at(StatementError::UnsupportedPlaceholder,
                "write parameters as :name; unsupported placeholder", i_);
    }
    ++i_;  // PostgreSQL: array slice a[1:2], `:=`
    return {};
  }

  // PostgreSQL: `$1` is a positional parameter (refused: use :name); `$tag$ ... $tag$` quotes.
  Result<void> dollar() {
    std::size_t start = i_;
    if (isDigit(peek(1))) {
      return at(StatementError::UnsupportedPlaceholder,
                "write parameters as :name; unsupported placeholder", start);
    }
    std::size_t j = i_ + 1;
    if (j < sql_.size() && isIdentStart(sql_[j]) && static_cast<unsigned char>(sql_[j]) < 0x80) {
      while (j < sql_.size() && isNameChar(sql_[j])) {
        ++j;
      }
    }
    if (j >= sql_.size() || sql_[j] != '$') {
      ++i_;  // a lone `$` is not valid SQL; the server reports it
      return {};
    }
    std::string_view tag = sql_.substr(start, j - start + 1);
    std::size_t close = sql_.find(tag, j + 1);
    if (close == std::string_view::npos) {
      return at(StatementError::UnterminatedQuote, "a dollar quote is not closed; it starts",
                start);
    }
    i_ = close + tag.size();
    return {};
  }

  char peek(std::size_t ahead) const { return i_ + ahead < sql_.size() ? sql_[i_ + ahead] : '\0'; }

  std::string_view sql_;
  SqlDialect dialect_;
  std::size_t i_ = 0;
  std::string_view last_word_;
  std::size_t last_word_end_ = std::string_view::npos;
};

}  // namespace

std::vector<std::string> SqlStatement::names() const {
  std::vector<std::string> out;
  for (const SqlPlaceholder& p : placeholders) {
    if (std::find(out.begin(), out.end(), p.name) == out.end()) {
      out.push_back(p.name);
    }
  }
  return out;
}

Result<SqlStatement> parseStatement(std::string_view sql, SqlDialect dialect) {
  if (sql.size() > kMaxStatementLength) {
    return Error(StatementError::TooLong,
                 "the statement is longer than " + std::to_string(kMaxStatementLength) + " bytes");
  }
  if (sql.find('\0') != std::string_view::npos) {
    return at(StatementError::NulByte, "a NUL byte is not allowed; found", sql.find('\0'));
  }
  return Scanner(sql, dialect).run();
}

Result<std::string> renderStatement(const SqlStatement& statement, SqlDialect dialect,
                                    std::span<const std::string> order) {
  std::string out;
  out.reserve(statement.text.size() + 8);
  std::size_t copied = 0;
  for (const SqlPlaceholder& p : statement.placeholders) {
    auto it = std::find(order.begin(), order.end(), p.name);
    if (it == order.end()) {
      return Error(StatementError::UnknownParameter, "no parameter named " + p.name);
    }
    out.append(statement.text, copied, p.offset - copied);
    out += dialect == SqlDialect::Sqlite ? '?' : '$';
    out += std::to_string(it - order.begin() + 1);
    copied = p.offset + p.length;
  }
  out.append(statement.text, copied);
  return out;
}

std::string quoteIdentifier(std::string_view name) {
  auto quote = [](std::string_view part) {
    std::string q = "\"";
    for (char c : part) {
      q += c;
      if (c == '"') {
        q += '"';
      }
    }
    return q + "\"";
  };
  std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) {
    return quote(name);
  }
  return quote(name.substr(0, dot)) + "." + quote(name.substr(dot + 1));
}

Result<SqlDialect> dialectOfUrl(std::string_view url) {
  if (url.starts_with("sqlite://") && url.size() > 9) {
    return SqlDialect::Sqlite;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return SqlDialect::Postgres;
  }
  return Error(StatementError::Empty,
               "expected sqlite://PATH or postgresql://[user[:password]@]host[:port]/database");
}

}  // namespace bastion::tools
