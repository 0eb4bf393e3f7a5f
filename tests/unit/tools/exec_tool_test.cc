// The exec tool against a fake Launcher (the sandbox seam): which argv, stdin and policy each
// call hands to the launcher, what is refused before anything runs, how run results become
// tool results, and that output goes through the dispatcher's redactor.

// GCC 12 at -O2 reports checked results' operator-> as a potential null dereference.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <functional>
#include <mutex>

#include "core/random.h"
#include "guard/redactor.h"
#include "json/schema.h"
#include "mcp/dispatcher.h"
#include "mcp/server.h"
#include "mcp/session.h"
#include "support/test_call_context.h"
#include "tools/exec.h"
#include "tools/text.h"

namespace bastion::tools {
namespace {

namespace json = boost::json;
using sandbox::Layer;
using sandbox::LimitHit;

// Records every run and answers from a script (by default: exit 0 printing "ok").
class FakeLauncher final : public sandbox::Launcher {
 public:
  using Script = std::function<Result<sandbox::RunResult>(
      const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions&)>;
  FakeLauncher() = default;
  explicit FakeLauncher(Script script) : script_(std::move(script)) {}

  Result<sandbox::RunResult> run(const sandbox::Command& command, const sandbox::Policy& policy,
                                 const sandbox::RunOptions& options) override {
    std::lock_guard lock(mu_);
    commands.push_back(command);
    policies.push_back(policy);
    if (script_) {
      return script_(command, policy, options);
    }
    sandbox::RunResult r;
    r.stdout_data = "ok\n";
    r.exit_code = 0;
    return r;
  }

  std::vector<sandbox::Command> commands;
  std::vector<sandbox::Policy> policies;

 private:
  std::mutex mu_;
  Script script_;
};

using TestContext = bastion::testing::TestCallContext;

ToolIdentity identity(std::string name) {
  ToolIdentity id;
  id.name = std::move(name);
  return id;
}

ExecToolOptions options(std::vector<std::string> command,
                        std::vector<std::pair<std::string, std::string>> params = {}) {
  ExecToolOptions o;
  o.command = std::move(command);
  for (auto& [name, schema] : params) {
    o.params.push_back({name, json::parse(schema)});
  }
  return o;
}

constexpr const char* kString = R"({"type":"string","maxLength":100})";

class ExecTool : public ::testing::Test {
 protected:
  mcp::ToolSpec make(const ExecToolOptions& o) {
    auto spec = makeExecTool(identity("run"), o, launcher);
    EXPECT_TRUE(spec) << (spec ? "" : spec.error().message);
    return spec ? std::move(spec).value() : mcp::ToolSpec{};
  }
  mcp::ToolResult call(const mcp::ToolSpec& spec, json::object args) {
    auto r = spec.handler(args, ctx);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? std::move(r).value() : mcp::ToolResult{};
  }
  static std::string text(const mcp::ToolResult& r) {
    return r.content.empty() ? "" : std::string(r.content[0].at("text").as_string());
  }
  std::string refusedAtLoad(const ExecToolOptions& o) {
    auto spec = makeExecTool(identity("run"), o, launcher);
    EXPECT_FALSE(spec) << "expected the tool to be refused";
    EXPECT_EQ(checkExecTool(o).has_value(), false);
    return spec ? std::string() : spec.error().message;
  }

