// `bastion serve`: load the configuration (or the embedded default), register the tools, and
// serve on Streamable HTTP (when a listen address is set) or on stdio.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "auth/authenticator.h"
#include "cli/commands.h"
#include "cli/log.h"
#include "config/config.h"
#include "core/random.h"
#include "mcp/dispatcher.h"
#include "mcp/server.h"
#include "mcp/session.h"
#include "tools/demo.h"
#include "transport/http_server.h"
#include "transport/stdio.h"

namespace bastion::cli {
namespace {

unsigned workersFor(const config::Config& c) {
  if (c.server.workers != 0) {
    return c.server.workers;
  }
  return 4 * std::max(1u, std::thread::hardware_concurrency());
}

transport::HttpServerOptions httpOptions(const config::Config& c) {
  const config::ServerConfig& s = c.server;
  transport::HttpServerOptions o;
  o.address = s.listen->host;
  o.port = s.listen->port;
  o.endpoint = s.endpoint;
  o.allowed_hosts = s.allowed_hosts;
  o.allowed_origins = s.allowed_origins;
  o.max_body = s.max_body;
  o.header_timeout = s.timeouts.header;
  o.body_timeout = s.timeouts.body;
  o.idle_timeout = s.timeouts.idle;
  o.shutdown_timeout = s.timeouts.shutdown;
  o.io_threads = s.io_threads;
  o.workers = s.workers;
  if (s.tls) {
    o.tls = transport::TlsOptions{s.tls->cert_file, s.tls->key_file};
  }
  return o;
}

// The tools, resources and prompts this configuration exposes.
Result<std::shared_ptr<const mcp::Server>> buildServer(const config::Config& c) {
  auto server = std::make_shared<mcp::Server>(mcp::ServerInfo{
      .name = "bastion", .version = BASTION_VERSION, .title = "Bastion", .instructions = {}});
  if (c.demo.tools) {
    if (auto r = tools::addDemo(*server); !r) {
      return r.error();
    }
  }
  return std::shared_ptr<const mcp::Server>(std::move(server));
}

int serveHttp(const config::Config& c, std::shared_ptr<mcp::Dispatcher> dispatcher,
              std::shared_ptr<mcp::SessionStore> sessions,
              std::shared_ptr<auth::Authenticator> authenticator) {
  auto http = transport::HttpServer::create(httpOptions(c), std::move(dispatcher),
                                            std::move(sessions), std::move(authenticator));
  if (!http) {
    spdlog::critical("cannot start the HTTP listener: {}", http.error().message);
    return 1;
  }
  const char* scheme = c.server.tls ? "https" : "http";
  config::ListenAddress bound{c.server.listen->host, (*http)->port()};
  spdlog::info("serving MCP on {}://{}{}", scheme, bound.toString(), c.server.endpoint);
  (*http)->run();
  spdlog::info("stopped");
  return 0;
}

int serveStdio(const config::Config& c, std::shared_ptr<mcp::Dispatcher> dispatcher,
               auth::Authenticator& authenticator) {
  // stdio has no request to authenticate: the authentication step runs once, at start.
  auto principal = authenticator.authenticate(auth::RequestView{});
  if (!principal) {
    spdlog::critical("stdio authentication failed: {}", principal.error().description);
    return 1;
  }
  transport::StdioOptions options;
  options.max_line = c.server.max_body;
  options.workers = workersFor(c);
  options.drain_timeout = c.server.timeouts.shutdown;
  auto stdio = transport::StdioServer::create(std::move(dispatcher), *principal, options);
  spdlog::info("serving MCP on stdio");
  transport::StdioExit exit = stdio->run();
  if (exit == transport::StdioExit::Abandoned) {
    // A handler ignored cancellation past the shutdown timeout: joining it could hang
    // forever, so leave without running destructors (stdout is unbuffered writes).
    spdlog::warn("requests still running after {} ms; exiting", options.drain_timeout.count());
    spdlog::default_logger()->flush();
    std::_Exit(0);
  }
  spdlog::info("input closed; exiting");
  return exit == transport::StdioExit::ReadError ? 1 : 0;
}

}  // namespace

CLI::App* addServeCommand(CLI::App& app, ServeOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve MCP. Without --config: the demo tools on http://127.0.0.1:8080/mcp.\n"
      "A config without [server] listen serves on stdio.");
  cmd->add_option("-c,--config", options.config, "TOML configuration file");
  CLI::Option* stdio =
      cmd->add_flag("--stdio", options.stdio, "Serve on stdin/stdout instead of HTTP");
  CLI::Option* listen = cmd->add_option("--listen", options.listen,
                                        "HTTP listen address IP:port (overrides [server] listen)");
  stdio->excludes(listen);
  return cmd;
}

int runServe(const ServeOptions& options) {
  config::Overrides overrides;
  if (!options.listen.empty()) {
    overrides.listen = options.listen;
  }
  overrides.stdio = options.stdio;
  auto loaded = options.config.empty() ? config::loadEmbeddedDefault(overrides)
                                       : config::loadFile(options.config, overrides);
  if (!loaded) {
    std::cerr << loaded.error().toString();
    return kExitInvalid;
  }
  const config::Config& c = **loaded;
  if (std::string problem = installLogger(c.log); !problem.empty()) {
    spdlog::error("cannot open the log file, logging to stderr: {}", problem);
  }
  auto server = buildServer(c);
  if (!server) {
    spdlog::critical("cannot register tools: {}", server.error().message);
    return 1;
  }
  auto sessions = std::make_shared<mcp::SessionStore>(
      mcp::SessionLimits{.max_sessions = c.server.max_sessions,
                         .idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(
                             c.server.session_idle_timeout)},
      systemRandom());
  std::shared_ptr<mcp::Dispatcher> dispatcher = mcp::Dispatcher::create(*server, sessions);
  // Only `none` exists in this version; config validation confined it to stdio and loopback.
  std::shared_ptr<auth::Authenticator> authenticator = auth::makeNoAuthenticator();
  if (c.server.listen) {
    return serveHttp(c, std::move(dispatcher), std::move(sessions), std::move(authenticator));
  }
  return serveStdio(c, std::move(dispatcher), *authenticator);
}

}  // namespace bastion::cli
