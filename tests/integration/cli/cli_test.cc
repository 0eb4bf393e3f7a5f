#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "integration/cli/child.h"

namespace bastion::testing {
namespace {

const std::string kExe = BASTION_EXE;

std::string tempFile(const std::string& name, std::string_view content) {
  std::string path = ::testing::TempDir() + "/bastion-cli-" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

const std::string kSchema = R"({"type":"object","properties":{"age":{"type":"integer",
  "minimum":0},"email":{"type":"string","format":"email"}},"required":["name"]})";

// A valid instance: exit 0 and "valid".
TEST(CliValidate, ValidInstanceExitsZero) {
  auto r = run({kExe, "validate", "--schema", tempFile("s1.json", kSchema),
                tempFile("i1.json", R"({"name":"x","age":3})")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "valid\n");
}

// An invalid instance: exit 1 and one "pointer: reason" line per failure.
TEST(CliValidate, InvalidInstancePrintsPointersAndExitsOne) {
  auto r = run({kExe, "validate", "--schema", tempFile("s2.json", kSchema),
                tempFile("i2.json", R"({"age":-1})")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("invalid\n")) << r.out;
  EXPECT_NE(r.out.find("\n/age: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n(root): "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("name"), std::string::npos) << r.out;
}

// The instance may come from stdin with "-".
TEST(CliValidate, ReadsInstanceFromStdin) {
  auto r = run({kExe, "validate", "--schema", tempFile("s3.json", kSchema), "-"},
               R"({"name":"x","age":"old"})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("/age: "), std::string::npos) << r.out;
}

// --formats turns `format` into an assertion.
TEST(CliValidate, FormatsFlagAssertsFormats) {
  std::string schema = tempFile("s4.json", kSchema);
  std::string instance = tempFile("i4.json", R"({"name":"x","email":"nope"})");
  EXPECT_EQ(run({kExe, "validate", "--schema", schema, instance}).exit_code, 0);
  auto r = run({kExe, "validate", "--formats", "--schema", schema, instance});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("/email: "), std::string::npos) << r.out;
}

// An unusable schema, a schema that is not JSON, or a missing file: exit 2, reason on stderr.
TEST(CliValidate, UnusableInputExitsTwo) {
  auto bad_schema = run({kExe, "validate", "--schema", tempFile("s5.json", R"({"type":12})"),
                         tempFile("i5.json", "1")});
  EXPECT_EQ(bad_schema.exit_code, 2);
  EXPECT_NE(bad_schema.err.find("unusable schema"), std::string::npos) << bad_schema.err;
  EXPECT_EQ(bad_schema.out, "");
  auto not_json = run({kExe, "validate", "--schema", tempFile("s6.json", "{nope")});
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_NE(not_json.err.find("not JSON"), std::string::npos) << not_json.err;
  auto missing = run({kExe, "validate", "--schema", "/nonexistent/s.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "/nonexistent/s.json: cannot read the file\n");
  auto missing_instance =
      run({kExe, "validate", "--schema", tempFile("s7.json", "{}"), "/nonexistent/i.json"});
  EXPECT_EQ(missing_instance.exit_code, 2);
  auto unresolved = run({kExe, "validate", "--schema",
                         tempFile("s8.json", R"({"$ref":"https://example.com/remote.json"})"),
                         tempFile("i8.json", "1")});
  EXPECT_EQ(unresolved.exit_code, 2) << "a remote $ref must never be fetched or ignored";
}

// Without an instance only the schema is checked.
TEST(CliValidate, SchemaOnly) {
  auto r = run({kExe, "validate", "--schema", tempFile("s9.json", kSchema)});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "schema OK\n");
}

// A good configuration: exit 0 and a summary on stdout.
TEST(CliCheck, GoodConfigPrintsSummary) {
  std::string path = tempFile("good.toml",
                              "[server]\nlisten = \"127.0.0.1:9999\"\n[demo]\ntools = true\n");
  auto r = run({kExe, "check", "--config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with(path + ": OK\n")) << r.out;
  EXPECT_NE(r.out.find("listen:     http://127.0.0.1:9999/mcp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("demo tools: on"), std::string::npos) << r.out;
}

// A bad configuration: exit 1 and every error with file:line:column on stderr.
TEST(CliCheck, BadConfigPrintsPositionedErrors) {
  std::string path = tempFile("bad.toml", "[server]\nlisten = \"0.0.0.0:80\"\nport = 1\n");
  auto r = run({kExe, "check", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path + ":3:1: server.port: unknown key\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":2:10: server.listen: auth.mode \"none\" is allowed only"),
            std::string::npos)
      << r.err;
}

// Without --config, check describes the embedded default: demo tools on 127.0.0.1:8080/mcp.
TEST(CliCheck, EmbeddedDefaultIsLoopback8080) {
  auto r = run({kExe, "check"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("listen:     http://127.0.0.1:8080/mcp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("demo tools: on"), std::string::npos) << r.out;
}

// Every subcommand has --help, which exits 0 and prints usage on stdout.
TEST(CliHelp, EverySubcommandHasHelp) {
  for (const char* sub : {"serve", "check", "validate", "version"}) {
    auto r = run({kExe, sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
  }
  auto top = run({kExe, "--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* sub : {"serve", "check", "validate", "version"}) {
    EXPECT_NE(top.out.find(sub), std::string::npos) << sub;
  }
}

// Usage errors (unknown option, missing --schema, no subcommand) exit 2.
TEST(CliHelp, UsageErrorsExitTwo) {
  EXPECT_EQ(run({kExe, "validate"}).exit_code, 2);
  EXPECT_EQ(run({kExe, "serve", "--bogus"}).exit_code, 2);
  EXPECT_EQ(run({kExe}).exit_code, 2);
  EXPECT_EQ(run({kExe, "serve", "--stdio", "--listen", "127.0.0.1:1"}).exit_code, 2);
}

// `version` prints the version.
TEST(CliVersion, PrintsVersion) {
  auto r = run({kExe, "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.starts_with("bastion ")) << r.out;
}

// serve refuses a bad config before starting, with positioned errors.
TEST(CliServe, RefusesBadConfig) {
  auto r = run({kExe, "serve", "--config", tempFile("bad2.toml", "[demo]\ntools = 1\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(":2:9: demo.tools: expected a boolean, got an integer"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace bastion::testing
