// The `bastion check` rules for exec tools: a program run without scopes or rate, and a shell
// or interpreter fed code by the model, are flagged at the key that carries it.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json/parse.hpp>

#include "config/lint.h"

namespace bastion::config {
namespace {

ToolConfig execTool(std::vector<std::string> command,
                    std::optional<std::string> stdin_template = {},
                    std::vector<std::string> params = {}) {
  ToolConfig t;
  t.identity.name = "run";
  t.identity.scopes = {"exec:run"};
  t.kind = "exec";
  t.position = {10, 1};
  t.rate = policy::Rate{10, std::chrono::minutes(1), 0};
  tools::ExecToolOptions o;
  o.command = std::move(command);
  o.stdin_template = std::move(stdin_template);
  for (auto& p : params) {
    o.params.push_back({p, boost::json::parse(R"({"type":"string","maxLength":100})")});
  }
  t.options = std::move(o);
  return t;
}

std::vector<Finding> lintOne(ToolConfig t) {
  Config c;
  c.source = "t.toml";
  c.audit.path = "audit.jsonl";
  c.tools.push_back(std::move(t));
  return lint(c);
}

std::vector<std::string> rules(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) {
    out.push_back(f.rule);
  }
  return out;
}

TEST(ExecLint, FixedProgramWithTypedArgumentsIsClean) {
  // A fixed program with scopes, a rate and bounded parameters has no finding; so does an
  // interpreter running a fixed script on data from the model.
  EXPECT_TRUE(lintOne(execTool({"/usr/bin/wc", "-l", "--", "{file}"}, {}, {"file"})).empty());
  EXPECT_TRUE(lintOne(execTool({"/usr/bin/python3", "/opt/tools/report.py", "--name={name}"},
                               "{data}", {"name", "data"}))
                  .empty());
  EXPECT_TRUE(lintOne(execTool({"/bin/sh", "-c", "echo fixed"}, "{data}", {"data"})).empty());
}

TEST(ExecLint, ExecWithoutScopesOrRateIsWarned) {
  // Every call spends CPU and memory: scopes and a rate are expected.
  ToolConfig t = execTool({"/bin/true"});
  t.identity.scopes.clear();
  t.rate.reset();
  auto findings = lintOne(t);
  EXPECT_EQ(rules(findings), (std::vector<std::string>{"exec-without-scopes", "missing-rate"}));
  EXPECT_EQ(findings[0].severity, Severity::Warning);
  EXPECT_EQ(findings[1].message,
            "tool run runs a program with no rate limit (rate = \"N/minute\")");
}

TEST(ExecLint, ShellCommandFromInputIsWarned) {
  // /bin/sh -c {x}: the model writes the shell script.
  ToolConfig t = execTool({"/bin/sh", "-c", "{script}"}, {}, {"script"});
  t.key_positions["command"] = {12, 1};
  auto findings = lintOne(t);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].toString(),
            "t.toml:12:1: warning: tools[0].command[2]: tool run runs sh on code from the model: "
            "only the sandbox limits what it does; prefer a fixed script with typed parameters "
            "[exec-code-from-input]");
}

TEST(ExecLint, InterpreterCodeFlagsFromInputAreWarned) {
  // python3 -c, perl -e, node --eval=, php -r with a placeholder, and awk's program operand.
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"/usr/bin/python3", "-c", "{script}"},
           {"/usr/bin/python3.11", "-I", "-c", "import x; {script}"},
           {"/usr/bin/perl", "-e", "{script}"},
           {"/usr/bin/node", "--eval={script}"},
           {"/usr/bin/php", "-r", "{script}"},
           {"/usr/bin/awk", "{script}", "/data/in.txt"},
           {"/bin/bash", "{script}"}}) {
    auto findings = lintOne(execTool(command, {}, {"script"}));
    ASSERT_EQ(findings.size(), 1u) << command[0];
    EXPECT_EQ(findings[0].rule, "exec-code-from-input") << command[0];
  }
}

TEST(ExecLint, InterpreterReadingItsProgramFromStdinIsWarned) {
  // python3 - with stdin = "{script}" (DESIGN's run_python) runs the model's code.
  auto findings = lintOne(execTool({"/usr/bin/python3", "-"}, "{script}", {"script"}));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "exec-code-from-input");
  EXPECT_EQ(findings[0].key, "tools[0].stdin");
  EXPECT_EQ(rules(lintOne(execTool({"/bin/sh", "-s"}, "{script}", {"script"}))),
            std::vector<std::string>{"exec-code-from-input"});
}

TEST(ExecLint, BroadInputsAreErrors) {
  // Binding "/", a home directory or /etc exposes them to every program the model drives;
  // /usr is bound anyway and a data directory is what inputs are for.
  ::setenv("HOME", "/home/alice", 1);
  for (const char* input : {"/", "/root", "/home", "/home/alice", "/etc", "/var"}) {
    ToolConfig t = execTool({"/bin/true"});
    std::get<tools::ExecToolOptions>(t.options).inputs = {"/srv/data", input};
    auto findings = lintOne(t);
    ASSERT_EQ(findings.size(), 1u) << input;
    EXPECT_EQ(findings[0].rule, "broad-exec-input") << input;
    EXPECT_EQ(findings[0].key, "tools[0].inputs[1]") << input;
    EXPECT_EQ(findings[0].severity, Severity::Error);
  }
  ToolConfig ok = execTool({"/bin/true"});
  std::get<tools::ExecToolOptions>(ok.options).inputs = {"/usr", "/home/alice/project"};
  EXPECT_TRUE(lintOne(ok).empty());
}

TEST(ExecLint, ExecParamsAreLintedLikeOtherSchemas) {
  // An unbounded string parameter is flagged as for sql and http tools.
  ToolConfig t = execTool({"/bin/echo", "{msg}"});
  std::get<tools::ExecToolOptions>(t.options).params.push_back(
      {"msg", boost::json::parse(R"({"type":"string"})")});
  EXPECT_EQ(rules(lintOne(t)), std::vector<std::string>{"unbounded-string"});
}

}  // namespace
}  // namespace bastion::config
