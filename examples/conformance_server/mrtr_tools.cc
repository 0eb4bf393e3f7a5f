// The 2026-07-28 InputRequiredResult tools (SEP-2322, multi-round tool requests). Each handler
// asks, on every round, for everything it needs, under the input keys the scenarios name; the
// dispatcher answers from the retried call's inputResponses and its integrity-protected
// requestState, or returns an InputRequiredResult listing what is still missing. So a handler makes
// all of a round's requests before returning the first failure.

#include <boost/json/serialize.hpp>
#include <string>
#include <utility>

#include "fixture.h"

namespace fixture {
namespace {

namespace bj = boost::json;
using bastion::Result;
using bastion::mcp::CallContext;
using bastion::mcp::ToolBuilder;
using bastion::mcp::ToolResult;

constexpr std::string_view kNameSchema = R"j({
  "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]})j";
constexpr std::string_view kConfirmSchema = R"j({
  "type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]})j";
constexpr std::string_view kColorSchema = R"j({
  "type": "object", "properties": {"color": {"type": "string"}}, "required": ["color"]})j";

Result<bj::value> askName(CallContext& ctx, std::string_view key, std::string_view message) {
  return ctx.requestAs(key, "elicitation/create", elicitationParams(message, kNameSchema));
}

Result<bj::value> askCapital(CallContext& ctx) {
  return ctx.requestAs("capital_question", "sampling/createMessage",
                       samplingParams("What is the capital of France?", 100));
}

Result<bj::value> askRoots(CallContext& ctx) {
  return ctx.requestAs("client_roots", "roots/list", bj::object{});
}

// "file:///a, file:///b" from a ListRootsResult.
std::string rootList(const bj::value& result) {
  std::string out;
  const bj::object* obj = result.if_object();
  const bj::value* roots = obj != nullptr ? obj->if_contains("roots") : nullptr;
  if (roots == nullptr || !roots->is_array()) {
    return "(none)";
  }
  for (const bj::value& root : roots->get_array()) {
    const bj::value* uri = root.is_object() ? root.get_object().if_contains("uri") : nullptr;
    if (uri != nullptr && uri->is_string()) {
      out += out.empty() ? "" : ", ";
      out += std::string(uri->get_string());
    }
  }
  return out.empty() ? "(none)" : out;
}

bastion::mcp::ToolSpec tool(std::string name, std::string description,
                            bastion::mcp::ToolHandler handler) {
  return ToolBuilder(std::move(name))
      .description(std::move(description))
      .handler(std::move(handler))
      .build();
}

bastion::mcp::ToolSpec elicitationTool() {
  return tool("test_input_required_result_elicitation", "Asks the user's name, then greets",
              [](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
                auto answer = askName(ctx, "user_name", "What is your name?");
                if (!answer) {
                  return answer.error();
                }
                auto name = acceptedField(*answer, "name");
                if (!name) {
                  return name.error();
                }
                return ToolResult::text("Hello, " + *name + "!");
              });
}

bastion::mcp::ToolSpec samplingTool() {
  return tool("test_input_required_result_sampling", "Asks the client's LLM a question",
              [](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
                auto answer = askCapital(ctx);
                if (!answer) {
                  return answer.error();
                }
                return ToolResult::text("Sampling answered: " + bj::serialize(*answer));
              });
}

bastion::mcp::ToolSpec rootsTool() {
  return tool("test_input_required_result_list_roots", "Asks the client for its roots",
              [](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
                auto answer = askRoots(ctx);
                if (!answer) {
                  return answer.error();
                }
                return ToolResult::text("Client roots: " + rootList(*answer));
              });
}

// Completing at all means the dispatcher verified the echoed requestState.
bastion::mcp::ToolSpec confirmTool(std::string name, std::string description) {
  return tool(
      std::move(name), std::move(description),
      [](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
        auto answer = ctx.requestAs("confirm", "elicitation/create",
                                    elicitationParams("Please confirm", kConfirmSchema));
        if (!answer) {
          return answer.error();
        }
        return ToolResult::text("state-ok: confirmation received, " + bj::serialize(*answer));
      });
}

bastion::mcp::ToolSpec multipleInputsTool() {
  return tool("test_input_required_result_multiple_inputs",
              "Asks for a name, a sampled greeting and the client's roots in one round",
              [](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
                auto name = askName(ctx, "user_name", "What is your name?");
                auto greeting = ctx.requestAs("greeting", "sampling/createMessage",
                                              samplingParams("Generate a greeting", 50));
                auto roots = askRoots(ctx);
                for (const auto* r : {&name, &greeting, &roots}) {
                  if (!*r) {
                    return r->error();
                  }
                }
                return ToolResult::text("All inputs received; roots: " + rootList(*roots));
              });
}

bastion::mcp::ToolSpec multiRoundTool() {
  return tool("test_input_required_result_multi_round", "Asks a name, then a favourite color",
              [](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
                auto step1 = askName(ctx, "step1", "Step 1: What is your name?");
                if (!step1) {
                  return step1.error();
                }
                auto step2 = ctx.requestAs(
                    "step2", "elicitation/create",
                    elicitationParams("Step 2: What is your favorite color?", kColorSchema));
                if (!step2) {
                  return step2.error();
                }
                auto name = acceptedField(*step1, "name");
                auto color = acceptedField(*step2, "color");
                if (!name || !color) {
                  return !name ? name.error() : color.error();
                }
                return ToolResult::text("Hello " + *name + ", your favorite color is " + *color);
              });
}

// Asks only for what the client declared in this request's capabilities.
bastion::mcp::ToolSpec capabilitiesTool() {
  return tool("test_input_required_result_capabilities",
              "Asks through each client capability the request declared, and no other",
              [](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
                const bj::object& caps = ctx.clientCapabilities();
                Result<bj::value> name = bj::value();
                Result<bj::value> capital = bj::value();
                if (caps.contains("elicitation")) {
                  name = askName(ctx, "user_name", "What is your name?");
                }
                if (caps.contains("sampling")) {
                  capital = askCapital(ctx);
                }
                if (!name || !capital) {
                  return !name ? name.error() : capital.error();
                }
                return ToolResult::text("Asked through every declared capability");
              });
}

}  // namespace

Result<void> addInputRequiredTools(bastion::mcp::Server& server) {
  std::vector<bastion::mcp::ToolSpec> specs;
  specs.push_back(elicitationTool());
  specs.push_back(samplingTool());
  specs.push_back(rootsTool());
  specs.push_back(confirmTool("test_input_required_result_request_state",
                              "Asks for a confirmation; completes once requestState checks out"));
  specs.push_back(confirmTool("test_input_required_result_tampered_state",
                              "Asks for a confirmation; a tampered requestState is refused"));
  specs.push_back(multipleInputsTool());
  specs.push_back(multiRoundTool());
  specs.push_back(capabilitiesTool());
  for (auto& spec : specs) {
    if (auto added = server.addTool(std::move(spec)); !added) {
      return added;
    }
  }
  return {};
}

}  // namespace fixture
