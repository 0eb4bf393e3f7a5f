// The statement tokenizer: one statement per tool, :name placeholders, per dialect.

// GCC 12 -O2 reports false -Wnull-dereference on checked results (r-> after ASSERT_TRUE(r)).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "tools/sql_statement.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bastion::tools {
namespace {

constexpr SqlDialect kBoth[] = {SqlDialect::Sqlite, SqlDialect::Postgres};

int errorOf(std::string_view sql, SqlDialect dialect) {
  auto r = parseStatement(sql, dialect);
  return r ? 0 : r.error().code;
}
constexpr int code(StatementError e) { return static_cast<int>(e); }

// One statement, with or without a trailing semicolon and comments, is accepted as written.
TEST(SqlStatement, AcceptsOneStatementAndDropsTheTrailingSemicolon) {
  for (SqlDialect d : kBoth) {
    auto r = parseStatement("SELECT 1 ; -- done\n /* really */ ;;  ", d);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->text, "SELECT 1 ");
    EXPECT_TRUE(r->placeholders.empty());
  }
}

// The escape that broke the reference postgres MCP server: a second statement after COMMIT.
TEST(SqlStatement, RejectsCommitThenDropTable) {
  for (SqlDialect d : kBoth) {
    auto r = parseStatement("COMMIT; DROP TABLE users", d);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code(StatementError::MultipleStatements));
    EXPECT_EQ(r.error().message, "only one statement is allowed; a second one starts at byte 8");
  }
}

// Stacked queries in every disguise the tokenizer must see through.
TEST(SqlStatement, RejectsStackedStatements) {
  const std::vector<std::string> stacked = {
      "SELECT 1; SELECT 2",
      "SELECT 1;DROP TABLE x",
      "SELECT 'it''s'; DROP TABLE x",
      "SELECT \"a;b\" FROM t; DELETE FROM t",
      "SELECT 1 -- comment\n; DROP TABLE x",
      "SELECT 1 /* c */; /* c */ DROP TABLE x",
      "SELECT 1;\n\n  VACUUM",
      "SELECT 1; ;; UPDATE t SET a = 1",
  };
  for (SqlDialect d : kBoth) {
    for (const std::string& sql : stacked) {
      EXPECT_EQ(errorOf(sql, d), code(StatementError::MultipleStatements)) << sql;
    }
  }
}

// A semicolon inside a string, quoted identifier or comment does not end the statement.
TEST(SqlStatement, SemicolonsInsideQuotesAndCommentsAreText) {
  const std::vector<std::string> single = {
      "SELECT ';' FROM t",
      "SELECT 'a'';DROP TABLE x;--' FROM t",
      "SELECT \"we;ird\" FROM t",
      "SELECT 1 -- ; DROP TABLE x",
      "SELECT 1 /* ; DROP TABLE x */",
      "SELECT 1 -- trailing comment without newline; DROP",
  };
  for (SqlDialect d : kBoth) {
    for (const std::string& sql : single) {
      auto r = parseStatement(sql, d);
      EXPECT_TRUE(r) << sql << ": " << (r ? "" : r.error().message);
    }
  }
}

// PostgreSQL dollar quoting and E'' strings hide semicolons; SQLite has neither.
TEST(SqlStatement, PostgresDollarQuotesAndEscapeStrings) {
  EXPECT_TRUE(parseStatement("SELECT $$;DROP TABLE x;$$", SqlDialect::Postgres));
  EXPECT_TRUE(parseStatement("SELECT $fn$ ; $$ ; $fn$ AS body", SqlDialect::Postgres));
  EXPECT_TRUE(parseStatement(R"(SELECT E'\'; DROP TABLE x; --')", SqlDialect::Postgres));
  EXPECT_TRUE(parseStatement(R"(SELECT e'a\\'::text)", SqlDialect::Postgres));
  // Not an E string: a backslash is an ordinary character in standard strings.
  EXPECT_EQ(errorOf(R"(SELECT '\'; DROP TABLE x; --')", SqlDialect::Postgres),
            code(StatementError::MultipleStatements));
  EXPECT_EQ(errorOf(R"(SELECT '\'; DROP TABLE x; --')", SqlDialect::Sqlite),
            code(StatementError::MultipleStatements));
  EXPECT_EQ(errorOf("SELECT $$ never closed", SqlDialect::Postgres),
            code(StatementError::UnterminatedQuote));
}

// Block comments nest in PostgreSQL but not in SQLite: each dialect is read as its server does.
TEST(SqlStatement, NestedCommentsFollowTheDialect) {
  const std::string sql = "SELECT 1 /* a /* b */ ; DROP TABLE x */";
  EXPECT_TRUE(parseStatement(sql, SqlDialect::Postgres));
  EXPECT_EQ(errorOf(sql, SqlDialect::Sqlite), code(StatementError::MultipleStatements));
}

// SQLite's other identifier quotes: backticks and brackets.
TEST(SqlStatement, SqliteBacktickAndBracketIdentifiers) {
  EXPECT_TRUE(parseStatement("SELECT `a;b`, [c;d] FROM t", SqlDialect::Sqlite));
  EXPECT_EQ(errorOf("SELECT [never closed", SqlDialect::Sqlite),
            code(StatementError::UnterminatedQuote));
}