  std::shared_ptr<FakeLauncher> launcher = std::make_shared<FakeLauncher>();
  TestContext ctx;
};

TEST_F(ExecTool, FillsArgvAndRunsInTmp) {
  // Each placeholder becomes the argument's text; the program is the literal command[0].
  auto spec = make(options({"/bin/echo", "{msg}"}, {{"msg", kString}}));
  auto r = call(spec, {{"msg", "hello"}});
  EXPECT_FALSE(r.is_error);
  ASSERT_EQ(launcher->commands.size(), 1u);
  EXPECT_EQ(launcher->commands[0].argv, (std::vector<std::string>{"/bin/echo", "hello"}));
  EXPECT_EQ(launcher->commands[0].cwd, "/tmp");
  EXPECT_EQ(launcher->commands[0].stdin_data, "");
}

TEST_F(ExecTool, ArgumentCannotInjectSecondArgv) {
  // Spaces, tabs and newlines in a value stay inside its one argv element (no splitting).
  auto spec = make(options({"/bin/echo", "{msg}"}, {{"msg", kString}}));
  call(spec, {{"msg", "a b\tc\nd"}});
  ASSERT_EQ(launcher->commands.size(), 1u);
  EXPECT_EQ(launcher->commands[0].argv, (std::vector<std::string>{"/bin/echo", "a b\tc\nd"}));
}

TEST_F(ExecTool, ShellMetacharactersStayLiteral) {
  // Nothing goes through a shell: ; | & $() ` > * ' " reach the program byte for byte.
  const std::string hostile = "x; rm -rf / | cat $(id) `id` && echo >out * 'q' \"d\" ${HOME}";
  auto spec = make(options({"/bin/echo", "{msg}"}, {{"msg", R"({"type":"string"})"}}));
  call(spec, {{"msg", hostile}});
  ASSERT_EQ(launcher->commands.size(), 1u);
  EXPECT_EQ(launcher->commands[0].argv, (std::vector<std::string>{"/bin/echo", hostile}));
}

TEST_F(ExecTool, PlaceholderInsideAnElementAndCanonicalValues) {
  // "--n={count}" keeps its prefix; numbers and booleans are written as JSON writes them;
  // {{ and }} are literal braces.
  auto spec = make(options({"/usr/bin/prog", "--n={count}", "--ratio={ratio}", "--flag={flag}",
                            "{{literal}}", "{{{name}}}"},
                           {{"count", R"({"type":"integer"})"},
                            {"ratio", R"({"type":"number"})"},
                            {"flag", R"({"type":"boolean"})"},
                            {"name", kString}}));
  call(spec, {{"count", -5}, {"ratio", 1.5}, {"flag", true}, {"name", "x"}});
  ASSERT_EQ(launcher->commands.size(), 1u);
  EXPECT_EQ(launcher->commands[0].argv,
            (std::vector<std::string>{"/usr/bin/prog", "--n=-5", "--ratio=1.5", "--flag=true",
                                      "{literal}", "{x}"}));
}

TEST_F(ExecTool, StdinTemplateIsFilled) {
  // The stdin template is filled like argv and handed to the launcher whole.
  auto o = options({"/usr/bin/python3", "-"}, {{"script", R"({"type":"string"})"}});
  o.stdin_template = "# run\n{script}\n";
  auto spec = make(o);
  call(spec, {{"script", "print(1)"}});
  ASSERT_EQ(launcher->commands.size(), 1u);
  EXPECT_EQ(launcher->commands[0].stdin_data, "# run\nprint(1)\n");
  EXPECT_EQ(launcher->commands[0].argv, (std::vector<std::string>{"/usr/bin/python3", "-"}));
}

TEST_F(ExecTool, DefaultIsUsedWhenTheArgumentIsAbsent) {
  // A parameter with a default is optional in the input schema and filled from the default.
  auto spec = make(options({"/bin/echo", "{n}"}, {{"n", R"({"type":"integer","default":3})"}}));
  EXPECT_EQ(spec.input_schema.at("required").as_array().size(), 0u);
  call(spec, {});
  ASSERT_EQ(launcher->commands.size(), 1u);
  EXPECT_EQ(launcher->commands[0].argv[1], "3");
}

TEST_F(ExecTool, PlaceholderCannotTemplateCommandPath) {
  // The model never chooses the program: command[0] is a literal absolute path.
  EXPECT_EQ(refusedAtLoad(options({"{prog}"}, {{"prog", kString}})),
            "command[0]: the program must be a literal absolute path, not a template");
  EXPECT_EQ(refusedAtLoad(options({"/usr/bin/{prog}"}, {{"prog", kString}})),
            "command[0]: the program must be a literal absolute path, not a template");
  EXPECT_EQ(refusedAtLoad(options({"echo", "x"})),
            "command[0]: the program must be an absolute path (no search path is used)");
  EXPECT_EQ(refusedAtLoad(options({})),
            "command: required: the program's absolute path, then its arguments");
}

TEST_F(ExecTool, UnknownPlaceholderRefusedAtLoad) {
  // Every placeholder names a declared parameter; every parameter is used.
  EXPECT_EQ(refusedAtLoad(options({"/bin/echo", "{msg}"})),
            "command[1]: uses {msg} but params.msg is not declared");
  auto o = options({"/bin/cat"});
  o.stdin_template = "{body}";
  EXPECT_EQ(refusedAtLoad(o), "stdin: uses {body} but params.body is not declared");
  EXPECT_EQ(refusedAtLoad(options({"/bin/echo"}, {{"unused", kString}})),
            "params.unused: declared but neither command nor stdin uses {unused}");
}

TEST_F(ExecTool, MalformedTemplatesAndParamsRefusedAtLoad) {
  // Stray braces, bad names, duplicate params, schemas that do not compile.
  EXPECT_EQ(refusedAtLoad(options({"/bin/echo", "a}b"})),
            "command[1]: unmatched '}' (write '}}' for a literal brace)");
  EXPECT_EQ(refusedAtLoad(options({"/bin/echo", "{msg"}, {{"msg", kString}})),
            "command[1]: unterminated '{' (write '{{' for a literal brace)");
  EXPECT_EQ(refusedAtLoad(options({"/bin/echo", "{a b}"})),
            "command[1]: {a b} is not a placeholder: a name is [A-Za-z_][A-Za-z0-9_]*, at most "
            "64 characters (write '{{' for a literal brace)");
  EXPECT_EQ(refusedAtLoad(options({"/bin/echo", "{x}"}, {{"x", kString}, {"x", kString}})),
            "params.x: declared twice");
  EXPECT_EQ(
      refusedAtLoad(options({"/bin/echo", "{x}"}, {{"x", R"({"type":"integer","default":"a"})"}})),
      "params.x: the default does not match the schema");
  EXPECT_NE(
      refusedAtLoad(options({"/bin/echo", "{x}"}, {{"x", R"({"type":7})"}})).find("params.x: "),
      std::string::npos);
}

TEST_F(ExecTool, NulByteInArgumentIsRefused) {
  // execve would end the element at the NUL; the call is refused and nothing runs.
  auto spec = make(options({"/bin/echo", "{msg}"}, {{"msg", kString}}));
  auto r = call(spec, {{"msg", std::string("a\0b", 3)}});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text(r), "argument 'msg' holds a NUL character");
  EXPECT_TRUE(launcher->commands.empty());
}

TEST_F(ExecTool, OptionInjectionViaLeadingDashIsRefused) {
  // A value standing at the start of its own element cannot begin with '-': "-rf" or
  // "--output=/x" would be read as options. Nothing runs.
  auto spec = make(options({"/bin/ls", "{path}"}, {{"path", kString}}));
  for (const char* attack : {"-rf", "--output=/tmp/x", "-"}) {
    auto r = call(spec, {{"path", attack}});
    EXPECT_TRUE(r.is_error) << attack;
    EXPECT_EQ(text(r),
              "argument 'path' may not start with '-' (the program would read it as an "
              "option)");
  }
  EXPECT_TRUE(launcher->commands.empty());
}

TEST_F(ExecTool, OptionInjectionThroughAnEmptyFirstPlaceholderIsRefused) {
  // "{a}{b}" with a = "" puts b's leading '-' at the start of the element: b is refused.
  auto spec = make(options({"/bin/ls", "{a}{b}"}, {{"a", kString}, {"b", kString}}));
  auto r = call(spec, {{"a", ""}, {"b", "-la"}});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text(r),
            "argument 'b' may not start with '-' (the program would read it as an "
            "option)");
  EXPECT_TRUE(launcher->commands.empty());
}

