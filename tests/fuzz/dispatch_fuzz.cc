// Any bytes as one JSON-RPC message, dispatched in both eras over stdio (with an initialized
// session) and HTTP (without one): a response or nothing, never a crash, hang or leak.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "mcp/dispatcher.h"
#include "mcp/server.h"

namespace {

using namespace bastion::mcp;

// The client has always just left, so a server-to-client request fails at once.
class GoneOutbound final : public Outbound {
 public:
  bool send(const boost::json::value&) override { return false; }
};

std::shared_ptr<Server> makeServer() {
  auto s = std::make_shared<Server>(
      ServerInfo{.name = "fuzz", .version = "1", .title = "", .instructions = ""});
  (void)s->addTool(
      ToolBuilder("echo")
          .input(boost::json::parse(R"({"type":"object","properties":{"text":{"type":"string",
                              "maxLength":8,"x-mcp-header":"Text"}},"required":["text"]})"))
          .output(boost::json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}}})"))
          .handler(
              [](const boost::json::object& a, CallContext& ctx) -> bastion::Result<ToolResult> {
                ctx.progress(1, 2);
                ctx.log(LogLevel::Info, a.at("text"));
                auto r = ctx.request("sampling/createMessage", {{"maxTokens", 1}});
                if (!r) {
                  return r.error();
                }
                ToolResult out;
                out.structured = boost::json::object{{"n", 1}};
                return out;
              })
          .build());
  (void)s->addResource(
      {.uri = "test://r",
       .name = "r",
       .title = "",
       .description = "",
       .mime_type = "",
       .handler = [](const std::string& uri,
                     CallContext&) -> bastion::Result<std::vector<ResourceContents>> {
         return std::vector<ResourceContents>{{uri, "text/plain", "x", std::nullopt}};
       }});
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto server = makeServer();
  static const auto sessions = std::make_shared<SessionStore>(
      SessionLimits{.max_sessions = 64, .idle_timeout = std::chrono::seconds(1)},
      bastion::systemRandom());
  static const auto dispatcher = Dispatcher::create(server, sessions);
  auto parsed = parseMessage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed) {
    return 0;
  }
  Inbound stdio{.message = *parsed,
                .transport = TransportKind::Stdio,
                .principal = {},
                .session = std::make_shared<Session>("s", bastion::auth::Principal{}),
                .out = std::make_shared<GoneOutbound>(),
                .cancelled = nullptr,
                .http = {}};
  stdio.session->setNegotiated("2025-11-25", {{"sampling", boost::json::object{}}});
  (void)dispatcher->handle(std::move(stdio));
  HttpMetadata headers{
      .protocol_version = "2026-07-28", .method = std::nullopt, .name = std::nullopt};
  const auto& obj = parsed->as_object();
  if (const auto* m = obj.if_contains("method"); m != nullptr && m->is_string()) {
    headers.method = std::string(m->get_string());
  }
  // Mirror params.name and arguments.text into Mcp-Name and Mcp-Param-Text as a client would.
  const auto* params = obj.if_contains("params");
  if (const auto* p = params != nullptr ? params->if_object() : nullptr) {
    if (const auto* name = p->if_contains("name"); name != nullptr && name->is_string()) {
      headers.name = std::string(name->get_string());
    }
    const auto* args = p->if_contains("arguments");
    const auto* text =
        args != nullptr && args->is_object() ? args->get_object().if_contains("text") : nullptr;
    if (text != nullptr && text->is_string()) {
      headers.params.emplace_back("text", std::string(text->get_string()));
    }
  }
  (void)dispatcher->handle(Inbound{.message = std::move(*parsed),
                                   .transport = TransportKind::Http,
                                   .principal = {},
                                   .session = nullptr,
                                   .out = nullptr,
                                   .cancelled = nullptr,
                                   .http = headers});
  return 0;
}
