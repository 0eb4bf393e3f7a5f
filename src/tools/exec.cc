// The `exec` tool kind: templates parsed and checked once, then each call fills them from the
// validated arguments (one argument -> part of one argv element, never a shell), runs the
// command through the sandbox launcher and reports what happened.

#include "tools/exec.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <csignal>
#include <cstring>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "json/schema.h"
#include "tools/text.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;
using mcp::CallContext;
using mcp::ToolResult;
using sandbox::Layer;

constexpr std::size_t kMaxNameLength = 64;

Error badOptions(std::string message) {
  return Error(ExecToolError::BadOptions, std::move(message));
}
Error badArgument(std::string message) {
  return Error(ExecToolError::BadArgument, std::move(message));
}

bool validName(std::string_view name) {
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), word) && !(name[0] >= '0' && name[0] <= '9');
}

// A template: literal runs and placeholder names, in order. Escapes are already resolved in the
// literal text.
struct Part {
  bool placeholder = false;
  std::string text;  // literal text, or the placeholder's name
};
using Template = std::vector<Part>;

// `{name}` placeholders, `{{` and `}}` for literal braces; anything else with a brace is an
// error (a stray brace is a typo, and guessing what it meant could expand the wrong thing).
Result<Template> parseTemplate(std::string_view text) {
  Template out;
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return badOptions("unmatched '}' (write '}}' for a literal brace)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      return badOptions("unterminated '{' (write '{{' for a literal brace)");
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (!validName(name)) {
      return badOptions("{" + std::string(name) +
                        "} is not a placeholder: a name is [A-Za-z_][A-Za-z0-9_]*, at most 64 "
                        "characters (write '{{' for a literal brace)");
    }
    if (!literal.empty()) {
      out.push_back({false, std::move(literal)});
      literal.clear();
    }
    out.push_back({true, std::string(name)});
    i = close;
  }
  if (!literal.empty()) {
    out.push_back({false, std::move(literal)});
  }
  return out;
}

// One declared parameter, ready for calls.
struct Param {
  std::string name;
  std::shared_ptr<const json::CompiledSchema> schema;
  std::optional<bj::value> fallback;  // the schema's default, bound when the argument is absent
};

// What checkExecTool establishes, kept by the tool.
struct Checked {
  std::vector<Template> argv;  // argv[0]: one literal part
  std::optional<Template> stdin_template;
  std::vector<Param> params;
};

Result<Param> compileParam(const ExecParam& p) {
  const std::string key = "params." + p.name;
  if (!validName(p.name)) {
    return badOptions(key + ": a parameter name is [A-Za-z_][A-Za-z0-9_]*, at most 64 characters");
  }
  auto schema = json::CompiledSchema::compile(p.schema);
  if (!schema) {
    return badOptions(key + ": " + schema.error().message);
  }
  Param out{p.name, std::move(schema).value(), std::nullopt};
  if (const bj::object* o = p.schema.if_object()) {
    if (const bj::value* d = o->if_contains("default")) {
      if (!out.schema->validate(*d).valid) {
        return badOptions(key + ": the default does not match the schema");
      }
      out.fallback = *d;
    }
  }
  return out;
}

// command[0]: the program, written literally. A placeholder there would let the model choose
// what runs; a relative path would depend on a search path.
Result<Template> parseProgram(std::string_view program) {
  if (program.find_first_of("{}") != std::string_view::npos) {
    return badOptions("command[0]: the program must be a literal absolute path, not a template");
  }
  if (!program.starts_with('/')) {
    return badOptions("command[0]: the program must be an absolute path (no search path is used)");
  }
  if (program.find('\0') != std::string_view::npos) {
    return badOptions("command[0]: holds a NUL character");
  }
  return Template{{false, std::string(program)}};
}

// Each placeholder of `t` names a declared parameter; marks the ones used.
Result<void> matchPlaceholders(const std::string& key, const Template& t,
                               const std::vector<Param>& params, std::set<std::string>& used) {
  for (const Part& part : t) {
    if (!part.placeholder) {
      continue;
    }
    if (std::none_of(params.begin(), params.end(),
                     [&](const Param& p) { return p.name == part.text; })) {
      return badOptions(key + ": uses {" + part.text + "} but params." + part.text +
                        " is not declared");
    }
    used.insert(part.text);
  }
  return {};
}

