// GCC 12 at -O2 reports checked results' operator-> as a potential null dereference.
#pragma GCC diagnostic ignored "-Wnull-dereference"

// The exec tool end to end through the real sandbox launcher: a TOML entry -> options -> the
// policy checked on this host -> a tool whose calls run real programs. Each case asserts the
// exact outcome (output, exit code, signal, limit).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <variant>

#include "config/config.h"
#include "sandbox/sandbox.h"
#include "support/test_call_context.h"
#include "tools/exec.h"

namespace bastion::tools {
namespace {

namespace json = boost::json;

using TestContext = bastion::testing::TestCallContext;

class ExecToolE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = sandbox::Launcher::create();
    ASSERT_TRUE(created) << created.error().message;
    launcher_ = std::shared_ptr<sandbox::Launcher>(std::move(created).value());
  }
  static void TearDownTestSuite() { launcher_.reset(); }

  // The tool as `bastion serve` builds it from `toml` (one [[tools]] entry of kind exec).
  mcp::ToolSpec fromToml(std::string_view keys) {
    const std::string text = "[[tools]]\nname = \"run\"\nkind = \"exec\"\n" + std::string(keys);
    auto config = config::parse(text, "t.toml");
    EXPECT_TRUE(config) << (config ? "" : config.error().toString());
    if (!config) {
      return {};
    }
    const auto& options = std::get<ExecToolOptions>(config.value()->tools[0].options);
    auto checked = sandbox::checkPolicy(execPolicy(options));
    EXPECT_TRUE(checked) << (checked ? "" : checked.error().message);
    ToolIdentity id;
    id.name = "run";
    auto spec = makeExecTool(id, options, launcher_);
    EXPECT_TRUE(spec) << (spec ? "" : spec.error().message);
    return spec ? std::move(spec).value() : mcp::ToolSpec{};
  }
  mcp::ToolResult call(const mcp::ToolSpec& spec, json::object args = {}) {
    auto r = spec.handler(args, ctx_);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? std::move(r).value() : mcp::ToolResult{};
  }
  static const json::object& out(const mcp::ToolResult& r) { return r.structured->as_object(); }

  static std::shared_ptr<sandbox::Launcher> launcher_;
  TestContext ctx_;
};

std::shared_ptr<sandbox::Launcher> ExecToolE2E::launcher_;

TEST_F(ExecToolE2E, EchoPrintsTheArgument) {
  // /bin/echo {msg}: the argument is one element, printed back; exit 0, no limit.
  auto spec = fromToml(
      "command = [\"/bin/echo\", \"{msg}\"]\nparams.msg = { type = \"string\", maxLength = 100 "
      "}\n");
  auto r = call(spec, {{"msg", "hello sandbox"}});
  ASSERT_TRUE(r.structured) << boost::json::serialize(r.content);
  EXPECT_FALSE(r.is_error) << boost::json::serialize(*r.structured);
  EXPECT_EQ(out(r).at("stdout"), "hello sandbox\n");
  EXPECT_EQ(out(r).at("stderr"), "");
  EXPECT_EQ(out(r).at("exit_code"), 0);
  EXPECT_TRUE(out(r).at("signal").is_null());
  EXPECT_EQ(out(r).at("limit"), "none");
}

TEST_F(ExecToolE2E, ArgumentWithSpacesAndShellSyntaxIsOneLiteralArgv) {
  // printf shows each argv element in brackets: one element, nothing interpreted.
  auto spec = fromToml(
      "command = [\"/usr/bin/printf\", \"[%s]\", \"{msg}\"]\n"
      "params.msg = { type = \"string\", maxLength = 100 }\n");
  auto r = call(spec, {{"msg", "a b; echo pwned $(id) `id` *"}});
  ASSERT_TRUE(r.structured);
  EXPECT_EQ(out(r).at("stdout"), "[a b; echo pwned $(id) `id` *]");
}

TEST_F(ExecToolE2E, CatReadsTheStdinTemplate) {
  // /bin/cat with stdin = "header\n{body}\n" prints the filled template.
  auto spec = fromToml(
      "command = [\"/bin/cat\"]\nstdin = \"header\\n{body}\\n\"\n"
      "params.body = { type = \"string\", maxLength = 1000 }\n");
  auto r = call(spec, {{"body", "line one\nline two"}});
  ASSERT_TRUE(r.structured);
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(out(r).at("stdout"), "header\nline one\nline two\n");
}