TEST_F(ExecTool, LeadingDashIsFineAfterALiteralPrefixOrWhenAllowed) {
  // "--n={n}" cannot be turned into another option; allow_leading_dash passes "-rf" literally
  // as one element.
  auto spec = make(options({"/bin/ls", "--n={n}"}, {{"n", kString}}));
  EXPECT_FALSE(call(spec, {{"n", "-1"}}).is_error);
  auto o = options({"/bin/echo", "{msg}"}, {{"msg", kString}});
  o.allow_leading_dash = true;
  auto allowed = make(o);
  EXPECT_FALSE(call(allowed, {{"msg", "-rf"}}).is_error);
  ASSERT_EQ(launcher->commands.size(), 2u);
  EXPECT_EQ(launcher->commands[0].argv[1], "--n=-1");
  EXPECT_EQ(launcher->commands[1].argv, (std::vector<std::string>{"/bin/echo", "-rf"}));
}

TEST_F(ExecTool, ArgumentsAreCheckedAgainstTheirSchemaAndType) {
  // The handler re-validates (a weakened pipeline cannot pass a bad value), refuses a missing
  // argument and values that have no single text form.
  auto spec = make(options({"/bin/echo", "{msg}"}, {{"msg", kString}}));
  EXPECT_EQ(text(call(spec, {})), "argument 'msg' is missing");
  EXPECT_NE(text(call(spec, {{"msg", 5}})).find("argument 'msg' is invalid"), std::string::npos);
  auto any = make(options({"/bin/echo", "{v}"}, {{"v", "{}"}}));
  auto r = call(any, {{"v", json::array{"a", "b"}}});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text(r), "argument 'v' must be a string, number or boolean to fill the command");
  EXPECT_TRUE(launcher->commands.empty());
}

