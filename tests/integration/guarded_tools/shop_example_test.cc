// examples/shop served by the real binary over stdio, as an MCP client would use it: every tool
// kind through the whole pipeline, the attacks each guard stops, a verifiable audit log, and a
// canary secret that reaches no result, error, log line or audit record.

// GCC 12 at -O2 reports std::istreambuf_iterator internals as potential null dereferences
// (false positives that would fail -Werror release builds).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "integration/cli/child.h"

namespace bastion::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using std::chrono::seconds;

const std::string kExe = BASTION_EXE;
// The suite-wide canary when ctest runs us (so Child's own check covers this secret too).
const std::string kCanary = std::getenv("BASTION_TEST_CANARY") != nullptr
                                ? std::getenv("BASTION_TEST_CANARY")
                                : "canary-7f3e9c1d-secret-value";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class ShopExample : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "bastion-shop-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    const fs::path src = fs::path(BASTION_SOURCE_DIR) / "examples" / "shop";
    fs::copy(src / "project", dir_ / "project", fs::copy_options::recursive);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "app.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, slurp(src / "app.sql").c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    // The example as shipped, plus one http tool whose credential is the canary: its
    // downstream (a closed loopback port) fails, and the failure must not carry the secret.
    std::string config = slurp(src / "bastion.toml");
    config += R"(