TEST_F(ExecToolE2E, TimeoutKillsTheRun) {
  // sleep 30 under a 300 ms timeout: killed, limit "timeout", an error result.
  auto spec = fromToml("command = [\"/bin/sleep\", \"30\"]\nsandbox = { timeout = \"300ms\" }\n");
  auto r = call(spec);
  ASSERT_TRUE(r.structured);
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(out(r).at("limit"), "timeout");
  EXPECT_TRUE(out(r).at("exit_code").is_null());
  EXPECT_EQ(out(r).at("signal"), "SIGKILL");
  EXPECT_LT(out(r).at("duration_ms").as_int64(), 10'000);
}

TEST_F(ExecToolE2E, OutputCapTruncates) {
  // seq prints ~590 KB; with output = "1KiB" exactly 1024 bytes come back, marked truncated.
  auto spec = fromToml(
      "command = [\"/usr/bin/seq\", \"1\", \"100000\"]\nsandbox = { output = \"1KiB\" }\n");
  auto r = call(spec);
  ASSERT_TRUE(r.structured);
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(out(r).at("stdout").as_string().size(), 1024u);
  EXPECT_TRUE(out(r).at("stdout").as_string().starts_with("1\n2\n3\n"));
  EXPECT_EQ(out(r).at("stdout_truncated"), true);
  EXPECT_EQ(out(r).at("limit"), "output");
}

TEST_F(ExecToolE2E, NonZeroExitIsAnErrorResult) {
  // A program that fails: its exit code and stderr, isError.
  auto spec = fromToml("command = [\"/bin/ls\", \"/no-such-path-here\"]\n");
  auto r = call(spec);
  ASSERT_TRUE(r.structured);
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(out(r).at("exit_code"), 2);
  EXPECT_NE(out(r).at("stderr").as_string().find("no-such-path-here"), json::string::npos);
}

TEST_F(ExecToolE2E, ServerEnvironmentNeverReachesTheProgram) {
  // env prints exactly the policy's allow-list; a canary set in the server is absent.
  ::setenv("BASTION_EXEC_CANARY", "canary-5a1f0c", 1);
  auto spec = fromToml("command = [\"/usr/bin/env\"]\n");
  auto r = call(spec);
  ASSERT_TRUE(r.structured);
  EXPECT_EQ(out(r).at("stdout"), "PATH=/usr/local/bin:/usr/bin:/bin\nHOME=/tmp\nLANG=C.UTF-8\n");
}

TEST_F(ExecToolE2E, InputsAreReadableButNotWritable) {
  // A declared input is visible read-only: reading works, writing beside it fails.
  // The program runs as nobody: the input must be readable by others (mkdtemp makes 0700).
  // Under /tmp (world-searchable), not the build tree (its parents may be closed to others);
  // the launcher binds host paths below /tmp into the run's own /tmp.
  std::string pattern =
      std::filesystem::temp_directory_path().string() + "/bastion-exec-input-XXXXXX";
  char* dir = ::mkdtemp(pattern.data());
  ASSERT_NE(dir, nullptr);
  const std::string file = std::string(dir) + "/data.txt";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("42\n", f);
  std::fclose(f);
  std::filesystem::permissions(
      dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
               std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
               std::filesystem::perms::others_exec);
  auto reader = fromToml("command = [\"/bin/cat\", \"" + file + "\"]\ninputs = [\"" +
                         std::string(dir) + "\"]\n");
  auto r = call(reader);
  ASSERT_TRUE(r.structured);
  EXPECT_EQ(out(r).at("stdout"), "42\n") << boost::json::serialize(*r.structured);
  auto writer = fromToml("command = [\"/usr/bin/touch\", \"" + std::string(dir) +
                         "/new\"]\ninputs = [\"" + std::string(dir) + "\"]\n");
  auto w = call(writer);
  ASSERT_TRUE(w.structured);
  EXPECT_TRUE(w.is_error);
  EXPECT_NE(out(w).at("exit_code"), 0);
  EXPECT_FALSE(std::filesystem::exists(std::string(dir) + "/new"));
  std::filesystem::remove_all(dir);
}

// A required layer the host lacks stopping the server at start: exec_serve_test.cc
// (MissingRequiredLayerRefusedAtStart runs the real server as nobody).

}  // namespace
}  // namespace bastion::tools
