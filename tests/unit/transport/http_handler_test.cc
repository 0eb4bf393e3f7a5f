// The pure request -> decision logic of the HTTP transport, without sockets.

#include "transport/http_handler.h"

#include <gtest/gtest.h>

#include "integration/http/http_test_support.h"

namespace bastion::transport {
namespace {

using testing::ScriptedDispatcher;
using testing::TableAuthenticator;
namespace json = boost::json;

TEST(AcceptHeader, MatchesExactWildcardAndIgnoresQZero) {
  EXPECT_TRUE(acceptsMediaType("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(acceptsMediaType("text/event-stream,application/json", "application/json"));
  EXPECT_TRUE(acceptsMediaType("*/*", "application/json"));
  EXPECT_TRUE(acceptsMediaType("text/*;q=0.5", "text/event-stream"));
  EXPECT_TRUE(acceptsMediaType("APPLICATION/JSON", "application/json"));
  EXPECT_FALSE(acceptsMediaType("application/json", "text/event-stream"));
  EXPECT_FALSE(acceptsMediaType("text/event-stream;q=0", "text/event-stream"));
  EXPECT_FALSE(acceptsMediaType("", "application/json"));
  EXPECT_FALSE(acceptsMediaType("application/jsonx", "application/json"));
}

TEST(ContentTypeHeader, OnlyJsonInUtf8) {
  EXPECT_TRUE(isJsonContentType("application/json"));
  EXPECT_TRUE(isJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(isJsonContentType("application/json;charset=\"UTF-8\""));
  EXPECT_FALSE(isJsonContentType("application/json; charset=iso-8859-1"));
  EXPECT_FALSE(isJsonContentType("text/json"));
  EXPECT_FALSE(isJsonContentType("application/json-patch+json"));
  EXPECT_FALSE(isJsonContentType(""));
}

TEST(ProtocolVersionHeader, ModernFrom20260728) {
  EXPECT_TRUE(isModernProtocolVersion("2026-07-28"));
  EXPECT_TRUE(isModernProtocolVersion("2027-01-01"));
  EXPECT_FALSE(isModernProtocolVersion("2025-11-25"));
  EXPECT_FALSE(isModernProtocolVersion("2026-07-28x"));
  EXPECT_FALSE(isModernProtocolVersion(""));
}

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : sessions(std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom())),
        dispatcher(std::make_shared<ScriptedDispatcher>(sessions)),
        handler(makeOptions(), dispatcher, sessions, std::make_shared<TableAuthenticator>(),
                std::make_shared<StreamRegistry>()) {}

  static HandlerOptions makeOptions() {
    HandlerOptions o;
    o.allowed_hosts = loopbackHosts(8080);
    o.allowed_origins = loopbackOrigins(8080, false);
    o.max_body = 1000;
    return o;
  }

  static Request post(std::string body) {
    Request req{http::verb::post, "/mcp", 11};
    req.set(http::field::host, "127.0.0.1:8080");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  // Runs both phases; returns the ready response or the plan.
  Plan run(const Request& req) {
    Preflight pre = handler.preflight(req, "127.0.0.1");
    if (auto* res = std::get_if<Response>(&pre)) {
      return std::move(*res);
    }
    return handler.plan(req, std::get<Admitted>(pre));
  }
  static unsigned status(const Plan& p) {
    const auto* res = std::get_if<Response>(&p);
    return res ? res->result_int() : 0;
  }

  std::shared_ptr<mcp::SessionStore> sessions;
  std::shared_ptr<ScriptedDispatcher> dispatcher;
  HttpHandler handler;
};

TEST_F(HandlerTest, DnsRebindingHostVariantsAreForbidden) {
  for (const char* host : {"evil.example.com", "127.0.0.1", "localhost:8081", "127.0.0.1:8080.evil",
                           "", "localhost:8080@evil"}) {
    Request req = post("{}");
    req.set(http::field::host, host);
    EXPECT_EQ(status(run(req)), 403u) << host;
  }
  Request upper = post(testing::rpc(1, "ping"));
  upper.set(http::field::host, "LOCALHOST:8080");
  EXPECT_EQ(status(run(upper)), 0u) << "host names compare case-insensitively";
}

TEST_F(HandlerTest, DnsRebindingDuplicateHostOrOriginIsForbidden) {
  // A second Host (or Origin) that some intermediary might read instead is refused outright.
  Request two_hosts = post(testing::rpc(1, "ping"));
  two_hosts.insert(http::field::host, "evil.example.com");
  EXPECT_EQ(status(run(two_hosts)), 403u);
  Request two_origins = post(testing::rpc(1, "ping"));
  two_origins.insert(http::field::origin, "http://127.0.0.1:8080");
  two_origins.insert(http::field::origin, "http://evil.example.com");
  EXPECT_EQ(status(run(two_origins)), 403u);
}

TEST_F(HandlerTest, MissingHostIsForbidden) {
  Request req = post("{}");
  req.erase(http::field::host);
  EXPECT_EQ(status(run(req)), 403u);
}

TEST_F(HandlerTest, SameOriginAndListedOriginsPass) {
  for (const char* origin : {"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"}) {
    Request req = post(testing::rpc(1, "ping"));
    req.set(http::field::origin, origin);
    EXPECT_EQ(status(run(req)), 0u) << origin;
  }
  for (const char* origin : {"https://127.0.0.1:8080", "http://evil.example", "null",
                             "http://127.0.0.1:8080/"}) {
    Request req = post(testing::rpc(1, "ping"));
    req.set(http::field::origin, origin);
    EXPECT_EQ(status(run(req)), 403u) << origin;
  }
}

TEST_F(HandlerTest, DeclaredOversizedBodyIs413BeforeReading) {
  RequestHeader header = post("{}");
  header.set(http::field::content_length, "104857600");
  const Preflight pre = handler.preflight(header, "127.0.0.1");
  ASSERT_TRUE(std::holds_alternative<Response>(pre));
  EXPECT_EQ(std::get<Response>(pre).result_int(), 413u);
  EXPECT_FALSE(std::get<Response>(pre).keep_alive());
  header.set(http::field::content_length, "99999999999999999999999999");
  EXPECT_EQ(std::get<Response>(handler.preflight(header, "")).result_int(), 413u);
}

TEST_F(HandlerTest, BatchAndMalformedBodiesAre400) {
  EXPECT_EQ(status(run(post("[1,2]"))), 400u);
  EXPECT_EQ(status(run(post("{\"jsonrpc\":"))), 400u);
  EXPECT_EQ(dispatcher->handled.load(), 0);
}

TEST_F(HandlerTest, ModernRequestIgnoresSessionHeader) {
  Request req = post(testing::rpc(1, "tools/call"));
  req.set("MCP-Protocol-Version", "2026-07-28");
  req.set("Mcp-Session-Id", "whatever");
  const Plan p = run(req);
  ASSERT_TRUE(std::holds_alternative<PostPlan>(p));
  const auto& plan = std::get<PostPlan>(p);
  EXPECT_FALSE(plan.inbound.session);
  EXPECT_TRUE(plan.may_block);
  EXPECT_TRUE(plan.sse);
  EXPECT_FALSE(plan.resumable);
  EXPECT_TRUE(plan.cancel_on_disconnect);
  EXPECT_EQ(plan.inbound.http.protocol_version, "2026-07-28");
}

TEST_F(HandlerTest, HeadersArePassedToTheDispatcher) {
  Request req = post(testing::rpc(1, "tools/call", R"({"name":"x"})"));
  req.set("Mcp-Method", "tools/call");
  req.set("Mcp-Name", "x");
  const Plan p = run(req);
  ASSERT_TRUE(std::holds_alternative<PostPlan>(p));
  const auto& in = std::get<PostPlan>(p).inbound;
  EXPECT_EQ(in.http.method, "tools/call");
  EXPECT_EQ(in.http.name, "x");
  EXPECT_EQ(in.transport, mcp::TransportKind::Http);
  EXPECT_EQ(in.principal.sub, "anonymous");
  ASSERT_TRUE(in.cancelled);
}

TEST_F(HandlerTest, LegacySessionStreamIsResumable) {
  auto session = sessions->create(auth::Principal{.iss = "test", .sub = "anonymous",
                                                  .client_id = "", .scopes = {}},
                                  std::chrono::steady_clock::now());
  ASSERT_TRUE(session);
  (*session)->setNegotiated("2025-11-25", {});
  Request req = post(testing::rpc(1, "tools/call"));
  req.set("Mcp-Session-Id", (*session)->id());
  const Plan p = run(req);
  ASSERT_TRUE(std::holds_alternative<PostPlan>(p));
  EXPECT_TRUE(std::get<PostPlan>(p).resumable);
  EXPECT_FALSE(std::get<PostPlan>(p).cancel_on_disconnect) << "legacy: disconnect is not cancel";
}

TEST_F(HandlerTest, OldNegotiatedVersionGetsNoPrimingEvent) {
  // Clients before 2025-11-25 cannot parse an empty-data event: no priming, no resumption.
  auto session = sessions->create(auth::Principal{.iss = "test", .sub = "anonymous",
                                                  .client_id = "", .scopes = {}},
                                  std::chrono::steady_clock::now());
  ASSERT_TRUE(session);
  (*session)->setNegotiated("2025-06-18", {});
  Request req = post(testing::rpc(1, "tools/call"));
  req.set("Mcp-Session-Id", (*session)->id());
  const Plan p = run(req);
  ASSERT_TRUE(std::holds_alternative<PostPlan>(p));
  EXPECT_FALSE(std::get<PostPlan>(p).resumable);
}

TEST_F(HandlerTest, SessionIdWithControlCharactersIs404) {
  Request req = post(testing::rpc(1, "ping"));
  req.set("Mcp-Session-Id", std::string(300, 'a'));
  EXPECT_EQ(status(run(req)), 404u);
}

TEST_F(HandlerTest, RespondMaps202AndSessionHeader) {
  const Request req = post("{}");
  mcp::DispatchResult accepted;
  Response res = handler.respond(req, accepted);
  EXPECT_EQ(res.result_int(), 202u);
  EXPECT_TRUE(res.body().empty());
  mcp::DispatchResult created;
  created.response = json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"result", json::object{}}};
  created.created_session = std::make_shared<mcp::Session>("sid-1", auth::Principal{});
  res = handler.respond(req, created);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res["Mcp-Session-Id"], "sid-1");
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  mcp::DispatchResult notfound;
  notfound.http_status = 404;
  notfound.response = json::object{{"jsonrpc", "2.0"}, {"id", 1}};
  EXPECT_EQ(handler.respond(req, notfound).result_int(), 404u);
}

TEST_F(HandlerTest, InvalidLastEventIdIs400) {
  auto session = sessions->create(auth::Principal{.iss = "test", .sub = "anonymous",
                                                  .client_id = "", .scopes = {}},
                                  std::chrono::steady_clock::now());
  ASSERT_TRUE(session);
  Request req{http::verb::get, "/mcp", 11};
  req.set(http::field::host, "127.0.0.1:8080");
  req.set(http::field::accept, "text/event-stream");
  req.set("Mcp-Session-Id", (*session)->id());
  req.set("Last-Event-ID", "garbage");
  EXPECT_EQ(status(run(req)), 400u);
  req.set("Last-Event-ID", "unknownstream-3");
  const Plan p = run(req);
  ASSERT_TRUE(std::holds_alternative<GetPlan>(p));
  EXPECT_FALSE(std::get<GetPlan>(p).resume) << "an unknown stream resumes nothing";
}

TEST_F(HandlerTest, InsufficientScopeBecomes403WithTheAuthenticatorsChallenge) {
  // The dispatcher names the scopes; the transport answers with the resource server's 403.
  const Request req = post("{}");
  mcp::DispatchResult refused;
  refused.response = json::object{{"jsonrpc", "2.0"}, {"id", 1},
                                  {"error", json::object{{"code", -32003}, {"message", "x"}}}};
  refused.insufficient_scope = {"files:read", "files:write"};
  const Response res = handler.respond(req, refused);
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(res[http::field::www_authenticate],
            "Bearer error=\"insufficient_scope\", scope=\"files:read files:write\"");
  EXPECT_EQ(json::parse(res.body()).at("error").at("code"), -32003);
}

class RouteHandlerTest : public ::testing::Test {
 protected:
  RouteHandlerTest()
      : sessions(std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom())),
        dispatcher(std::make_shared<ScriptedDispatcher>(sessions)),
        routes(std::make_shared<testing::EchoRoutes>()),
        handler(makeOptions(routes), dispatcher, sessions, std::make_shared<TableAuthenticator>(),
                std::make_shared<StreamRegistry>()) {}

