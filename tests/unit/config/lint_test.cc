// The security lint of `bastion check`: each rule fires on the weakness it names, at the key's
// position, and never quotes a secret.

#include "config/lint.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json/parse.hpp>

namespace bastion::config {
namespace {

ToolConfig tool(std::string name, std::string kind) {
  ToolConfig t;
  t.identity.name = std::move(name);
  t.identity.scopes = {"data:read"};
  t.kind = std::move(kind);
  t.position = {10, 1};
  t.rate = policy::Rate{10, std::chrono::minutes(1), 0};
  return t;
}

Config base() {
  Config c;
  c.source = "t.toml";
  c.audit.path = "audit.jsonl";
  return c;
}

std::vector<std::string> rendered(const Config& c) {
  std::vector<std::string> out;
  for (const auto& f : lint(c)) {
    out.push_back(f.toString());
  }
  return out;
}

// A well-declared tool set produces no finding at all.
TEST(Lint, TightConfigIsClean) {
  Config c = base();
  ToolConfig t = tool("find_user", "sql.query");
  tools::SqlToolOptions sql;
  sql.params.push_back({"email", boost::json::parse(R"({"type":"string","maxLength":254})")});
  t.options = sql;
  c.tools.push_back(t);
  EXPECT_TRUE(lint(c).empty());
}

// An object parameter that accepts unknown keys, and a string without a length bound.
TEST(Lint, OpenObjectAndUnboundedStringAreFlaggedAtTheirKey) {
  Config c = base();
  ToolConfig t = tool("search", "sql.query");
  t.key_positions["params.filter"] = {12, 1};
  tools::SqlToolOptions sql;
  sql.params.push_back(
      {"filter",
       boost::json::parse(R"({"type":"object","properties":{"name":{"type":"string"}}})")});
  t.options = sql;
  c.tools.push_back(t);
  EXPECT_EQ(rendered(c), (std::vector<std::string>{
                             "t.toml:12:1: error: tools[0].params.filter: object schema without "
                             "additionalProperties: false (unknown keys would pass) [open-object]",
                             "t.toml:12:1: warning: tools[0].params.filter.properties.name: string "
                             "without maxLength [unbounded-string]"}));
}

// A parameter named like SQL text is the raw-SQL tool anti-pattern.
TEST(Lint, SqlTextFromTheModelIsAnError) {
  Config c = base();
  ToolConfig t = tool("run", "sql.query");
  tools::SqlToolOptions sql;
  sql.params.push_back({"where", boost::json::parse(R"({"type":"string","maxLength":10})")});
  t.options = sql;
  c.tools.push_back(t);
  auto findings = lint(c);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "sql-from-input");
  EXPECT_EQ(findings[0].severity, Severity::Error);
}

// A tool that writes must require a scope; without a rate it is a warning.
TEST(Lint, WriteToolWithoutScopesOrRate) {
  Config c = base();
  ToolConfig t = tool("save", "files.write");
  t.identity.scopes.clear();
  t.rate.reset();
  tools::FilesToolOptions files;
  files.operation = tools::FilesToolOptions::Operation::Write;
  files.root = "/srv/project";
  t.options = files;
  c.tools.push_back(t);
  auto findings = lint(c);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, "write-without-scopes");
  EXPECT_EQ(findings[1].rule, "missing-rate");
  EXPECT_EQ(findings[1].severity, Severity::Warning);
}

// Roots that expose the whole machine or a home directory are errors.
TEST(Lint, BroadFilesRootsAreErrors) {
  ::setenv("HOME", "/home/alice", 1);
  for (const char* root : {"/", "/root", "/home", "/home/alice/", "/etc", "/proc"}) {
    Config c = base();
    ToolConfig t = tool("read", "files.read");
    tools::FilesToolOptions files;
    files.root = root;
    t.options = files;
    c.tools.push_back(t);
    auto findings = lint(c);
    ASSERT_EQ(findings.size(), 1u) << root;
    EXPECT_EQ(findings[0].rule, "broad-files-root") << root;
  }
  Config ok = base();
  ToolConfig t = tool("read", "files.read");
  tools::FilesToolOptions files;
  files.root = "/home/alice/project";
  t.options = files;
  ok.tools.push_back(t);
  EXPECT_TRUE(lint(ok).empty());
}

// A credential typed into the file is flagged without echoing it.
TEST(Lint, InlineSecretsAreFlaggedWithoutPrintingThem) {
  Config c = base();
  ToolConfig t = tool("search", "http");
  tools::HttpToolOptions http;
  http.url = "https://api.example.com/search";
  http.headers["Authorization"] = "Bearer sk-live-0123456789";
  http.headers["X-Trace"] = "on";
  http.headers["X-Api-Key"] = "${env:SEARCH_KEY}";
  t.options = http;
  c.tools.push_back(t);
  c.databases["app"].url = "postgresql://app:hunter2hunter2@db/app";
  c.databases["ok"].url = "postgresql://app:${env:PGPASS}@db/app";
  auto findings = lint(c);
  ASSERT_EQ(findings.size(), 2u);
  for (const auto& f : findings) {
    EXPECT_EQ(f.rule, "inline-secret");
    EXPECT_EQ(f.toString().find("sk-live"), std::string::npos);
    EXPECT_EQ(f.toString().find("hunter2"), std::string::npos);
  }
}

// A secret query value written inline, and a tool allowed to reach private addresses.
TEST(Lint, HttpSecretQueryInlineAndPrivateTargets) {
  Config c = base();
  ToolConfig t = tool("internal", "http");
  tools::HttpToolOptions http;
  http.url = "http://10.0.0.5:8080/x";
  http.secret_query["api_key"] = "k-0123456789abcdef";
  http.secret_query["ok"] = "${env:KEY}";
  http.allow_private = true;
  t.options = http;
  c.tools.push_back(t);
  auto findings = lint(c);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, "inline-secret");
  EXPECT_EQ(findings[0].toString().find("k-0123"), std::string::npos);
  EXPECT_EQ(findings[1].rule, "http-private-target");
  EXPECT_EQ(findings[1].severity, Severity::Warning);
}

// An http tool that may call any host, and one without a rate.
TEST(Lint, HttpAllowListAndRate) {
  Config c = base();
  ToolConfig t = tool("fetch", "http");
  t.rate.reset();
  tools::HttpToolOptions http;
  http.url = "https://api.example.com/x";
  http.allow_hosts = {"*"};
  t.options = http;
  c.tools.push_back(t);
  auto findings = lint(c);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, "http-open-allowlist");
  EXPECT_EQ(findings[1].rule, "missing-rate");
}

// Without an audit log nothing is recorded: a warning.
TEST(Lint, AuditOffIsAWarning) {
  Config c = base();
  c.audit.path.clear();
  auto findings = lint(c);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "audit-off");
  EXPECT_EQ(findings[0].severity, Severity::Warning);
}

}  // namespace
}  // namespace bastion::config
