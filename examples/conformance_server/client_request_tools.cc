// Tools that ask the client something: sampling, elicitation (SEP-1034 defaults, SEP-1330 enums)
// and roots. The same handlers serve both eras: in the legacy era CallContext::request sends the
// request on the call's stream and waits; in the 2026-07-28 era it returns the answer carried by
// the retried call, or HandlerError::InputRequired, which a handler returns unchanged so the
// dispatcher can answer with an InputRequiredResult (SEP-2322).

#include <boost/json/serialize.hpp>
#include <string>
#include <utility>

#include "fixture.h"

namespace fixture {
namespace {

namespace bj = boost::json;
using bastion::Error;
using bastion::Result;
using bastion::mcp::CallContext;
using bastion::mcp::HandlerError;
using bastion::mcp::ToolBuilder;
using bastion::mcp::ToolResult;

// The text of a sampling result's content ({role, content: {type: text, text}, model, ...}).
std::string sampledText(const bj::value& result) {
  const bj::object* obj = result.if_object();
  const bj::value* content = obj != nullptr ? obj->if_contains("content") : nullptr;
  const bj::value* text = content != nullptr && content->is_object()
                              ? content->get_object().if_contains("text")
                              : nullptr;
  return text != nullptr && text->is_string() ? std::string(text->get_string()) : "No response";
}

// An elicitation result as "action=<action>, content=<json>".
std::string elicitationSummary(const bj::value& result) {
  const bj::object* obj = result.if_object();
  const bj::value* action = obj != nullptr ? obj->if_contains("action") : nullptr;
  const bj::value* content = obj != nullptr ? obj->if_contains("content") : nullptr;
  std::string out = "action=";
  out += action != nullptr && action->is_string() ? std::string(action->get_string()) : "?";
  out += ", content=";
  out += content != nullptr ? bj::serialize(*content) : "{}";
  return out;
}

const bj::string& stringArg(const bj::object& args, std::string_view key) {
  // The dispatcher validated the arguments against the tool's schema, where `key` is a required
  // string: anything else here is a broken invariant.
  const bj::value* v = args.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    std::abort();
  }
  return v->get_string();
}

bastion::mcp::ToolSpec samplingTool() {
  return ToolBuilder("test_sampling")
      .description(
          "Asks the client's LLM (sampling/createMessage) and returns "
          "its answer")
      .input(literal(R"j({"type": "object", "properties": {
          "prompt": {"type": "string", "description": "The prompt to send to the LLM"}},
          "required": ["prompt"]})j"))
      .handler([](const bj::object& args, CallContext& ctx) -> Result<ToolResult> {
        auto answer =
            ctx.request("sampling/createMessage", samplingParams(stringArg(args, "prompt"), 100));
        if (!answer) {
          return answer.error();
        }
        return ToolResult::text("LLM response: " + sampledText(*answer));
      })
      .build();
}

bastion::mcp::ToolSpec elicitationTool() {
  return ToolBuilder("test_elicitation")
      .description(
          "Asks the user (elicitation/create) for a username and an "
          "email address")
      .input(literal(R"j({"type": "object", "properties": {
          "message": {"type": "string", "description": "The message to show the user"}},
          "required": ["message"]})j"))
      .handler([](const bj::object& args, CallContext& ctx) -> Result<ToolResult> {
        auto answer =
            ctx.request("elicitation/create", elicitationParams(stringArg(args, "message"), R"j({
            "type": "object",
            "properties": {
              "username": {"type": "string", "description": "User's response"},
              "email": {"type": "string", "description": "User's email address"}
            },
            "required": ["username", "email"]})j"));
        if (!answer) {
          return answer.error();
        }
        return ToolResult::text("User response: " + elicitationSummary(*answer));
      })
      .build();
}

// A tool without arguments that sends one elicitation and reports the answer.
bastion::mcp::ToolSpec fixedElicitationTool(std::string name, std::string description,
                                            std::string message, std::string_view schema) {
  bj::object params = elicitationParams(message, schema);
  return ToolBuilder(std::move(name))
      .description(std::move(description))
      .handler([params](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
        auto answer = ctx.request("elicitation/create", params);
        if (!answer) {
          return answer.error();
        }
        return ToolResult::text("Elicitation completed: " + elicitationSummary(*answer));
      })
      .build();
}

