// tools/list and tools/call: the tool-call pipeline (authorize, rate limit, validate, execute,
// check our own output, guard, audit) for both eras.

#include <boost/json/serialize.hpp>
#include <chrono>

#include "mcp/jsonrpc.h"
#include "mcp/methods.h"
#include "mcp/pipeline.h"

namespace bastion::mcp {
namespace {

constexpr std::size_t kMaxReportedErrors = 5;

std::string describeErrors(std::string_view prefix, const json::ValidationResult& vr) {
  std::string text(prefix);
  std::size_t n = 0;
  for (const auto& e : vr.errors) {
    if (n++ == kMaxReportedErrors) {
      text += "; ...";
      break;
    }
    // Pointer and rule only: the validator's messages never repeat the rejected value.
    text += n == 1 ? " " : "; ";
    text += "at '" + (e.instance_pointer.empty() ? std::string("/") : e.instance_pointer) + "': ";
    text += e.message;
    if (!e.keyword.empty()) {
      text += " (" + e.keyword + ")";
    }
  }
  if (vr.limit_exceeded) {
    text += "; validation stopped at a size or complexity limit";
  }
  return text;
}

boost::json::object toWire(ToolResult&& r) {
  boost::json::object out;
  out.reserve(3);
  if (r.content.empty() && r.structured) {
    // Clients that ignore structuredContent still see the data.
    r.content.push_back(textContent(boost::json::serialize(*r.structured)));
  }
  out.emplace("content", std::move(r.content));
  if (r.structured) {
    out.emplace("structuredContent", std::move(*r.structured));
  }
  if (r.is_error) {
    out.emplace("isError", true);
  }
  return out;
}

const boost::json::value& emptyArguments() {
  static const boost::json::value empty = boost::json::object{};
  return empty;
}

// Runs the handler and checks what it returned. Returns the result or a protocol outcome; a
// result breaking the tool's own outputSchema is reported as `broken`.
boost::system::result<ToolResult, RpcError> execute(const CompiledTool& tool,
                                                    const boost::json::object& args,
                                                    const MethodCall& call, bool& broken) {
  Result<ToolResult> r = tool.spec.handler(args, call.ctx);
  if (!r) {
    auto outcome = handlerOutcome(r.error());
    // Legacy era: a missing client capability is the tool's failure, reported as such.
    if (outcome && !(outcome->code == kOutcomeMissingCapability && call.era == Era::Legacy)) {
      return *outcome;
    }
    return ToolResult::error(r.error().message);
  }
  ToolResult result = std::move(*r);
  if (tool.output != nullptr && !result.is_error) {
    // Our own tool broke its contract: the client gets a generic error, the audit the outcome.
    if (!result.structured) {
      broken = true;
      return ToolResult::error("output failed outputSchema: structuredContent is missing");
    }
    if (!tool.output->validate(*result.structured).valid) {
      broken = true;
      return ToolResult::error("output failed outputSchema");
    }
  }
  return result;
}

// A tool name as the audit log records it: what the client sent, bounded.
std::string_view auditedName(std::string_view name) { return name.substr(0, 128); }

}  // namespace

MethodResult toolsList(const MethodCall& call) {
  const auto& tools = call.registry.tools();
  const Principal& who = call.ctx.principal();
  // Pagination runs over the tools this principal may see, so pages never leak the others.
  std::vector<const CompiledTool*> visible;
  visible.reserve(tools.size());
  for (const auto& t : tools) {
    if (pipeline::authorized(call.options.scope_policy.get(), who, t.spec)) {
      visible.push_back(&t);
    }
  }
  Page page;
  if (auto error = paginate("tools", visible.size(), call.params, call.options.page_size, page)) {
    return *error;
  }
  boost::json::array list;
  list.reserve(page.end - page.begin);
  for (std::size_t i = page.begin; i < page.end; ++i) {
    list.push_back(visible[i]->definition);
  }
  boost::json::object out;
  out.emplace("tools", std::move(list));
  if (page.next_cursor) {
    out.emplace("nextCursor", *page.next_cursor);
  }
  return out;
}

MethodResult toolsCall(const MethodCall& call) {
  const auto start = std::chrono::steady_clock::now();
  const Principal& who = call.ctx.principal();
  const auto* name = call.params.if_contains("name");
  if (name == nullptr || !name->is_string()) {
    return invalidParams("Invalid params: tools/call needs a string name");
  }
  const boost::json::value* args = call.params.if_contains("arguments");
  if (args == nullptr || args->is_null()) {
    args = &emptyArguments();
  }
  const CompiledTool* tool = call.registry.findTool(name->get_string());
  pipeline::CallFacts facts{who, auditedName(name->get_string()),
                            tool != nullptr ? &tool->spec : nullptr,
                            args->is_object() ? &args->get_object() : nullptr, call.id};
  auto audit = [&](pipeline::CallOutcome outcome) {
    pipeline::audit(call.options, facts, outcome, std::chrono::steady_clock::now() - start);
  };
  if (tool == nullptr) {
    audit(pipeline::CallOutcome::UnknownTool);
    return invalidParams("Invalid params: unknown tool");
  }
  // A tool the caller may not call: insufficient_scope naming every scope the tool requires,
  // so the client can step up its authorization in one round (MCP "Scope Challenge Handling").
  // This reveals that the tool exists; it stays unlisted for this caller.
  if (!pipeline::authorized(call.options.scope_policy.get(), who, tool->spec)) {
    audit(pipeline::CallOutcome::RefusedScope);
    return insufficientScope(tool->spec.scopes);
  }
  auto finish = [&](pipeline::CallOutcome outcome, ToolResult&& r) -> MethodResult {
    audit(outcome);
    return toWire(std::move(r));
  };
  if (const auto decision = pipeline::admitted(call.options, who, tool->spec);
      !decision.allowed) {
    return finish(pipeline::CallOutcome::RefusedRate, pipeline::rateLimited(decision));
  }
  if (!args->is_object()) {
    audit(pipeline::CallOutcome::InvalidArguments);
    return invalidParams("Invalid params: arguments must be an object");
  }
  // Validation happens before the tool runs; a failure is a tool execution error so the model
  // can correct itself (MCP tools spec), naming where and which rule, never the value.
  const auto vr = tool->input->validate(*args);
  if (!vr.valid) {
    return finish(pipeline::CallOutcome::InvalidArguments,
                  ToolResult::error(describeErrors("Invalid arguments:", vr)));
  }
  bool broken = false;
  auto executed = execute(*tool, args->get_object(), call, broken);
  if (!executed) {
    audit(executed.error().code == kOutcomeInputRequired ? pipeline::CallOutcome::InputRequired
                                                         : pipeline::CallOutcome::Cancelled);
    return executed.error();
  }
  ToolResult result = std::move(*executed);
  // Error text passes the guard too: a handler's message may quote what a downstream said.
  pipeline::guard(call.options, result);
  const auto outcome = broken            ? pipeline::CallOutcome::Failed
                       : result.is_error ? pipeline::CallOutcome::ToolError
                                         : pipeline::CallOutcome::Ok;
  return finish(outcome, std::move(result));
}

}  // namespace bastion::mcp
