// Tools whose results the suite inspects: fixed content of each kind, an error, logging and
// progress during a call, a stream closed mid-call, and a JSON Schema 2020-12 input schema.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

#include "fixture.h"

namespace fixture {
namespace {

namespace bj = boost::json;
using bastion::Result;
using bastion::mcp::CallContext;
using bastion::mcp::LogLevel;
using bastion::mcp::ToolBuilder;
using bastion::mcp::ToolResult;

// The pauses the scenarios ask for between notifications, so that a client sees them arrive one by
// one during the call.
constexpr std::chrono::milliseconds kStepPause{50};
constexpr std::chrono::milliseconds kReconnectPause{100};

bj::object embeddedResource(std::string_view uri, std::string_view mime, std::string_view text) {
  return bj::object{{"type", "resource"},
                    {"resource", bj::object{{"uri", uri}, {"mimeType", mime}, {"text", text}}}};
}

ToolResult contentResult(bj::array content) {
  ToolResult result;
  result.content = std::move(content);
  return result;
}

// A tool without arguments returning fixed content.
bastion::mcp::ToolSpec fixedTool(std::string name, std::string description, bj::array content) {
  return ToolBuilder(std::move(name))
      .description(std::move(description))
      .readOnly()
      .handler(
          [content = std::move(content)](const bj::object&, CallContext&) -> Result<ToolResult> {
            return contentResult(content);
          })
      .build();
}

bastion::mcp::ToolSpec loggingTool() {
  return ToolBuilder("test_tool_with_logging")
      .description("Sends three info log notifications, 50 ms apart, while it runs")
      .handler([](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
        ctx.log(LogLevel::Info, bj::value("Tool execution started"));
        std::this_thread::sleep_for(kStepPause);
        ctx.log(LogLevel::Info, bj::value("Tool processing data"));
        std::this_thread::sleep_for(kStepPause);
        ctx.log(LogLevel::Info, bj::value("Tool execution completed"));
        return ToolResult::text("Tool with logging executed successfully");
      })
      .build();
}

// 2026-07-28 server-stateless: logs at info; the server must drop the notification when the request
// did not ask for a log level.
bastion::mcp::ToolSpec plainLoggingTool() {
  return ToolBuilder("test_logging_tool")
      .description("Logs one info message, then returns")
      .handler([](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
        ctx.log(LogLevel::Info, bj::value("test_logging_tool ran"));
        return ToolResult::text("Logged one message at info level");
      })
      .build();
}

bastion::mcp::ToolSpec progressTool() {
  return ToolBuilder("test_tool_with_progress")
      .description("Reports progress 0, 50 and 100 of 100, 50 ms apart")
      .handler([](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
        for (int step : {0, 50, 100}) {
          if (step != 0) {
            std::this_thread::sleep_for(kStepPause);
          }
          ctx.progress(step, 100, "Completed step " + std::to_string(step) + " of 100");
        }
        return ToolResult::text("Progress reported: 0, 50, 100 of 100");
      })
      .build();
}

bastion::mcp::ToolSpec errorTool() {
  return ToolBuilder("test_error_handling")
      .description("Always fails with a tool execution error")
      .handler([](const bj::object&, CallContext&) -> Result<ToolResult> {
        return ToolResult::error("This tool intentionally returns an error for testing");
      })
      .build();
}

// SEP-1699: closes the call's SSE stream after its priming event, then answers; the client
// reconnects with Last-Event-ID and gets the result from the session's event log.
bastion::mcp::ToolSpec reconnectionTool() {
  return ToolBuilder("test_reconnection")
      .description(
          "Closes the SSE stream mid-call (SEP-1699); the result "
          "arrives after the client "
          "reconnects with Last-Event-ID")
      .handler([](const bj::object&, CallContext& ctx) -> Result<ToolResult> {
        ctx.closeStream();
        std::this_thread::sleep_for(kReconnectPause);
        return ToolResult::text(
            "Reconnection test completed successfully. If "
            "you received this, the client "
            "properly reconnected after stream closure.");
      })
      .build();
}

// SEP-1613 and SEP-2106: `$schema`, `$defs` (with an `$anchor`), `additionalProperties`,
// composition (`allOf`/`anyOf`) and conditional (`if`/`then`/`else`) keywords must all survive into
// tools/list.
bastion::mcp::ToolSpec jsonSchemaTool() {
  return ToolBuilder("json_schema_2020_12_tool")
      .description("Tool with JSON Schema 2020-12 features")
      .input(literal(R"j({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
          "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
          }
        },
        "properties": {
          "name": {"type": "string"},
          "address": {"$ref": "#/$defs/address"},
          "contactMethod": {"type": "string", "enum": ["phone", "email"]},
          "phone": {"type": "string"},
          "email": {"type": "string"}
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false
      })j"))
      .readOnly()
      .handler([](const bj::object& args, CallContext&) -> Result<ToolResult> {
        return ToolResult::text("JSON Schema 2020-12 tool called with: " + bj::serialize(args));
      })
      .build();
}

// 2026-07-28 (SEP-2243): a string parameter mirrored into the Mcp-Param-Region header, which the
// server must check against the body.
bastion::mcp::ToolSpec headerParamTool() {
  return ToolBuilder("test_custom_header_param")
      .description("Echoes a region that clients also send as the Mcp-Param-Region header")
      .input(literal(R"j({
        "type": "object",
        "properties": {
          "region": {"type": "string", "x-mcp-header": "Region",
                     "description": "Mirrored into Mcp-Param-Region"},
          "query": {"type": "string"}
        },
        "required": ["region"]
      })j"))
      .readOnly()
      .handler([](const bj::object& args, CallContext&) -> Result<ToolResult> {
        return ToolResult::text("region=" + bj::serialize(args.at("region")));
      })
      .build();
}

}  // namespace

bj::value literal(std::string_view text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec) {
    std::abort();
  }
  return v;
}

Result<void> addContentTools(bastion::mcp::Server& server) {
  using bastion::mcp::audioContent;
  using bastion::mcp::imageContent;
  using bastion::mcp::textContent;
  std::vector<bastion::mcp::ToolSpec> specs;
  specs.push_back(fixedTool("test_simple_text", "Returns a fixed text",
                            {textContent("This is a simple text response for testing.")}));
  specs.push_back(fixedTool("test_image_content", "Returns a 1x1 PNG image",
                            {imageContent(kPngBase64, "image/png")}));
  specs.push_back(fixedTool("test_audio_content", "Returns a short WAV clip",
                            {audioContent(kWavBase64, "audio/wav")}));
  specs.push_back(fixedTool("test_embedded_resource", "Returns an embedded text resource",
                            {embeddedResource("test://embedded-resource", "text/plain",
                                              "This is an embedded resource content.")}));
  specs.push_back(
      fixedTool("test_multiple_content_types", "Returns text, image and embedded resource content",
                {textContent("Multiple content types test:"), imageContent(kPngBase64, "image/png"),
                 embeddedResource("test://mixed-content-resource", "application/json",
                                  R"({"test":"data","value":123})")}));
  specs.push_back(loggingTool());
  specs.push_back(plainLoggingTool());
  specs.push_back(progressTool());
  specs.push_back(errorTool());
  specs.push_back(reconnectionTool());
  specs.push_back(jsonSchemaTool());
  specs.push_back(headerParamTool());
  for (auto& spec : specs) {
    if (auto added = server.addTool(std::move(spec)); !added) {
      return added;
    }
  }
  return {};
}

}  // namespace fixture
