// `bastion serve`: load the configuration (or the embedded default), register the tools, set up
// authentication for auth.mode, and serve on Streamable HTTP (when a listen address is set) or
// on stdio.
//
// Per mode: none -> one local principal holding every scope (loopback/stdio only);
// embedded -> the built-in authorization server (its routes and its verifier); jwt -> the JWT
// verifier; introspection -> the RFC 7662 verifier. Every OAuth mode puts the same resource
// server (auth/resource_server.h) and the Protected Resource Metadata routes in front.

#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>
#include <thread>

#include "audit/audit_log.h"
#include "auth/authenticator.h"
#include "auth/introspection_verifier.h"
#include "auth/jwt_verifier.h"
#include "auth/resource_server.h"
#include "cli/commands.h"
#include "cli/embedded_auth.h"
#include "cli/guarded_tools.h"
#include "cli/log.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/random.h"
#include "mcp/dispatcher.h"
#include "mcp/server.h"
#include "mcp/session.h"
#include "net/fetcher.h"
#include "oauth/authorization_server.h"
#include "oauth/client_address.h"
#include "policy/scope_policy.h"
#include "store/store.h"
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
  o.write_timeout = s.timeouts.write;
  o.shutdown_timeout = s.timeouts.shutdown;
  o.max_header = s.max_header;
  o.max_connections = s.max_connections;
  o.sse_retry = s.sse.retry;
  o.sse_keepalive = s.sse.keepalive;
  o.sse_delay = s.sse.delay;
  o.max_queued_bytes = s.sse.max_queued;
  o.event_log_events = s.sse.replay_events;
  o.event_log_bytes = s.sse.replay_bytes;
  o.io_threads = s.io_threads;
  o.workers = s.workers;
  if (s.tls) {
    o.tls = transport::TlsOptions{s.tls->cert_file, s.tls->key_file};
  }
  return o;
}

// Every scope this configuration mentions: the baseline, what the tools require and the scope
// implications. What the local principal of mode "none" holds, and what the embedded
// authorization server lets clients ask for.
std::vector<std::string> allScopes(const config::Config& c) {
  std::set<std::string> all(c.auth.scopes_supported.begin(), c.auth.scopes_supported.end());
  if (c.demo.tools) {
    all.insert(c.demo.scopes.begin(), c.demo.scopes.end());
  }
  for (const auto& t : c.tools) {
    all.insert(t.identity.scopes.begin(), t.identity.scopes.end());
  }
  for (const auto& [scope, implied] : c.auth.scope_implications) {
    all.insert(scope);
    all.insert(implied.begin(), implied.end());
  }
  return {all.begin(), all.end()};
}

// Authentication for one configuration: what HTTP puts in front of the endpoint, the routes
// beside it, and the verifier stdio checks its environment token with.
struct AuthSetup {
  std::shared_ptr<auth::Authenticator> authenticator;
  std::vector<std::shared_ptr<web::Routes>> routes;
  std::shared_ptr<auth::TokenVerifier> verifier;  // null in mode none
  std::shared_ptr<const policy::ScopePolicy> scope_policy;
};

// The outbound fetcher for operator-configured URLs. An http URL is admitted by config only on a
// loopback host: a development setup, which gets the development policy.
std::shared_ptr<net::Fetcher> fetcherFor(bool loopback_http, const config::FetchConfig& f) {
  return net::makeHttpFetcher(
      net::FetchPolicy{.allow_http = loopback_http || f.allow_http,
                       .allow_private_addresses = loopback_http || f.allow_private_addresses,
                       .ca_file = f.ca_file});
}

Result<std::shared_ptr<auth::TokenVerifier>> introspectionVerifier(const config::Config& c) {
  const config::IntrospectionAuthConfig& in = c.auth.introspection;
  auth::IntrospectionOptions o;
  o.endpoint = in.endpoint;
  o.client_id = in.client_id;
  o.client_secret = in.client_secret;
  o.resource = c.server.public_url;
  o.issuer = in.issuer;
  o.max_cache_lifetime = in.cache_ttl;
  auto v = auth::makeIntrospectionVerifier(
      std::move(o), fetcherFor(in.endpoint.starts_with("http://"), in.fetch), systemClock());
  if (!v) {
    return v.error();
  }
  return std::shared_ptr<auth::TokenVerifier>(std::move(*v));
}