[[tools]]
name = "internal_api"
kind = "http"
description = "An internal API that is down."
url = "http://127.0.0.1:9/status?q={q}"
allow_hosts = ["127.0.0.1:9"]
allow_private = true
headers = { Authorization = "Bearer ${env:BASTION_SHOP_CANARY}" }
params.q = { type = "string", maxLength = 64 }
timeout = "2s"
scopes = ["weather"]
rate = "30/minute"
)";
    std::ofstream(dir_ / "bastion.toml") << config;
    ::setenv("BASTION_SHOP_CANARY", kCanary.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("BASTION_SHOP_CANARY");
    fs::remove_all(dir_);
  }

  // Starts the server in dir_ (the audit log lands in dir_/bastion-data) and initializes.
  std::unique_ptr<Child> start() {
    auto child = std::make_unique<Child>(std::vector<std::string>{
        "/bin/sh", "-c",
        "cd '" + dir_.string() + "' && exec '" + kExe + "' serve --stdio --config bastion.toml"});
    send(*child, R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":)"
                 R"("2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
    EXPECT_TRUE(child->readLine(std::chrono::seconds(20)).has_value()) << child->stderrText();
    send(*child, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return child;
  }
  static void send(Child& c, const std::string& line) { c.write(line + "\n"); }

  // One tools/call; returns the result object (or the error object).
  json::object call(Child& c, std::string_view tool, json::object args) {
    json::object req{{"jsonrpc", "2.0"},
                     {"id", ++id_},
                     {"method", "tools/call"},
                     {"params", {{"name", tool}, {"arguments", std::move(args)}}}};
    send(c, json::serialize(req));
    auto line = c.readLine(std::chrono::seconds(20));
    if (!line) {
      ADD_FAILURE() << "no answer to " << tool << ": " << c.stderrText();
      return {};
    }
    transcript_ += *line + "\n";
    auto v = json::parse(*line).as_object();
    return v.contains("result") ? v["result"].as_object() : v["error"].as_object();
  }
  static std::string text(const json::object& result) {
    return std::string(result.at("content").as_array().at(0).at("text").as_string());
  }

  fs::path dir_;
  int id_ = 0;
  std::string transcript_;
};

TEST_F(ShopExample, EveryToolKindWorksAndEveryGuardHolds) {
  auto c = start();
  // sql.query: a bound parameter finds exactly one row; injection text finds none.
  auto ada = call(*c, "find_customer", {{"email", "ada@example.com"}});
  EXPECT_EQ(ada.at("structuredContent").at("row_count"), 1);
  auto injected = call(*c, "find_customer", {{"email", "x@example.com' OR '1'='1"}});
  EXPECT_EQ(injected.at("structuredContent").at("row_count"), 0) << json::serialize(injected);
  // sql.exec changes one row; sql.list shows it; an unlisted table is not offered.
  auto restock = call(*c, "restock_product", {{"sku", "HS-004"}, {"stock", 7}});
  EXPECT_EQ(restock.at("structuredContent").at("affected_rows"), 1) << json::serialize(restock);
  auto listed = call(*c, "browse_shop", {{"table", "products"}, {"limit", 5}});
  EXPECT_NE(json::serialize(listed).find("\"stock\":7"), std::string::npos);
  auto secret_table = call(*c, "browse_shop", {{"table", "staff_credentials"}});
  EXPECT_TRUE(secret_table.at("isError").as_bool());
  // files: the project is readable, .env and escapes are not, and no host path leaks.
  auto design = call(*c, "read_project_file", {{"path", "docs/design.md"}});
  EXPECT_NE(text(design).find("Design notes"), std::string::npos);
  for (const char* bad : {".env", "../app.db", "/etc/passwd", "docs/../../bastion.toml"}) {
    auto refused = call(*c, "read_project_file", {{"path", bad}});
    EXPECT_TRUE(refused.at("isError").as_bool()) << bad;
    EXPECT_EQ(json::serialize(refused).find(dir_.string()), std::string::npos) << bad;
  }
  auto written = call(*c, "write_project_note", {{"path", "docs/today.md"}, {"content", "hi"}});
  EXPECT_FALSE(written.contains("isError")) << json::serialize(written);
  EXPECT_EQ(slurp(dir_ / "project" / "docs" / "today.md"), "hi");
  // http: the downstream is down; the error names the host, never the credential.
  auto down = call(*c, "internal_api", {{"q", "x"}});
  EXPECT_TRUE(down.at("isError").as_bool());
  // Rate limit: restock allows 10 a minute; the 11th call in a row is refused.
  json::object last;
  for (int i = 0; i < 10; ++i) {
    last = call(*c, "restock_product", {{"sku", "KB-001"}, {"stock", i}});
  }
  EXPECT_EQ(text(last).rfind("Rate limit exceeded; retry in ", 0), 0u) << text(last);
  c->closeStdin();
  EXPECT_EQ(c->wait(std::chrono::seconds(20)), 0);

  // The canary is nowhere: results, errors, the log, the audit log.
  const std::string audit = slurp(dir_ / "bastion-data" / "audit.jsonl");
  EXPECT_NE(audit.find("\"tool\":\"find_customer\""), std::string::npos);
  EXPECT_NE(audit.find("\"outcome\":\"refused_rate\""), std::string::npos);
  EXPECT_NE(audit.find("\"type\":\"config_load\""), std::string::npos);
  for (const std::string* where : std::vector<const std::string*>{&transcript_, &audit}) {
    EXPECT_EQ(where->find(kCanary), std::string::npos);
    EXPECT_EQ(where->find("hunter2"), std::string::npos);
  }
  EXPECT_EQ(c->stderrText().find(kCanary), std::string::npos);
  // Identifier fields are kept verbatim; other argument values only as a digest.
  EXPECT_NE(audit.find("ada@example.com"), std::string::npos);

  // The chain verifies with the public key.
  Child verify({kExe, "audit", "verify", (dir_ / "bastion-data" / "audit.jsonl").string(), "--key",
                (dir_ / "bastion-data" / "audit.jsonl.key.pub").string()});
  const std::string out = verify.readAll(std::chrono::seconds(20));
  EXPECT_EQ(verify.wait(std::chrono::seconds(20)), 0) << out << verify.stderrText();
  EXPECT_EQ(out.rfind("ok: ", 0), 0u) << out;
}

TEST_F(ShopExample, MissingSecretStopsStartNamingOnlyTheVariable) {
  // Without the variable the server refuses to start and says which one.
  ::unsetenv("BASTION_SHOP_CANARY");
  auto c = std::make_unique<Child>(std::vector<std::string>{
      "/bin/sh", "-c",
      "cd '" + dir_.string() + "' && exec '" + kExe + "' serve --stdio --config bastion.toml"});
  EXPECT_EQ(c->wait(std::chrono::seconds(20)), 1);
  EXPECT_NE(c->stderrText().find("environment variable BASTION_SHOP_CANARY is not set"),
            std::string::npos)
      << c->stderrText();
}

}  // namespace
}  // namespace bastion::testing
