// Any bytes as one HTTP request: Beast's parser, then the transport's pure handler (preflight,
// plan) and, for a POST that passes, the real dispatcher with one tool; a request for the
// Protected Resource Metadata route goes through the web conversion and the route. A response
// or a refusal, never a crash, hang or leak.
#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>

#include "auth/authenticator.h"
#include "auth/resource_server.h"
#include "mcp/server.h"
#include "transport/http_handler.h"

namespace {

using namespace bastion;

transport::HttpHandler& handler() {
  static auto sessions = std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom());
  static auto server = [] {
    auto s = std::make_shared<mcp::Server>(mcp::ServerInfo{.name = "fuzz", .version = "1",
                                                           .title = "", .instructions = ""});
    (void)s->addTool(mcp::ToolBuilder("echo")
                         .input(boost::json::parse(R"({"type":"object"})"))
                         .handler([](const boost::json::object&, mcp::CallContext&)
                                      -> Result<mcp::ToolResult> {
                           return mcp::ToolResult::text("ok");
                         })
                         .build());
    return s;
  }();
  static transport::HttpHandler h(
      transport::HandlerOptions{.endpoint = "/mcp",
                                .allowed_hosts = transport::loopbackHosts(8080),
                                .allowed_origins = transport::loopbackOrigins(8080, false),
                                .tls = false,
                                .max_body = 64 * 1024,
                                .routes = {auth::makeProtectedResourceMetadata(
                                    auth::ResourceServerOptions{
                                        .resource = "http://127.0.0.1:8080/mcp",
                                        .authorization_servers = {"http://127.0.0.1:8080"},
                                        .scopes_supported = {"mcp:tools"},
                                        .max_token_bytes = 8 * 1024,
                                        .resource_name = "fuzz"},
                                    "/mcp")},
                                .route_max_body = 4096},
      mcp::Dispatcher::create(server, sessions), sessions, auth::makeNoAuthenticator(),
      std::make_shared<transport::StreamRegistry>());
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done()) {
    return 0;
  }
  auto pre = handler().preflight(parser.get(), "127.0.0.1");
  if (auto* route = std::get_if<transport::RouteAdmitted>(&pre); route && parser.is_done()) {
    (void)handler().handleRoute(parser.get(), *route, "127.0.0.1");
    return 0;
  }
  if (!parser.is_done() || !std::holds_alternative<transport::Admitted>(pre)) {
    return 0;
  }
  auto plan = handler().plan(parser.get(), std::get<transport::Admitted>(pre));
  if (auto* post = std::get_if<transport::PostPlan>(&plan)) {
    (void)handler().dispatchJson(parser.get(), std::move(*post));
  }
  return 0;
}