// Anything left open is refused rather than guessed.
TEST(SqlStatement, RejectsUnterminatedQuotesAndComments) {
  for (SqlDialect d : kBoth) {
    EXPECT_EQ(errorOf("SELECT 'open", d), code(StatementError::UnterminatedQuote));
    EXPECT_EQ(errorOf("SELECT \"open", d), code(StatementError::UnterminatedQuote));
    EXPECT_EQ(errorOf("SELECT 1 /* open", d), code(StatementError::UnterminatedComment));
  }
  EXPECT_EQ(errorOf("SELECT E'\\'", SqlDialect::Postgres), code(StatementError::UnterminatedQuote));
}

TEST(SqlStatement, EmptyStatementsAreRefused) {
  for (SqlDialect d : kBoth) {
    for (std::string sql : {"", "   ", "-- only a comment", ";", "/* x */ ;"}) {
      EXPECT_EQ(errorOf(sql, d), code(StatementError::Empty)) << sql;
    }
  }
}

// Placeholders are :name outside quotes and comments; a PostgreSQL cast is not one.
TEST(SqlStatement, FindsNamedPlaceholders) {
  auto r = parseStatement(
      "SELECT id::text, ':fake' FROM t -- :alsofake\n WHERE a = :email AND b > :min_2 OR "
      "a = :email",
      SqlDialect::Postgres);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->placeholders.size(), 3u);
  EXPECT_EQ(r->placeholders[0].name, "email");
  EXPECT_EQ(r->placeholders[1].name, "min_2");
  EXPECT_EQ(r->names(), (std::vector<std::string>{"email", "min_2"}));
  EXPECT_EQ(r->text.substr(r->placeholders[0].offset, r->placeholders[0].length), ":email");
}

// Other placeholder styles would bind nothing (NULL) or bind positionally: refused.
TEST(SqlStatement, RejectsOtherPlaceholderStyles) {
  for (std::string sql : {"SELECT ?", "SELECT ?1", "SELECT @x", "SELECT $x", "SELECT :1"}) {
    EXPECT_EQ(errorOf(sql, SqlDialect::Sqlite), code(StatementError::UnsupportedPlaceholder))
        << sql;
  }
  EXPECT_EQ(errorOf("SELECT $1", SqlDialect::Postgres),
            code(StatementError::UnsupportedPlaceholder));
  // In PostgreSQL `?` is a jsonb operator and `a[1:2]` a slice, not parameters.
  EXPECT_TRUE(parseStatement("SELECT doc ? 'k', arr[1:2] FROM t", SqlDialect::Postgres));
}

// Rendering numbers placeholders by declaration order, repeating a number for a repeated name.
TEST(SqlStatement, RendersPositionalPlaceholdersPerDialect) {
  std::vector<std::string> order{"min", "email"};
  auto s = parseStatement("SELECT * FROM t WHERE e = :email AND n > :min OR e = :email;",
                          SqlDialect::Sqlite);
  ASSERT_TRUE(s);
  auto lite = renderStatement(*s, SqlDialect::Sqlite, order);
  ASSERT_TRUE(lite);
  EXPECT_EQ(*lite, "SELECT * FROM t WHERE e = ?2 AND n > ?1 OR e = ?2");
  auto pg = renderStatement(*s, SqlDialect::Postgres, order);
  ASSERT_TRUE(pg);
  EXPECT_EQ(*pg, "SELECT * FROM t WHERE e = $2 AND n > $1 OR e = $2");
  std::vector<std::string> missing{"min"};
  EXPECT_FALSE(renderStatement(*s, SqlDialect::Sqlite, missing));
}

TEST(SqlStatement, RejectsNulAndOversizedStatements) {
  using namespace std::string_literals;
  EXPECT_EQ(errorOf("SELECT 1\0; DROP TABLE x"s, SqlDialect::Sqlite),
            code(StatementError::NulByte));
  EXPECT_EQ(errorOf(std::string(kMaxStatementLength + 1, ' '), SqlDialect::Sqlite),
            code(StatementError::TooLong));
}

// Identifiers from configuration are quoted, embedded quotes doubled, schema split once.
TEST(SqlStatement, QuotesIdentifiers) {
  EXPECT_EQ(quoteIdentifier("users"), "\"users\"");
  EXPECT_EQ(quoteIdentifier("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(quoteIdentifier("public.users"), "\"public\".\"users\"");
}

TEST(SqlStatement, DialectComesFromTheUrlScheme) {
  EXPECT_EQ(dialectOfUrl("sqlite:///srv/app.db").value(), SqlDialect::Sqlite);
  EXPECT_EQ(dialectOfUrl("postgresql://u@h/db").value(), SqlDialect::Postgres);
  EXPECT_EQ(dialectOfUrl("postgres://u@h/db").value(), SqlDialect::Postgres);
  EXPECT_FALSE(dialectOfUrl("sqlite://"));
  EXPECT_FALSE(dialectOfUrl("${env:DATABASE_URL}"));
  EXPECT_FALSE(dialectOfUrl("mysql://h/db"));
}

}  // namespace
}  // namespace bastion::tools
