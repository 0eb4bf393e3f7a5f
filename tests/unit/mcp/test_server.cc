#include "unit/mcp/test_server.h"

#include <cstdlib>
#include <stdexcept>

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

void must(const Result<void>& r) {
  if (!r) {
    std::abort();
  }
}

json::value parse(std::string_view text) { return json::parse(text); }

void addTools(Server& s) {
  must(s.addTool(ToolBuilder("echo")
                     .description("Echo text")
                     .input(parse(R"({"type":"object","properties":{"text":{"type":"string",
                                     "maxLength":20}},"required":["text"]})"))
                     .readOnly()
                     .handler([](const json::object& args, CallContext&) -> Result<ToolResult> {
                       return ToolResult::text(std::string(args.at("text").as_string()));
                     })
                     .build()));
  must(s.addTool(ToolBuilder("add")
                     .input(parse(R"({"type":"object","properties":{"a":{"type":"number"},
                                     "b":{"type":"number"}},"required":["a","b"]})"))
                     .output(parse(R"({"type":"object","properties":{"sum":{"type":"number"}},
                                      "required":["sum"]})"))
                     .nonBlocking()
                     .handler([](const json::object& args, CallContext&) -> Result<ToolResult> {
                       ToolResult r;
                       r.structured = json::object{{"sum", args.at("a").to_number<double>() +
                                                               args.at("b").to_number<double>()}};
                       return r;
                     })
                     .build()));
  must(s.addTool(ToolBuilder("bad_output")
                     .output(parse(R"({"type":"object","properties":{"sum":{"type":"number"}},
                                      "required":["sum"]})"))
                     .handler([](const json::object&, CallContext&) -> Result<ToolResult> {
                       ToolResult r;
                       r.structured = json::object{{"sum", "not a number"}};
                       return r;
                     })
                     .build()));
  must(s.addTool(ToolBuilder("no_structured")
                     .output(parse(R"({"type":"object"})"))
                     .handler([](const json::object&, CallContext&) -> Result<ToolResult> {
                       return ToolResult::text("only text");
                     })
                     .build()));
  must(s.addTool(ToolBuilder("admin_only")
                     .scopes({"admin"})
                     .handler([](const json::object&, CallContext&) -> Result<ToolResult> {
                       return ToolResult::text("admin stuff");
                     })
                     .build()));
  must(s.addTool(ToolBuilder("fail")
                     .handler([](const json::object&, CallContext&) -> Result<ToolResult> {
                       return Error(1, "the disk is full");
                     })
                     .build()));
  must(s.addTool(ToolBuilder("throws")
                     .handler([](const json::object&, CallContext&) -> Result<ToolResult> {
                       throw std::runtime_error("secret internal detail");
                     })
                     .build()));
  must(s.addTool(ToolBuilder("regional")
                     .input(parse(R"({"type":"object","properties":{
                       "region":{"type":"string","x-mcp-header":"Region"},
                       "opts":{"type":"object","properties":{
                         "count":{"type":"integer","x-mcp-header":"Count"},
                         "flag":{"type":"boolean","x-mcp-header":"Flag"}}}}})"))
                     .handler([](const json::object&, CallContext&) -> Result<ToolResult> {
                       return ToolResult::text("regional ok");
                     })
                     .build()));
  must(s.addTool(ToolBuilder("open_args")
                     .input(parse(R"({"type":"object","properties":{"x":{"type":"string"}}})"))
                     .openArguments()
                     .handler([](const json::object& args, CallContext&) -> Result<ToolResult> {
                       return ToolResult::text(std::to_string(args.size()));
                     })
                     .build()));
}

