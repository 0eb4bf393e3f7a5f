// bastion-conformance-server --listen 127.0.0.1:PORT
//
// Serves the conformance fixture (fixture.h) over Streamable HTTP at http://ADDR/mcp, with the
// library's defaults (Host/Origin checks for loopback names, legacy sessions, resumable SSE). Port
// 0 picks a free port. Prints one line, "listening on http://HOST:PORT/mcp", once the socket is
// bound (connections queue until run() serves them); stops on SIGINT/SIGTERM with status 0. Built
// only on bastion::bastion.

#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "auth/authenticator.h"
#include "core/random.h"
#include "fixture.h"
#include "mcp/dispatcher.h"
#include "mcp/server.h"
#include "mcp/session.h"
#include "transport/http_server.h"

namespace {

constexpr std::string_view kUsage =
    "usage: bastion-conformance-server --listen HOST:PORT\n"
    "  Serves the MCP conformance fixture at http://HOST:PORT/mcp (HOST an IP "
    "literal,\n"
    "  IPv6 in brackets; PORT 0 picks a free port and the line printed names "
    "it).\n";

struct ListenAddress {
  std::string host;  // IP literal without brackets
  std::uint16_t port = 0;
};

// "127.0.0.1:8080" or "[::1]:8080".
std::optional<ListenAddress> parseListen(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return std::nullopt;
    }
    host = host.substr(1, host.size() - 2);
  }
  ListenAddress out{.host = std::string(host)};
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty()) {
    return std::nullopt;
  }
  return out;
}

std::optional<ListenAddress> parseArgs(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--listen") == 0) {
    return parseListen(argv[2]);
  }
  return std::nullopt;
}

bastion::Result<std::shared_ptr<const bastion::mcp::Server>> makeFixture() {
  auto server = std::make_shared<bastion::mcp::Server>(bastion::mcp::ServerInfo{
      .name = "bastion-conformance-server",
      .version = "0.1.0",
      .title = "Bastion conformance fixture",
      .instructions = "Fixture for the official MCP conformance suite; not a "
                      "useful server."});
  for (auto add : {fixture::addContentTools, fixture::addClientRequestTools,
                   fixture::addInputRequiredTools, fixture::addResourcesAndPrompts}) {
    if (auto added = add(*server); !added) {
      return added.error();
    }
  }
  return std::shared_ptr<const bastion::mcp::Server>(std::move(server));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  auto listen = parseArgs(argc, argv);
  if (!listen) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }
  auto fixture = makeFixture();
  if (!fixture) {
    std::fprintf(stderr, "bastion-conformance-server: fixture: %s\n",
                 fixture.error().message.c_str());
    return 1;
  }
  auto sessions = std::make_shared<bastion::mcp::SessionStore>(bastion::mcp::SessionLimits{},
                                                               bastion::systemRandom());
  std::shared_ptr<bastion::mcp::Dispatcher> dispatcher =
      bastion::mcp::Dispatcher::create(std::move(*fixture), sessions);
  std::shared_ptr<bastion::auth::Authenticator> auth = bastion::auth::makeNoAuthenticator();
  bastion::transport::HttpServerOptions options;
  options.address = listen->host;
  options.port = listen->port;
  auto http = bastion::transport::HttpServer::create(options, dispatcher, sessions, auth);
  if (!http) {
    std::fprintf(stderr, "bastion-conformance-server: %s\n", http.error().message.c_str());
    return 1;
  }
  bool v6 = listen->host.find(':') != std::string::npos;
  std::printf("listening on http://%s%s%s:%u%s\n", v6 ? "[" : "", listen->host.c_str(),
              v6 ? "]" : "", static_cast<unsigned>((*http)->port()), options.endpoint.c_str());
  std::fflush(stdout);
  (*http)->run();
  return 0;
}
