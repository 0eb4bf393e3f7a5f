#pragma once
// Tool kind `exec`: runs one configured program inside Bastion's sandbox (sandbox/sandbox.h)
// with arguments the model fills in, and returns what it printed. docs/exec.md is the user's
// guide.
//
// What the model controls: the values of the declared parameters, and nothing else. The program
// is command[0], a literal absolute path written in the configuration (never a placeholder).
// Each of command[1..] and the optional stdin is a template: `{name}` is replaced by the
// argument's string form (strings as they are; numbers and booleans as JSON writes them), and
// `{{` / `}}` stand for literal braces. A placeholder may sit inside a larger element
// ("--count={n}"), and an argument always becomes part of exactly one argv element: nothing is
// split on spaces, nothing goes through a shell, quotes and `;|&$()` stay literal.
// Refused at call time (tool execution errors, the program is not started):
//   - a NUL byte in a value bound for argv (it would cut the element short in execve);
//   - option injection: a value that makes an element start with '-' when that element starts
//     with a placeholder ("{file}" given "-rf" or "--output=/x"), unless allow_leading_dash.
//     Write "--name={value}" or put "--" before positional placeholders instead;
//   - an argument of another type than string, number or boolean.
// Each argument is also checked against its own schema again (the pipeline validated it
// already; this holds even if a server weakens that).
//
// The sandbox: a fresh tmpfs root with read-only binds of the system directories and of the
// declared `inputs`, /tmp (the working directory) a size-capped tmpfs, no network (only a downed
// loopback), an empty environment except PATH, HOME and LANG, seccomp, Landlock, rlimits, and
// the limits configured here. Every layer of requiredLayers() must work on the host; the server
// checks that at start (sandbox::checkPolicy) and the launcher again on each run, so a tool
// never runs with less protection than configured.
//
// Results: structuredContent {stdout, stderr, exit_code (integer or null), signal ("SIGKILL" or
// null), duration_ms, limit ("none", "timeout", "cpu", "memory", "pids", "output",
// "file-size"), stdout_truncated, stderr_truncated} and a text block with the same. Output that
// is not UTF-8 has each bad byte replaced by U+FFFD (JSON strings are UTF-8). A non-zero
// exit, a signal or a limit that fired makes the result isError: true (still a result, not a
// protocol error). A run that could not start (launcher error) is an isError result with the
// launcher's message. A cancelled call ends the run and answers HandlerError::Cancelled.
// Output is redacted by the dispatcher's guard like every tool result (secrets the server knows
// and credential shapes), and the child never receives the server's environment.
//
// Annotations: readOnlyHint true and destructiveHint false (by construction the program has no
// host side effect: every host path it sees is read-only, /tmp is private to the run and
// discarded, there is no network); idempotentHint false (a program may print something
// different each time: time, randomness); openWorldHint false (no network).

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "mcp/types.h"
#include "sandbox/sandbox.h"
#include "tools/tool_common.h"

namespace bastion::tools {

struct ExecParam {
  std::string name;           // [A-Za-z_][A-Za-z0-9_]*, at most 64 characters
  boost::json::value schema;  // JSON Schema; required unless it has a `default`
};

struct ExecToolOptions {
  // argv templates. command[0] is a literal absolute path (no placeholder), looked up inside
  // the sandbox, where the host's system directories and `inputs` appear at the same paths.
  std::vector<std::string> command;
  std::optional<std::string> stdin_template;  // written to the program's stdin, then closed
  std::vector<ExecParam> params;              // in declaration order
  // Host paths bound read-only at the same place inside (files or directories).
  std::vector<std::string> inputs;
  // Per-run limits. The output default is lower than the launcher's so that a result (both
  // streams, as structuredContent and as text) stays under [guard] max_output's default.
  sandbox::Limits limits = [] {
    sandbox::Limits l;
    l.output_bytes = std::uint64_t{128} << 10;
    return l;
  }();
  // Layers required besides the baseline (requiredLayers()). Configuration adds cgroup-memory
  // when `memory` is set and cgroup-pids when `pids` is set.
  std::vector<sandbox::Layer> require;
  bool allow_leading_dash = false;  // see "option injection" above
};

enum class ExecToolError {
  BadOptions = 1,  // make/check: a template, parameter or limit is wrong (message names the key)
  BadArgument,     // call: an argument cannot be used (NUL, leading dash, wrong type, schema)
};

// Every layer a run of this tool needs: all namespaces (the user namespace only when the server
// is not root), no-new-privs, seccomp, Landlock and rlimits, plus options.require. Nothing from
// the baseline can be dropped.
std::vector<sandbox::Layer> requiredLayers(const ExecToolOptions& options);

// The sandbox policy of each run: the default system paths plus `inputs` read-only, the limits,
// requiredLayers(). What `bastion serve` passes to sandbox::checkPolicy at start.
sandbox::Policy execPolicy(const ExecToolOptions& options);

// Everything that can be checked without the host's sandbox: command[0] a literal absolute
// path, every template well-formed and naming only declared params, every param used, names
// valid and unique, each schema compiles and its default matches it. The error message starts
// with the offending key ("command[2]: ...", "stdin: ...", "params.x: ..."). Does not check that
// the program exists or that the host offers the layers.
[[nodiscard]] Result<void> checkExecTool(const ExecToolOptions& options);

// The tool, running each call through `launcher`. Fails (BadOptions) where checkExecTool does.
// Does not probe the host: call sandbox::checkPolicy(execPolicy(options)) first.
[[nodiscard]] Result<mcp::ToolSpec> makeExecTool(const ToolIdentity& identity,
                                                 const ExecToolOptions& options,
                                                 std::shared_ptr<sandbox::Launcher> launcher);

}  // namespace bastion::tools