void addInteractiveTools(Server& s) {
  must(s.addTool(ToolBuilder("ask_llm")
                     .handler([](const json::object&, CallContext& ctx) -> Result<ToolResult> {
                       auto r = ctx.request("sampling/createMessage",
                                            {{"messages", json::array{}}, {"maxTokens", 10}});
                       if (!r) {
                         return r.error();
                       }
                       return ToolResult::text(
                           "LLM said: " + std::string(r->at("content").at("text").as_string()));
                     })
                     .build()));
  must(s.addTool(ToolBuilder("ask_quick")
                     .handler([](const json::object&, CallContext& ctx) -> Result<ToolResult> {
                       auto r = ctx.request("roots/list", {}, std::chrono::milliseconds(1));
                       if (!r) {
                         return r.error();
                       }
                       return ToolResult::text("roots: " + json::serialize(*r));
                     })
                     .build()));
  must(s.addTool(ToolBuilder("close_stream")
                     .handler([](const json::object&, CallContext& ctx) -> Result<ToolResult> {
                       ctx.closeStream();
                       return ToolResult::text("closed");
                     })
                     .build()));
  must(s.addTool(
      ToolBuilder("ask_name")
          .handler([](const json::object&, CallContext& ctx) -> Result<ToolResult> {
            auto r = ctx.requestAs("user_name", "elicitation/create", {{"message", "Your name?"}});
            if (!r) {
              return r.error();
            }
            return ToolResult::text("Hello " +
                                    std::string(r->at("content").at("name").as_string()));
          })
          .build()));
  must(s.addTool(
      ToolBuilder("two_rounds")
          .handler([](const json::object&, CallContext& ctx) -> Result<ToolResult> {
            auto first = ctx.requestAs("step1", "elicitation/create", {{"message", "1?"}});
            if (!first) {
              return first.error();
            }
            auto second = ctx.requestAs("step2", "elicitation/create", {{"message", "2?"}});
            if (!second) {
              return second.error();
            }
            return ToolResult::text("done " + json::serialize(*first) + json::serialize(*second));
          })
          .build()));
  must(s.addTool(ToolBuilder("progress")
                     .handler([](const json::object&, CallContext& ctx) -> Result<ToolResult> {
                       for (int i = 1; i <= 3; ++i) {
                         ctx.progress(i, 3, "step");
                         if (ctx.cancelled()) {
                           return Error(HandlerError::Cancelled, "cancelled");
                         }
                       }
                       ctx.log(LogLevel::Debug, "debug line");
                       ctx.log(LogLevel::Warning, "warning line", "tests");
                       return ToolResult::text("progressed");
                     })
                     .build()));
}

Result<std::vector<ResourceContents>> staticText(const std::string& uri, CallContext&) {
  return std::vector<ResourceContents>{{uri, "text/plain", "static text", std::nullopt}};
}

std::vector<std::string> manyValues(std::string_view, std::string_view value, const TemplateVars&) {
  std::vector<std::string> out;
  for (int i = 0; i < 150; ++i) {
    out.push_back(std::string(value) + std::to_string(i));
  }
  return out;
}

void addResourcesAndPrompts(Server& s) {
  must(s.addResource({.uri = "test://static",
                      .name = "static",
                      .title = "",
                      .description = "",
                      .mime_type = "text/plain",
                      .handler = staticText}));
  ResourceTemplateSpec items;
  items.uri_template = "test://items/{id}";
  items.name = "items";
  items.handler = [](const std::string& uri, const TemplateVars& vars,
                     CallContext&) -> Result<std::vector<ResourceContents>> {
    if (vars.at("id") == "missing") {
      return Error(HandlerError::NotFound, "no such item");
    }
    return std::vector<ResourceContents>{
        {uri, "text/plain", "item " + vars.at("id"), std::nullopt}};
  };
  items.complete = manyValues;
  must(s.addResourceTemplate(std::move(items)));
  PromptSpec greet;
  greet.name = "greet";
  greet.arguments = {{"name", "who", true}, {"style", "how", false}};
  greet.handler = [](const TemplateVars& args, CallContext&) -> Result<PromptResult> {
    return PromptResult{"A greeting",
                        {{"user", {{"type", "text"}, {"text", "Hello " + args.at("name")}}}}};
  };
  greet.complete = manyValues;
  must(s.addPrompt(std::move(greet)));
}

}  // namespace

bool RecordingOutbound::send(const boost::json::value& message) {
  {
    std::lock_guard lock(mu_);
    messages_.push_back(message);
  }
  if (on_send) {
    on_send(message);
  }
  return alive;
}

std::vector<boost::json::value> RecordingOutbound::messages() const {
  std::lock_guard lock(mu_);
  return messages_;
}

std::vector<boost::json::value> RecordingOutbound::withMethod(std::string_view method) const {
  std::vector<boost::json::value> out;
  for (const auto& m : messages()) {
    const auto* meth = m.as_object().if_contains("method");
    if (meth != nullptr && meth->as_string() == method) {
      out.push_back(m);
    }
  }
  return out;
}

