#include "mcp/pipeline.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "audit/audit_log.h"
#include "guard/secrets.h"

namespace bastion::mcp::pipeline {
namespace {

// Bytes `v` takes when serialized, close enough for a cap (strings count their raw length;
// escapes may add a little). Stops counting past `limit`.
std::size_t approximateSize(const boost::json::value& v, std::size_t limit) {
  std::size_t n = 0;
  auto walk = [&](auto&& self, const boost::json::value& x) -> void {
    if (n > limit) {
      return;
    }
    switch (x.kind()) {
      case boost::json::kind::string:
        n += x.get_string().size() + 2;
        break;
      case boost::json::kind::array:
        n += 2;
        for (const auto& item : x.get_array()) {
          self(self, item);
          ++n;
        }
        break;
      case boost::json::kind::object:
        n += 2;
        for (const auto& kv : x.get_object()) {
          n += kv.key().size() + 4;
          self(self, kv.value());
        }
        break;
      default:
        n += 8;
    }
  };
  walk(walk, v);
  return n;
}

std::string requestIdText(const boost::json::value* id) {
  if (id == nullptr) {
    return {};
  }
  if (id->is_string()) {
    return std::string(id->get_string());
  }
  return boost::json::serialize(*id);
}

}  // namespace

bool authorized(const policy::ScopePolicy* policy, const auth::Principal& principal,
                const ToolSpec& tool) {
  if (policy != nullptr) {
    return policy->allows(principal, tool.scopes);
  }
  return std::all_of(tool.scopes.begin(), tool.scopes.end(), [&](const std::string& scope) {
    return std::find(principal.scopes.begin(), principal.scopes.end(), scope) !=
           principal.scopes.end();
  });
}

policy::Decision admitted(const DispatcherOptions& options, const auth::Principal& principal,
                          const ToolSpec& tool) {
  if (options.rate_limits == nullptr) {
    return {};
  }
  return options.rate_limits->admit(principal, tool.name);
}

ToolResult rateLimited(const policy::Decision& decision) {
  // Whole seconds, rounded up: "retry in 0 s" would invite an immediate retry.
  return ToolResult::error("Rate limit exceeded; retry in " +
                           std::to_string(policy::retryAfterSeconds(decision).count()) + " s");
}

void guard(const DispatcherOptions& options, ToolResult& result) {
  if (options.redactor != nullptr) {
    for (auto& block : result.content) {
      options.redactor->redact(block);
    }
    if (result.structured) {
      options.redactor->redact(*result.structured);
    }
  }
  std::size_t size = 0;
  for (const auto& block : result.content) {
    size += approximateSize(block, options.max_output);
  }
  if (result.structured) {
    size += approximateSize(*result.structured, options.max_output);
  }
  if (size > options.max_output) {
    result = ToolResult::error("Result larger than " + std::to_string(options.max_output) +
                               " bytes; not returned");
  }
}

std::string_view outcomeName(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::Ok:
      return "ok";
    case CallOutcome::ToolError:
      return "tool_error";
    case CallOutcome::InvalidArguments:
      return "invalid_arguments";
    case CallOutcome::UnknownTool:
      return "unknown_tool";
    case CallOutcome::RefusedScope:
      return "refused_scope";
    case CallOutcome::RefusedRate:
      return "refused_rate";
    case CallOutcome::Failed:
      return "failed";
    case CallOutcome::Cancelled:
      return "cancelled";
    case CallOutcome::InputRequired:
      return "input_required";
  }
  return "failed";
}

void audit(const DispatcherOptions& options, const CallFacts& facts, CallOutcome outcome,
           std::chrono::steady_clock::duration latency) {
  if (options.audit == nullptr) {
    return;
  }
  const std::string request_id = requestIdText(facts.request_id);
  audit::ToolCallEvent event;
  event.request_id = request_id;
  event.sub = facts.principal.sub;
  event.client_id = facts.principal.client_id;
  event.tool = facts.tool;
  event.arguments = facts.arguments;
  event.identifiers = facts.spec != nullptr ? &facts.spec->audit_fields : nullptr;
  event.outcome = outcomeName(outcome);
  event.latency = std::chrono::duration_cast<std::chrono::nanoseconds>(latency);
  options.audit->record(audit::toolCallRecord(event));
}

}  // namespace bastion::mcp::pipeline