Result<Checked> check(const ExecToolOptions& o) {
  if (o.command.empty()) {
    return badOptions("command: required: the program's absolute path, then its arguments");
  }
  Checked out;
  std::set<std::string, std::less<>> names;
  for (const ExecParam& p : o.params) {
    if (!names.insert(p.name).second) {
      return badOptions("params." + p.name + ": declared twice");
    }
    auto param = compileParam(p);
    if (!param) {
      return param.error();
    }
    out.params.push_back(std::move(param).value());
  }
  auto program = parseProgram(o.command[0]);
  if (!program) {
    return program.error();
  }
  out.argv.push_back(std::move(program).value());
  std::set<std::string> used;
  for (std::size_t i = 1; i < o.command.size(); ++i) {
    const std::string key = "command[" + std::to_string(i) + "]";
    auto t = parseTemplate(o.command[i]);
    if (!t) {
      return badOptions(key + ": " + t.error().message);
    }
    if (auto m = matchPlaceholders(key, t.value(), out.params, used); !m) {
      return m.error();
    }
    out.argv.push_back(std::move(t).value());
  }
  if (o.stdin_template) {
    auto t = parseTemplate(*o.stdin_template);
    if (!t) {
      return badOptions("stdin: " + t.error().message);
    }
    if (auto m = matchPlaceholders("stdin", t.value(), out.params, used); !m) {
      return m.error();
    }
    out.stdin_template = std::move(t).value();
  }
  for (const Param& p : out.params) {
    if (!used.contains(p.name)) {
      return badOptions("params." + p.name + ": declared but neither command nor stdin uses {" +
                        p.name + "}");
    }
  }
  return out;
}

// A parameter is required unless its schema has a `default`.
bj::object inputSchema(const ExecToolOptions& o) {
  bj::object properties;
  bj::array required;
  for (const ExecParam& p : o.params) {
    properties.emplace(p.name, p.schema);
    const bj::object* s = p.schema.if_object();
    if (s == nullptr || !s->contains("default")) {
      required.emplace_back(p.name);
    }
  }
  return bj::object{{"type", "object"},
                    {"properties", std::move(properties)},
                    {"required", std::move(required)},
                    {"additionalProperties", false}};
}

bj::object outputSchema() {
  bj::array limits;
  for (auto hit : {sandbox::LimitHit::None, sandbox::LimitHit::Timeout, sandbox::LimitHit::Cpu,
                   sandbox::LimitHit::Memory, sandbox::LimitHit::Pids, sandbox::LimitHit::Output,
                   sandbox::LimitHit::FileSize, sandbox::LimitHit::Cancelled}) {
    limits.emplace_back(sandbox::limitName(hit));
  }
  const bj::object string{{"type", "string"}};
  const bj::object boolean{{"type", "boolean"}};
  return bj::object{
      {"type", "object"},
      {"properties",
       bj::object{{"stdout", string},
                  {"stderr", string},
                  {"exit_code", bj::object{{"type", bj::array{"integer", "null"}}}},
                  {"signal", bj::object{{"type", bj::array{"string", "null"}}}},
                  {"duration_ms", bj::object{{"type", "integer"}, {"minimum", 0}}},
                  {"limit", bj::object{{"type", "string"}, {"enum", std::move(limits)}}},
                  {"stdout_truncated", boolean},
                  {"stderr_truncated", boolean}}},
      {"required", bj::array{"stdout", "stderr", "exit_code", "signal", "duration_ms", "limit",
                             "stdout_truncated", "stderr_truncated"}},
      {"additionalProperties", false}};
}

// An argument's string form: strings as they are, integers in decimal, other numbers in the
// shortest form that reads back the same ("1.5", "1e+300"), booleans "true"/"false".
Result<std::string> textOf(std::string_view name, const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::string:
      return std::string(v.get_string());
    case bj::kind::int64:
      return std::to_string(v.get_int64());
    case bj::kind::uint64:
      return std::to_string(v.get_uint64());
    case bj::kind::double_: {
      char buffer[64];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v.get_double());
      if (ec == std::errc()) {
        return std::string(buffer, end);
      }
      break;
    }
    case bj::kind::bool_:
      return std::string(v.get_bool() ? "true" : "false");
    default:
      break;
  }
  return badArgument("argument '" + std::string(name) +
                     "' must be a string, number or boolean to fill the command");
}

