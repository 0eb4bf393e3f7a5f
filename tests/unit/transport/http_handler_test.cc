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

}  // namespace
}  // namespace bastion::transport