  static HandlerOptions makeOptions(std::shared_ptr<web::Routes> r) {
    HandlerOptions o;
    o.allowed_hosts = loopbackHosts(8080);
    o.allowed_origins = {"https://app.example"};
    o.routes = {std::move(r)};
    o.route_max_body = 100;
    return o;
  }
  static Request request(http::verb verb, std::string target, std::string body = {}) {
    Request req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:8080");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }
  // The response: preflight's refusal, or the route's answer.
  Response run(const Request& req) {
    Preflight pre = handler.preflight(req, "10.1.2.3");
    if (auto* res = std::get_if<Response>(&pre)) {
      return std::move(*res);
    }
    EXPECT_TRUE(std::holds_alternative<RouteAdmitted>(pre));
    return handler.handleRoute(req, std::get<RouteAdmitted>(pre), "10.1.2.3");
  }

  std::shared_ptr<mcp::SessionStore> sessions;
  std::shared_ptr<ScriptedDispatcher> dispatcher;
  std::shared_ptr<testing::EchoRoutes> routes;
  HttpHandler handler;
};

TEST_F(RouteHandlerTest, RouteSeesLowerCaseHeadersBodyRemoteAndTls) {
  // The Beast request becomes a web::Request: names lower-case, values verbatim.
  Request req = request(http::verb::post, "/web/echo?x=1", "a=b");
  req.set("X-Mixed-Case", "Value");
  const Response res = run(req);
  ASSERT_EQ(res.result_int(), 200u);
  const json::object seen = json::parse(res.body()).as_object();
  EXPECT_EQ(seen.at("method"), "POST");
  EXPECT_EQ(seen.at("target"), "/web/echo?x=1");
  EXPECT_EQ(seen.at("headers").at("x-mixed-case"), "Value");
  EXPECT_EQ(seen.at("body"), "a=b");
  EXPECT_EQ(seen.at("remote"), "10.1.2.3");
  EXPECT_EQ(seen.at("tls"), false);
  EXPECT_EQ(dispatcher->handled.load(), 0);
}

TEST_F(RouteHandlerTest, CommonSecurityHeadersAreAdded) {
  // nosniff, no-referrer, and no-store unless the route chose its own caching.
  const Response res = run(request(http::verb::get, "/web/echo"));
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(res[http::field::cache_control], "no-store");
  const Response cached = run(request(http::verb::get, "/web/cached"));
  EXPECT_EQ(cached[http::field::cache_control], "public, max-age=60");
  EXPECT_EQ(cached.count(http::field::set_cookie), 2u) << "repeated headers survive";
}

TEST_F(RouteHandlerTest, DnsRebindingHostIsForbiddenOnRoutes) {
  // Routes sit behind the same Host check as the MCP endpoint.
  Request req = request(http::verb::get, "/web/echo");
  req.set(http::field::host, "evil.example.com");
  EXPECT_EQ(run(req).result_int(), 403u);
  EXPECT_EQ(routes->handled.load(), 0);
}

TEST_F(RouteHandlerTest, CrossSiteFormPostIsForbiddenButMetadataGetIsPublic) {
  // State-changing requests need the same or an allowed origin; a read of metadata does not.
  Request evil_post = request(http::verb::post, "/web/echo", "x=1");
  evil_post.set(http::field::origin, "https://evil.example");
  EXPECT_EQ(run(evil_post).result_int(), 403u);
  Request allowed_post = request(http::verb::post, "/web/echo", "x=1");
  allowed_post.set(http::field::origin, "https://app.example");
  EXPECT_EQ(run(allowed_post).result_int(), 200u);
  Request same_origin = request(http::verb::post, "/web/echo", "x=1");
  same_origin.set(http::field::origin, "http://127.0.0.1:8080");
  EXPECT_EQ(run(same_origin).result_int(), 200u);
  Request evil_get = request(http::verb::get, "/web/echo");
  evil_get.set(http::field::origin, "https://evil.example");
  EXPECT_EQ(run(evil_get).result_int(), 200u);
  EXPECT_EQ(routes->handled.load(), 3);
}

TEST_F(RouteHandlerTest, RouteBodyOverItsOwnCapIs413BeforeReading) {
  // Routes have a much smaller cap than MCP bodies.
  RequestHeader header = request(http::verb::post, "/web/echo");
  header.set(http::field::content_length, "101");
  const Preflight pre = handler.preflight(header, "127.0.0.1");
  ASSERT_TRUE(std::holds_alternative<Response>(pre));
  EXPECT_EQ(std::get<Response>(pre).result_int(), 413u);
  EXPECT_FALSE(std::get<Response>(pre).keep_alive());
}

TEST_F(RouteHandlerTest, ThrowingRouteIsGeneric500) {
  // The exception's text stays on the server.
  const Response res = run(request(http::verb::get, "/web/throw"));
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_EQ(res.body().find("internal detail"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(RouteHandlerTest, UnservedPathIs404AndEndpointIsNotARoute) {
  // Only the paths a Routes claims reach it; /mcp still goes to the MCP handler.
  EXPECT_EQ(run(request(http::verb::get, "/web/other")).result_int(), 404u);
  Request mcp = request(http::verb::get, "/mcp");
  mcp.set(http::field::accept, "text/event-stream");
  const Preflight pre = handler.preflight(mcp, "127.0.0.1");
  EXPECT_TRUE(std::holds_alternative<Admitted>(pre));
}

}  // namespace
}  // namespace bastion::transport