// "SIGKILL" for 9; "SIG<n>" for a number without a name.
std::string signalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? "SIG" + std::string(abbrev) : "SIG" + std::to_string(sig);
}

class ExecTool {
 public:
  ExecTool(Checked checked, sandbox::Policy policy, bool allow_leading_dash,
           std::shared_ptr<sandbox::Launcher> launcher)
      : checked_(std::move(checked)),
        policy_(std::move(policy)),
        allow_leading_dash_(allow_leading_dash),
        launcher_(std::move(launcher)) {}

  Result<ToolResult> call(const bj::object& args, CallContext& ctx) const {
    auto values = argumentValues(args);
    if (!values) {
      return ToolResult::error(values.error().message);
    }
    auto command = buildCommand(values.value());
    if (!command) {
      return ToolResult::error(command.error().message);
    }
    sandbox::RunOptions options{.cancelled = [&ctx] { return ctx.cancelled(); }};
    auto run = launcher_->run(command.value(), policy_, options);
    if (!run) {
      // The launcher's message names the step that failed, not the host's paths or environment.
      return ToolResult::error("the sandbox could not run the command: " + run.error().message);
    }
    if (run.value().limit == sandbox::LimitHit::Cancelled) {
      return Error(mcp::HandlerError::Cancelled, "the request was cancelled");
    }
    // JSON strings are UTF-8: bytes that are not become U+FFFD.
    sandbox::RunResult& r = run.value();
    r.stdout_data = toValidUtf8(r.stdout_data);
    r.stderr_data = toValidUtf8(r.stderr_data);
    return toResult(r);
  }

 private:
  using Values = std::map<std::string, std::string, std::less<>>;

  // Each parameter's string form, the argument checked against its own schema.
  Result<Values> argumentValues(const bj::object& args) const {
    Values values;
    for (const Param& p : checked_.params) {
      const bj::value* v = args.if_contains(p.name);
      if (v == nullptr && !p.fallback) {
        return badArgument("argument '" + p.name + "' is missing");
      }
      const bj::value& value = v != nullptr ? *v : *p.fallback;
      json::ValidationResult valid = p.schema->validate(value);
      if (!valid.valid) {
        return badArgument("argument '" + p.name + "' is invalid" +
                           (valid.errors.empty() ? "" : ": " + valid.errors.front().message));
      }
      auto text = textOf(p.name, value);
      if (!text) {
        return text.error();
      }
      values.emplace(p.name, std::move(text).value());
    }
    return values;
  }

  // One argv element from its template. The element may not hold NUL (execve would cut it),
  // and may not start with '-' coming from an argument (option injection) unless allowed.
  Result<std::string> element(const Template& t, const Values& values) const {
    std::string out;
    for (const Part& part : t) {
      if (!part.placeholder) {
        out += part.text;
        continue;
      }
      const std::string& value = values.find(part.text)->second;
      if (value.find('\0') != std::string::npos) {
        return badArgument("argument '" + part.text + "' holds a NUL character");
      }
      if (out.empty() && value.starts_with('-') && !allow_leading_dash_) {
        return badArgument("argument '" + part.text +
                           "' may not start with '-' (the program would read it as an option)");
      }
      out += value;
    }
    return out;
  }

  Result<sandbox::Command> buildCommand(const Values& values) const {
    sandbox::Command command;
    for (const Template& t : checked_.argv) {
      auto e = element(t, values);
      if (!e) {
        return e.error();
      }
      command.argv.push_back(std::move(e).value());
    }
    if (checked_.stdin_template) {
      for (const Part& part : *checked_.stdin_template) {
        command.stdin_data += part.placeholder ? values.find(part.text)->second : part.text;
      }
    }
    command.cwd = "/tmp";
    return command;
  }