TEST_F(ExecTool, SuccessfulRunIsAStructuredResult) {
  // Exit 0: both streams, the exit code, no signal, the duration and "none".
  launcher = std::make_shared<FakeLauncher>(
      [](const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions&) {
        sandbox::RunResult r;
        r.stdout_data = "hello\n";
        r.stderr_data = "note";
        r.exit_code = 0;
        r.duration = std::chrono::microseconds(12'345);
        return Result<sandbox::RunResult>(r);
      });
  auto spec = make(options({"/bin/echo", "hello"}));
  auto r = call(spec, {});
  EXPECT_FALSE(r.is_error);
  ASSERT_TRUE(r.structured);
  EXPECT_EQ(*r.structured, json::parse(R"({"stdout":"hello\n","stderr":"note","exit_code":0,
      "signal":null,"duration_ms":12,"limit":"none","stdout_truncated":false,
      "stderr_truncated":false})"));
  EXPECT_EQ(text(r), "exit code 0 in 12 ms\n--- stdout ---\nhello\n--- stderr ---\nnote\n");
  auto schema = bastion::json::CompiledSchema::compile(*spec.output_schema);
  ASSERT_TRUE(schema);
  EXPECT_TRUE(schema.value()->validate(*r.structured).valid);
}

TEST_F(ExecTool, NonZeroExitIsAToolError) {
  // A failing program is a result with isError, not a protocol error.
  launcher = std::make_shared<FakeLauncher>(
      [](const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions&) {
        sandbox::RunResult r;
        r.stderr_data = "no such file\n";
        r.exit_code = 2;
        return Result<sandbox::RunResult>(r);
      });
  auto r = call(make(options({"/bin/cat", "x"})), {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(r.structured->at("exit_code"), 2);
  EXPECT_EQ(text(r), "exit code 2 in 0 ms\n--- stderr ---\nno such file\n");
}

TEST_F(ExecTool, TimeoutKillIsReportedWithSignalAndLimit) {
  // Killed by the wall-clock limit: exit_code null, signal SIGKILL, limit "timeout", isError.
  launcher = std::make_shared<FakeLauncher>(
      [](const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions&) {
        sandbox::RunResult r;
        r.signal = SIGKILL;
        r.limit = LimitHit::Timeout;
        r.duration = std::chrono::seconds(2);
        return Result<sandbox::RunResult>(r);
      });
  auto r = call(make(options({"/bin/sleep", "60"})), {});
  EXPECT_TRUE(r.is_error);
  EXPECT_TRUE(r.structured->at("exit_code").is_null());
  EXPECT_EQ(r.structured->at("signal"), "SIGKILL");
  EXPECT_EQ(r.structured->at("limit"), "timeout");
  EXPECT_EQ(text(r), "killed by SIGKILL in 2000 ms; limit reached: timeout\n");
}

TEST_F(ExecTool, TruncatedOutputIsFlaggedAndAnError) {
  // The output cap fired: the stream is marked truncated, the result says so.
  launcher = std::make_shared<FakeLauncher>(
      [](const sandbox::Command&, const sandbox::Policy& p, const sandbox::RunOptions&) {
        sandbox::RunResult r;
        r.stdout_data = std::string(p.limits.output_bytes, 'y');
        r.stdout_truncated = true;
        r.exit_code = 0;
        r.limit = LimitHit::Output;
        return Result<sandbox::RunResult>(r);
      });
  auto o = options({"/usr/bin/yes"});
  o.limits.output_bytes = 4;
  auto r = call(make(o), {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(r.structured->at("stdout_truncated"), true);
  EXPECT_EQ(r.structured->at("limit"), "output");
  EXPECT_EQ(text(r),
            "exit code 0 in 0 ms; limit reached: output\n--- stdout ---\nyyyy\n[stdout truncated "
            "at 4 bytes]\n");
}

TEST_F(ExecTool, BinaryOutputBecomesValidUtf8) {
  // Bytes that are not UTF-8 (a lone 0xFF, a cut multi-byte sequence) become U+FFFD so the
  // result stays valid JSON; valid text and NUL pass unchanged.
  launcher = std::make_shared<FakeLauncher>(
      [](const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions&) {
        sandbox::RunResult r;
        r.stdout_data = std::string(
            "a\xff"
            "b\0c\xc3",
            6);
        r.stderr_data = "caf\xc3\xa9";
        r.exit_code = 0;
        return Result<sandbox::RunResult>(r);
      });
  auto r = call(make(options({"/usr/bin/head", "-c", "6", "/dev/urandom"})), {});
  EXPECT_EQ(std::string(r.structured->at("stdout").as_string()), std::string("a\xef\xbf\xbd"
                                                                             "b\0c\xef\xbf\xbd",
                                                                             10));
  EXPECT_EQ(r.structured->at("stderr"), "caf\xc3\xa9");
  EXPECT_TRUE(isUtf8(text(r)));
  EXPECT_EQ(toValidUtf8("\xe0\x80\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // overlong
  EXPECT_EQ(toValidUtf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
}

TEST_F(ExecTool, SetupFailureIsAToolErrorWithTheLaunchersMessage) {
  // The launcher could not start the program: an isError result, never a protocol error.
  launcher = std::make_shared<FakeLauncher>(
      [](const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions&) {
        return Result<sandbox::RunResult>(
            Error(sandbox::SandboxError::ExecFailed, "execve /usr/bin/nope: No such file"));
      });
  auto r = call(make(options({"/usr/bin/nope"})), {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text(r), "the sandbox could not run the command: execve /usr/bin/nope: No such file");
}

TEST_F(ExecTool, CancellationReachesTheLauncher) {
  // RunOptions::cancelled reports the call context; a cancelled run answers Cancelled.
  launcher = std::make_shared<FakeLauncher>(
      [](const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions& o) {
        sandbox::RunResult r;
        if (o.cancelled && o.cancelled()) {
          r.signal = SIGKILL;
          r.limit = LimitHit::Cancelled;
        } else {
          r.exit_code = 0;
        }
        return Result<sandbox::RunResult>(r);
      });
  auto spec = make(options({"/bin/true"}));
  EXPECT_FALSE(call(spec, {}).is_error);
  ctx.cancel();
  auto r = spec.handler({}, ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Error(mcp::HandlerError::Cancelled, "").code);
}

TEST_F(ExecTool, PolicyCarriesInputsLimitsAndEveryRequiredLayer) {
  // Inputs are bound read-only, the limits pass through, and the required layers are the whole
  // baseline plus the configured extras (never fewer).
  auto o = options({"/usr/bin/wc", "-l", "/srv/data/input.csv"});
  o.inputs = {"/srv/data"};
  o.limits.timeout = std::chrono::seconds(3);
  o.limits.pids = 8;
  o.require = {Layer::CgroupPids, Layer::Seccomp};
  call(make(o), {});
  ASSERT_EQ(launcher->policies.size(), 1u);
  const sandbox::Policy& p = launcher->policies[0];
  EXPECT_EQ(p.read_only_paths, (std::vector<std::string>{"/srv/data"}));
  EXPECT_TRUE(p.default_paths);
  EXPECT_EQ(p.limits.timeout, std::chrono::seconds(3));
  EXPECT_EQ(p.limits.pids, 8u);
  for (Layer l :
       {Layer::PidNamespace, Layer::MountNamespace, Layer::NetNamespace, Layer::IpcNamespace,
        Layer::UtsNamespace, Layer::CgroupNamespace, Layer::NoNewPrivs, Layer::Seccomp,
        Layer::Landlock, Layer::Rlimits, Layer::CgroupPids}) {
    EXPECT_EQ(std::count(p.required.begin(), p.required.end(), l), 1) << sandbox::layerName(l);
  }
  EXPECT_EQ(std::count(p.required.begin(), p.required.end(), Layer::UserNamespace),
            ::geteuid() == 0 ? 0 : 1);
  EXPECT_EQ(std::count(p.required.begin(), p.required.end(), Layer::CgroupMemory), 0);
  for (const std::string& var : p.env) {
    EXPECT_TRUE(var.starts_with("PATH=") || var.starts_with("HOME=") || var.starts_with("LANG="))
        << var;
  }
}

TEST_F(ExecTool, SchemasAndAnnotations) {
  // Closed input schema of the params; readOnly (no host side effects), not idempotent, not
  // open-world.
  auto spec = make(options({"/bin/echo", "{msg}"}, {{"msg", kString}}));
  EXPECT_EQ(spec.input_schema, json::parse(R"({"type":"object","properties":{"msg":
      {"type":"string","maxLength":100}},"required":["msg"],"additionalProperties":false})"));
  EXPECT_EQ(spec.annotations.read_only, true);
  EXPECT_EQ(spec.annotations.destructive, false);
  EXPECT_EQ(spec.annotations.idempotent, false);
  EXPECT_EQ(spec.annotations.open_world, false);
}

TEST(ExecToolDispatch, SecretPrintedByTheCommandIsRedacted) {
  // A program that prints a server secret (here: the fake launcher) reaches the client with the
  // secret masked in the text and in structuredContent: the dispatcher guards every result.
  constexpr std::string_view kSecret = "s3cr3t-7f2e9a1c4b";
  auto launcher = std::make_shared<FakeLauncher>(
      [&](const sandbox::Command&, const sandbox::Policy&, const sandbox::RunOptions&) {
        sandbox::RunResult r;
        r.stdout_data = "token=" + std::string(kSecret) + "\n";
        r.stderr_data = std::string(kSecret);
        r.exit_code = 0;
        return Result<sandbox::RunResult>(r);
      });
  auto spec = makeExecTool(identity("leak"), options({"/usr/bin/env"}), launcher);
  ASSERT_TRUE(spec);
  auto server = std::make_shared<mcp::Server>(
      mcp::ServerInfo{.name = "t", .version = "1", .title = {}, .instructions = {}});
  ASSERT_TRUE(server->addTool(std::move(spec).value()));
  mcp::DispatcherOptions o;
  o.redactor = guard::makeRedactor({std::string(kSecret)}, {.shapes = false});
  auto sessions = std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom());
  auto dispatcher = mcp::Dispatcher::create(server, sessions, std::move(o));
  mcp::Inbound in;
  in.message = json::object{
      {"jsonrpc", "2.0"},
      {"id", 1},
      {"method", "tools/call"},
      {"params",
       json::object{
           {"name", "leak"},
           {"arguments", json::object{}},
           {"_meta",
            json::object{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                         {"io.modelcontextprotocol/clientCapabilities", json::object{}}}}}}};
  in.principal = mcp::Principal{.iss = "local", .sub = "alice", .client_id = {}, .scopes = {}};
  auto r = dispatcher->handle(std::move(in));
  ASSERT_TRUE(r.response);
  const std::string wire = json::serialize(*r.response);
  EXPECT_EQ(wire.find(kSecret), std::string::npos) << wire;
  const json::object& result = r.response->at("result").as_object();
  EXPECT_EQ(result.at("structuredContent").at("stdout"), "token=[REDACTED]\n") << wire;
  EXPECT_NE(std::string(result.at("content").at(0).at("text").as_string()).find("token=[REDACTED]"),
            std::string::npos);
}

}  // namespace
}  // namespace bastion::tools