// SEP-1034: a default for every primitive type.
bastion::mcp::ToolSpec sep1034Tool() {
  return fixedElicitationTool("test_elicitation_sep1034_defaults",
                              "Elicitation whose fields carry defaults (SEP-1034)",
                              "Please review and update the form fields with defaults", R"j({
        "type": "object",
        "properties": {
          "name": {"type": "string", "description": "User name", "default": "John Doe"},
          "age": {"type": "integer", "description": "User age", "default": 30},
          "score": {"type": "number", "description": "User score", "default": 95.5},
          "status": {"type": "string", "description": "User status",
                     "enum": ["active", "inactive", "pending"], "default": "active"},
          "verified": {"type": "boolean", "description": "Verification status",
                       "default": true}
        },
        "required": []})j");
}

// SEP-1330: the five enum shapes.
bastion::mcp::ToolSpec sep1330Tool() {
  return fixedElicitationTool("test_elicitation_sep1330_enums",
                              "Elicitation with every enum shape (SEP-1330)",
                              "Please select options from the enum fields",
                              R"j({
        "type": "object",
        "properties": {
          "untitledSingle": {"type": "string", "description": "Select one option",
                             "enum": ["option1", "option2", "option3"]},
          "titledSingle": {"type": "string", "description": "Select one option with titles",
                           "oneOf": [{"const": "value1", "title": "First Option"},
                                     {"const": "value2", "title": "Second Option"},
                                     {"const": "value3", "title": "Third Option"}]},
          "legacyEnum": {"type": "string", "description": "Select one option (legacy)",
                         "enum": ["opt1", "opt2", "opt3"],
                         "enumNames": ["Option One", "Option Two", "Option Three"]},
          "untitledMulti": {"type": "array", "description": "Select multiple options",
                            "minItems": 1, "maxItems": 3,
                            "items": {"type": "string",
                                      "enum": ["option1", "option2", "option3"]}},
          "titledMulti": {"type": "array", "description": "Select multiple options with titles",
                          "minItems": 1, "maxItems": 3,
                          "items": {"anyOf": [{"const": "value1", "title": "First Choice"},
                                              {"const": "value2", "title": "Second Choice"},
                                              {"const": "value3", "title": "Third Choice"}]}}
        },
        "required": []})j");
}

// 2026-07-28 server-stateless: needs sampling; a client that did not declare it gets -32021.
bastion::mcp::ToolSpec missingCapabilityTool() {
  return ToolBuilder("test_missing_capability")
      .description("Requires the client's sampling capability")
      .handler([](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
        auto answer = ctx.request("sampling/createMessage", samplingParams("Say hello", 20));
        if (!answer) {
          return answer.error();
        }
        return ToolResult::text("LLM response: " + sampledText(*answer));
      })
      .build();
}

// 2026-07-28 server-stateless: asks for input mid-call; the answer must come back as an
// InputRequiredResult, never as an independent request on the response stream.
bastion::mcp::ToolSpec streamingElicitationTool() {
  return fixedElicitationTool("test_streaming_elicitation",
                              "Asks the user to confirm (an input request mid-call)",
                              "Please confirm to continue", R"j({
        "type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]})j");
}

}  // namespace

bj::object samplingParams(std::string_view prompt, int max_tokens) {
  return bj::object{{"messages", bj::array{bj::object{
                                     {"role", "user"},
                                     {"content", bj::object{{"type", "text"}, {"text", prompt}}}}}},
                    {"maxTokens", max_tokens}};
}

bj::object elicitationParams(std::string_view message, std::string_view schema) {
  return bj::object{{"message", message}, {"requestedSchema", literal(schema)}};
}

Result<std::string> acceptedField(const bj::value& result, std::string_view field) {
  const bj::object* obj = result.if_object();
  const bj::value* action = obj != nullptr ? obj->if_contains("action") : nullptr;
  const bj::value* content = obj != nullptr ? obj->if_contains("content") : nullptr;
  if (action == nullptr || !action->is_string() || content == nullptr || !content->is_object()) {
    return Error(HandlerError::InvalidParams, "the elicitation answer is not an ElicitResult");
  }
  if (action->get_string() != "accept") {
    return std::string("(" + std::string(action->get_string()) + ")");
  }
  const bj::value* v = content->get_object().if_contains(field);
  if (v == nullptr || !v->is_string()) {
    return Error(HandlerError::InvalidParams,
                 "the elicitation answer lacks the string field '" + std::string(field) + "'");
  }
  return std::string(v->get_string());
}

Result<void> addClientRequestTools(bastion::mcp::Server& server) {
  std::vector<bastion::mcp::ToolSpec> specs;
  specs.push_back(samplingTool());
  specs.push_back(elicitationTool());
  specs.push_back(sep1034Tool());
  specs.push_back(sep1330Tool());
  specs.push_back(missingCapabilityTool());
  specs.push_back(streamingElicitationTool());
  for (auto& spec : specs) {
    if (auto added = server.addTool(std::move(spec)); !added) {
      return added;
    }
  }
  return {};
}

}  // namespace fixture