  ToolResult toResult(const sandbox::RunResult& r) const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.duration).count();
    bj::object structured{
        {"stdout", r.stdout_data},
        {"stderr", r.stderr_data},
        {"exit_code", r.exit_code ? bj::value(*r.exit_code) : bj::value(nullptr)},
        {"signal", r.signal ? bj::value(signalName(*r.signal)) : bj::value(nullptr)},
        {"duration_ms", static_cast<std::int64_t>(ms)},
        {"limit", sandbox::limitName(r.limit)},
        {"stdout_truncated", r.stdout_truncated},
        {"stderr_truncated", r.stderr_truncated}};
    ToolResult result;
    result.content.push_back(mcp::textContent(renderText(r, ms)));
    result.structured = std::move(structured);
    result.is_error = !r.exit_code || *r.exit_code != 0 || r.signal.has_value() ||
                      r.limit != sandbox::LimitHit::None;
    return result;
  }

  // "exit code 0 in 12 ms" (or what ended it), then each stream that printed something.
  std::string renderText(const sandbox::RunResult& r, std::int64_t ms) const {
    std::string text;
    if (r.exit_code) {
      text = "exit code " + std::to_string(*r.exit_code);
    } else if (r.signal) {
      text = "killed by " + signalName(*r.signal);
    } else {
      text = "ended without an exit status";
    }
    text += " in " + std::to_string(ms) + " ms";
    if (r.limit != sandbox::LimitHit::None) {
      text += "; limit reached: " + std::string(sandbox::limitName(r.limit));
    }
    text += "\n";
    auto stream = [&](std::string_view name, const std::string& data, bool truncated) {
      if (data.empty() && !truncated) {
        return;
      }
      text += "--- " + std::string(name) + " ---\n" + data;
      if (!data.empty() && data.back() != '\n') {
        text += "\n";
      }
      if (truncated) {
        text += "[" + std::string(name) + " truncated at " +
                std::to_string(policy_.limits.output_bytes) + " bytes]\n";
      }
    };
    stream("stdout", r.stdout_data, r.stdout_truncated);
    stream("stderr", r.stderr_data, r.stderr_truncated);
    return text;
  }

  const Checked checked_;
  const sandbox::Policy policy_;
  const bool allow_leading_dash_;
  const std::shared_ptr<sandbox::Launcher> launcher_;
};

}  // namespace

std::vector<Layer> requiredLayers(const ExecToolOptions& options) {
  std::vector<Layer> layers;
  if (::geteuid() != 0) {
    layers.push_back(Layer::UserNamespace);  // root has the other namespaces without it
  }
  for (Layer l : {Layer::PidNamespace, Layer::MountNamespace, Layer::NetNamespace,
                  Layer::IpcNamespace, Layer::UtsNamespace, Layer::CgroupNamespace,
                  Layer::NoNewPrivs, Layer::Seccomp, Layer::Landlock, Layer::Rlimits}) {
    layers.push_back(l);
  }
  for (Layer l : options.require) {
    if (std::find(layers.begin(), layers.end(), l) == layers.end()) {
      layers.push_back(l);
    }
  }
  return layers;
}

sandbox::Policy execPolicy(const ExecToolOptions& options) {
  sandbox::Policy policy;
  policy.read_only_paths = options.inputs;
  policy.default_paths = true;
  policy.limits = options.limits;
  policy.required = requiredLayers(options);
  return policy;
}

Result<void> checkExecTool(const ExecToolOptions& options) {
  auto checked = check(options);
  if (!checked) {
    return checked.error();
  }
  return {};
}

Result<mcp::ToolSpec> makeExecTool(const ToolIdentity& identity, const ExecToolOptions& options,
                                   std::shared_ptr<sandbox::Launcher> launcher) {
  auto checked = check(options);
  if (!checked) {
    return checked.error();
  }
  if (!launcher) {
    return badOptions("no sandbox launcher");
  }
  auto tool = std::make_shared<const ExecTool>(std::move(checked).value(), execPolicy(options),
                                               options.allow_leading_dash, std::move(launcher));
  mcp::ToolBuilder b = builderFor(identity);
  b.input(inputSchema(options)).output(outputSchema());
  // Truthful by construction (see exec.h): no host side effects, no network, not repeatable.
  b.readOnly(true).destructive(false).idempotent(false).openWorld(false);
  b.waitsOnPeers();  // a child process, for up to its timeout
  b.handler([tool](const bj::object& args, CallContext& ctx) { return tool->call(args, ctx); });
  return std::move(b).build();
}

}  // namespace bastion::tools