std::shared_ptr<Server> makeTestServer() {
  auto s = std::make_shared<Server>(
      ServerInfo{.name = "test", .version = "1.0", .title = "Test", .instructions = "Be nice"});
  addTools(*s);
  addInteractiveTools(*s);
  addResourcesAndPrompts(*s);
  return s;
}

auth::Principal alice() {
  return {.iss = "local", .sub = "alice", .client_id = "c1", .scopes = {}};
}
auth::Principal bob() { return {.iss = "local", .sub = "bob", .client_id = "c1", .scopes = {}}; }

Harness::Harness(std::size_t page_size) : server(makeTestServer()) {
  sessions = std::make_shared<SessionStore>(SessionLimits{}, systemRandom());
  DispatcherOptions options;
  options.page_size = page_size;
  options.wall_clock = [this] { return wall_now; };
  dispatcher = Dispatcher::create(server, sessions, std::move(options));
}

Harness::Harness(DispatcherOptions options) : server(makeTestServer()) {
  sessions = std::make_shared<SessionStore>(SessionLimits{}, systemRandom());
  if (!options.wall_clock) {
    options.wall_clock = [this] { return wall_now; };
  }
  dispatcher = Dispatcher::create(server, sessions, std::move(options));
}

std::shared_ptr<Session> Harness::stdioSession(boost::json::object capabilities) {
  auto session = std::make_shared<Session>("stdio", alice());
  auto r = legacy(session, request(0, "initialize",
                                   {{"protocolVersion", "2025-11-25"},
                                    {"capabilities", std::move(capabilities)},
                                    {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  if (!r.response) {
    std::abort();
  }
  return session;
}

DispatchResult Harness::legacy(const std::shared_ptr<Session>& session, boost::json::value message,
                               TransportKind transport) {
  Inbound in;
  in.message = std::move(message);
  in.transport = transport;
  in.principal = alice();
  in.session = session;
  in.out = out;
  return dispatcher->handle(std::move(in));
}

DispatchResult Harness::modern(boost::json::value message) {
  Inbound in;
  in.message = std::move(message);
  in.principal = alice();
  in.out = out;
  return dispatcher->handle(std::move(in));
}

DispatchResult Harness::modernHttp(boost::json::value message, HttpMetadata http) {
  Inbound in;
  in.message = std::move(message);
  in.transport = TransportKind::Http;
  in.principal = alice();
  in.out = out;
  in.http = std::move(http);
  return dispatcher->handle(std::move(in));
}

boost::json::value request(boost::json::value id, std::string_view method,
                           boost::json::object params) {
  return boost::json::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

boost::json::value modernRequest(boost::json::value id, std::string_view method,
                                 boost::json::object params, boost::json::object capabilities) {
  boost::json::object meta;
  if (const auto* m = params.if_contains("_meta")) {
    meta = m->as_object();
  }
  meta["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
  meta["io.modelcontextprotocol/clientCapabilities"] = std::move(capabilities);
  params["_meta"] = std::move(meta);
  return request(std::move(id), method, std::move(params));
}

HttpMetadata headersFor(const boost::json::value& message) {
  HttpMetadata h;
  const auto& obj = message.as_object();
  h.method = std::string(obj.at("method").as_string());
  const auto& params = obj.at("params").as_object();
  h.protocol_version =
      std::string(params.at("_meta").at("io.modelcontextprotocol/protocolVersion").as_string());
  if (const auto* name = params.if_contains("name")) {
    h.name = std::string(name->as_string());
  } else if (const auto* uri = params.if_contains("uri")) {
    h.name = std::string(uri->as_string());
  }
  return h;
}

const boost::json::object& resultOf(const DispatchResult& r) {
  return r.response->as_object().at("result").as_object();
}

std::int64_t errorCode(const DispatchResult& r) {
  if (!r.response) {
    return 0;
  }
  const auto* err = r.response->as_object().if_contains("error");
  return err == nullptr ? 0 : err->as_object().at("code").as_int64();
}

std::string firstText(const boost::json::object& tool_result) {
  return std::string(tool_result.at("content").as_array().at(0).as_object().at("text").as_string());
}

}  // namespace bastion::mcp::testing