Result<std::shared_ptr<auth::TokenVerifier>> jwtVerifier(const config::Config& c) {
  const config::JwtAuthConfig& j = c.auth.jwt;
  auth::JwtVerifierOptions o;
  o.issuer = j.issuer;
  o.audience = c.server.public_url;
  o.allowed_algs.clear();
  for (const std::string& name : j.algorithms) {
    if (auto alg = auth::algFromName(name)) {
      o.allowed_algs.push_back(*alg);  // config admitted only names this maps
    }
  }
  o.skew = j.skew;
  o.jwks_uri = j.jwks_uri;
  // An http issuer is admitted by config only on a loopback host: development.
  const bool loopback_http = j.issuer.starts_with("http://") || j.jwks_uri.starts_with("http://");
  o.allow_http = loopback_http || j.fetch.allow_http;
  auto fetcher = fetcherFor(loopback_http, j.fetch);
  auto v = auth::makeJwksVerifier(std::move(o), std::move(fetcher), systemClock());
  if (!v) {
    return v.error();
  }
  return std::shared_ptr<auth::TokenVerifier>(std::move(*v));
}

// The embedded authorization server: its routes serve beside the endpoint; `issuer` is filled.
Result<std::shared_ptr<oauth::AuthorizationServer>> embeddedServer(
    const config::Config& c, std::string& issuer, std::shared_ptr<audit::AuditSink> audit) {
  auto derived = embeddedAsOptions(c);
  if (!derived) {
    return derived.error();
  }
  // Moved out rather than used through operator->: GCC 12 -O2 sees a null path there.
  oauth::AsOptions options = std::move(derived).value();
  const config::EmbeddedAuthConfig& e = c.auth.embedded;
  options.scopes_supported = allScopes(c);
  options.default_scopes = c.auth.scopes_supported;
  options.access_token_ttl = e.access_token_ttl;
  options.refresh_token_ttl = e.refresh_token_ttl;
  options.dynamic_registration = e.dynamic_registration;
  options.metadata_documents = e.metadata_documents;
  if (e.requests_per_ip) {
    options.requests_per_ip = *e.requests_per_ip;
  }
  auto proxies = oauth::TrustedProxies::parse(c.ratelimit.trusted_proxies);
  if (!proxies) {
    return Error(proxies.error().code, "ratelimit.trusted_proxies: " + proxies.error().message);
  }
  options.trusted_proxies = std::move(proxies).value();
  issuer = options.issuer;
  auto store = store::openStore(c.store.url);
  if (!store) {
    return Error(store.error().code, "cannot open the store " + c.store.url + ": " +
                                         store.error().message);
  }
  oauth::AsDependencies deps;
  deps.store = std::move(*store);
  deps.audit = std::move(audit);
  // Client ID Metadata Documents: public https only, unless loosened for development.
  deps.fetcher = fetcherFor(false, e.fetch);
  return oauth::AuthorizationServer::create(std::move(options), std::move(deps));
}

// The verifier for the configured OAuth mode, and the issuer clients are sent to.
Result<std::shared_ptr<auth::TokenVerifier>> oauthVerifier(
    const config::Config& c, AuthSetup& setup, std::string& issuer,
    const std::shared_ptr<audit::AuditSink>& audit) {
  switch (c.auth.mode) {
    case config::AuthMode::Introspection:
      issuer = c.auth.introspection.issuer;
      return introspectionVerifier(c);
    case config::AuthMode::Embedded: {
      auto as = embeddedServer(c, issuer, audit);
      if (!as) {
        return as.error();
      }
      setup.routes.push_back(*as);
      return (*as)->verifier();
    }
    case config::AuthMode::Jwt:
      issuer = c.auth.jwt.issuer;
      return jwtVerifier(c);
    case config::AuthMode::None:
      break;
  }
  return Error(1, "no verifier for auth.mode \"none\"");
}

Result<AuthSetup> buildAuth(const config::Config& c,
                            const std::shared_ptr<audit::AuditSink>& audit) {
  AuthSetup setup;
  auto policy = policy::ScopePolicy::create(c.auth.scope_implications);
  if (!policy) {
    return policy.error();
  }
  setup.scope_policy = std::move(*policy);
  if (c.auth.mode == config::AuthMode::None) {
    // Config confined this mode to stdio and loopback listeners.
    setup.authenticator = auth::makeNoAuthenticator(allScopes(c));
    return setup;
  }
  if (!c.server.listen && !c.auth.stdio.subject.empty()) {
    return setup;  // stdio with a configured local subject checks no token: no verifier needed
  }
  std::string issuer;
  auto verifier = oauthVerifier(c, setup, issuer, audit);
  if (!verifier) {
    return verifier.error();
  }
  setup.verifier = *verifier;
  if (!c.server.listen) {
    return setup;  // stdio checks its one token with the verifier directly
  }
  auth::ResourceServerOptions rs;
  rs.resource = c.server.public_url;
  rs.authorization_servers = {issuer};
  rs.scopes_supported = c.auth.scopes_supported;
  rs.audit = audit;
  auto prm = auth::makeProtectedResourceMetadata(rs, c.server.endpoint);
  if (!prm) {
    return Error(1, "server.public_url '" + rs.resource + "' is not usable as a resource");
  }
  setup.routes.push_back(std::move(prm));
  auto authenticator = auth::makeResourceServer(std::move(rs), setup.verifier);
  if (!authenticator) {
    return authenticator.error();
  }
  setup.authenticator = std::move(*authenticator);
  return setup;
}

// Who the stdio caller is: the local principal (mode none), a configured subject, or the
// subject of the bearer token in auth.stdio.token_env, checked like an HTTP token.
Result<auth::Principal> stdioPrincipal(const config::Config& c, const AuthSetup& setup) {
  const config::StdioAuthConfig& s = c.auth.stdio;
  if (c.auth.mode == config::AuthMode::None) {
    return auth::Principal{.iss = "local", .sub = "local", .client_id = "", .scopes = allScopes(c)};
  }
  if (!s.subject.empty()) {
    return auth::Principal{.iss = "local", .sub = s.subject, .client_id = "", .scopes = s.scopes};
  }
  const char* token = s.token_env.empty() ? nullptr : std::getenv(s.token_env.c_str());
  if (token == nullptr || *token == '\0') {
    return Error(1, "stdio needs a bearer token in the environment variable " + s.token_env +
                        " (auth.stdio.token_env), and it is not set");
  }
  auto verified = setup.verifier->verify(token);
  if (!verified) {
    return Error(1, "the bearer token in " + s.token_env + " was refused (" +
                        std::string(auth::toString(verified.error())) + ")");
  }
  return std::move(verified->principal);
}

// The audit trail starts with what was loaded: the file, its digest and what it exposes.
void recordConfigLoad(const config::Config& c, audit::AuditSink* sink) {
  if (sink == nullptr) {
    return;
  }
  boost::json::object event;
  event["type"] = "config_load";
  event["source"] = c.source;
  event["sha256"] = c.sha256;
  event["auth_mode"] = config::authModeName(c.auth.mode);
  event["tools"] = c.tools.size();
  sink->record(std::move(event));
}

int serveHttp(const config::Config& c, std::shared_ptr<mcp::Dispatcher> dispatcher,
              std::shared_ptr<mcp::SessionStore> sessions, AuthSetup setup) {
  transport::HttpServerOptions options = httpOptions(c);
  options.routes = std::move(setup.routes);
  auto http = transport::HttpServer::create(std::move(options), std::move(dispatcher),
                                            std::move(sessions), std::move(setup.authenticator));
  if (!http) {
    spdlog::critical("cannot start the HTTP listener: {}", http.error().message);
    return 1;
  }
  const char* scheme = c.server.tls ? "https" : "http";
  config::ListenAddress bound{c.server.listen->host, (*http)->port()};
  spdlog::info("serving MCP on {}://{}{} (auth {})", scheme, bound.toString(), c.server.endpoint,
               config::authModeName(c.auth.mode));
  (*http)->run();
  spdlog::info("stopped");
  return 0;
}

int serveStdio(const config::Config& c, std::shared_ptr<mcp::Dispatcher> dispatcher,
               const AuthSetup& setup) {
  // stdio has no request to authenticate: the authentication step runs once, at start.
  auto principal = stdioPrincipal(c, setup);
  if (!principal) {
    spdlog::critical("cannot start on stdio: {}", principal.error().message);
    return 1;
  }
  transport::StdioOptions options;
  options.max_line = c.server.max_body;
  options.workers = workersFor(c);
  options.drain_timeout = c.server.timeouts.shutdown;
  options.poll_before_sleep = std::chrono::microseconds(c.server.stdio_poll_us);
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
  auto guarded = buildGuardedTools(c);
  if (!guarded) {
    spdlog::critical("cannot start: {}", guarded.error().message);
    return 1;
  }
  auto sessions = std::make_shared<mcp::SessionStore>(
      mcp::SessionLimits{.max_sessions = c.server.max_sessions,
                         .idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(
                             c.server.session_idle_timeout)},
      systemRandom());
  auto built = buildAuth(c, guarded->options.audit);
  if (!built) {
    spdlog::critical("cannot set up auth.mode \"{}\": {}", config::authModeName(c.auth.mode),
                     built.error().message);
    return 1;
  }
  // Values moved out of the results (not operator->): GCC 12 -O2 sees null paths there.
  AuthSetup setup = std::move(built).value();
  GuardedTools tools = std::move(guarded).value();
  mcp::DispatcherOptions dispatcher_options = std::move(tools.options);
  dispatcher_options.scope_policy = setup.scope_policy;
  recordConfigLoad(c, dispatcher_options.audit.get());
  std::shared_ptr<mcp::Dispatcher> dispatcher =
      mcp::Dispatcher::create(std::move(tools.server), sessions, std::move(dispatcher_options));
  if (c.server.listen) {
    return serveHttp(c, std::move(dispatcher), std::move(sessions), std::move(setup));
  }
  return serveStdio(c, std::move(dispatcher), setup);
}

}  // namespace bastion::cli
