// The Streamable HTTP transport over real loopback sockets, against a scripted Dispatcher.
// Waits are bounded (poll deadlines); timeouts are configured short so each test is quick.

#include <gtest/gtest.h>

#include "http_test_support.h"

namespace bastion::transport::testing {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.start()) << h.error; }

  // Runs initialize and returns the session id.
  std::string initialize(const std::string& extra = "") {
    TestClient c(h.port());
    c.send(post(h.host(), initializeBody(), extra));
    auto res = c.read();
    EXPECT_TRUE(res);
    if (!res) {
      return {};
    }
    EXPECT_EQ(res->result_int(), 200u);
    return std::string((*res)["Mcp-Session-Id"]);
  }

  ServerHarness h;
};

TEST_F(HttpServerTest, InitializeAnswersJsonWithSessionIdAndSecurityHeaders) {
  // A non-blocking request is answered inline as JSON; initialize's session id is sent back.
  TestClient c(h.port());
  c.send(post(h.host(), initializeBody()));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ((*res)[http::field::content_type], "application/json");
  EXPECT_EQ((*res)["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ((*res)[http::field::cache_control], "no-store");
  EXPECT_GE((*res)["Mcp-Session-Id"].size(), 40u);
  EXPECT_EQ(json::parse(res->body()).at("result").at("protocolVersion"), "2025-11-25");
}

TEST_F(HttpServerTest, DnsRebindingForeignHostIsForbidden) {
  // A page on evil.example resolving to 127.0.0.1 still sends its own Host: refused with 403.
  TestClient c(h.port());
  c.send(post("evil.example.com", initializeBody()));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 403u);
  EXPECT_EQ(h.dispatcher->handled.load(), 0);
}

TEST_F(HttpServerTest, DnsRebindingForeignOriginIsForbidden) {
  // The right Host with a foreign Origin (a browser page elsewhere) is refused with 403.
  TestClient c(h.port());
  c.send(post(h.host(), initializeBody(), "Origin: http://evil.example.com\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 403u);
  EXPECT_EQ(h.dispatcher->handled.load(), 0);
}

TEST_F(HttpServerTest, DnsRebindingOriginNullIsForbidden) {
  // Sandboxed frames send "Origin: null"; it is not an allowed origin.
  TestClient c(h.port());
  c.send(post(h.host(), initializeBody(), "Origin: null\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 403u);
}

TEST_F(HttpServerTest, LoopbackHostAndOriginAreAccepted) {
  // localhost:<port> as Host and Origin, as the conformance suite sends them, is served.
  const std::string host = "localhost:" + std::to_string(h.port());
  TestClient c(h.port());
  c.send(post(host, initializeBody(), "Origin: http://" + host + "\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
}

TEST_F(HttpServerTest, HostWithOtherPortIsForbidden) {
  // The loopback defaults carry the bound port: localhost on another port is someone else.
  TestClient c(h.port());
  c.send(post("localhost:1", initializeBody()));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 403u);
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  // A body over max_body is refused with 413 and never reaches the dispatcher.
  const std::string big(h.options.max_body + 1, ' ');
  TestClient c(h.port());
  c.send(post(h.host(), big));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_EQ(h.dispatcher->handled.load(), 0);
}

TEST_F(HttpServerTest, HundredMegabyteContentLengthIsRefusedWithoutReadingIt) {
  // Only the header is sent: the 413 must come back (and the connection close) at once.
  TestClient c(h.port());
  c.send("POST /mcp HTTP/1.1\r\nHost: " + h.host() +
         "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
         "Content-Length: 104857600\r\n\r\n");
  auto res = c.read(1s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_TRUE(c.closedByPeer(1s));
}

TEST(HttpServerLimits, ChunkedBodyOverLimitIs413) {
  // Without Content-Length the parser's body limit still applies to the chunks as they come.
  ServerHarness h([](HttpServerOptions& o) { o.max_body = 64 * 1024; });
  ASSERT_TRUE(h.start()) << h.error;
  TestClient c(h.port());
  c.send("POST /mcp HTTP/1.1\r\nHost: " + h.host() +
         "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
         "Transfer-Encoding: chunked\r\n\r\n");
  const std::string chunk(16 * 1024, 'x');
  for (int i = 0; i < 8; ++i) {
    if (!c.send("4000\r\n" + chunk + "\r\n")) {
      break;
    }
  }
  auto res = c.read(2s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_EQ(h.dispatcher->handled.load(), 0);
}

TEST_F(HttpServerTest, WrongContentTypeIs415) {
  // text/plain bodies are refused before parsing.
  TestClient c(h.port());
  std::string req = post(h.host(), rpc(1, "ping"));
  req.replace(req.find("application/json\r\nAccept"), 16, "text/plain");
  c.send(req);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 415u);
}

TEST_F(HttpServerTest, CharsetOtherThanUtf8Is415) {
  // A Latin-1 body would be misread as UTF-8 JSON.
  TestClient c(h.port());
  std::string req = post(h.host(), rpc(1, "ping"));
  req.replace(req.find("application/json\r\nAccept"), 16, "application/json; charset=latin1");
  c.send(req);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 415u);
}

TEST_F(HttpServerTest, AcceptWithoutEventStreamIs406) {
  // POST must accept both JSON and SSE.
  TestClient c(h.port());
  std::string req = post(h.host(), rpc(1, "ping"));
  req.replace(req.find("application/json, text/event-stream"), 35, "application/json");
  c.send(req);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 406u);
}

TEST_F(HttpServerTest, GetWithoutEventStreamAcceptIs406) {
  const std::string sid = initialize();
  TestClient c(h.port());
  c.send("GET /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\nAccept: application/json\r\nMcp-Session-Id: " +
         sid + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 406u);
}

TEST_F(HttpServerTest, OtherMethodsAre405WithAllow) {
  TestClient c(h.port());
  c.send("OPTIONS /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405u);
  EXPECT_EQ((*res)[http::field::allow], "GET, POST, DELETE");
}

TEST_F(HttpServerTest, ModernGetAndDeleteAre405) {
  // 2026-07-28 has no GET stream and no sessions to delete.
  for (const char* method : {"GET", "DELETE"}) {
    TestClient c(h.port());
    c.send(std::string(method) + " /mcp HTTP/1.1\r\nHost: " + h.host() +
           "\r\nAccept: text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n\r\n");
    auto res = c.read();
    ASSERT_TRUE(res) << method;
    EXPECT_EQ(res->result_int(), 405u) << method;
  }
}

TEST_F(HttpServerTest, GetWithoutSessionIs405) {
  TestClient c(h.port());
  c.send("GET /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\nAccept: text/event-stream\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405u);
}

TEST_F(HttpServerTest, OtherPathIs404) {
  TestClient c(h.port());
  c.send("GET /other HTTP/1.1\r\nHost: " + h.host() + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 404u);
}

TEST_F(HttpServerTest, MalformedJsonIs400WithParseError) {
  TestClient c(h.port());
  c.send(post(h.host(), "{not json"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400u);
  EXPECT_EQ(json::parse(res->body()).at("error").at("code"), -32700);
}

TEST_F(HttpServerTest, NotificationIs202WithoutBody) {
  TestClient c(h.port());
  c.send(post(h.host(), R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 202u);
  EXPECT_TRUE(res->body().empty());
}

TEST_F(HttpServerTest, UnknownSessionIs404) {
  TestClient c(h.port());
  c.send(post(h.host(), rpc(1, "ping"), "Mcp-Session-Id: no-such-session\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 404u);
}

TEST_F(HttpServerTest, SessionHijackByAnotherPrincipalIs404) {
  // Alice's session id presented by Bob is treated as unknown: sessions are not credentials.
  const std::string sid = initialize("Authorization: Bearer alice\r\n");
  ASSERT_FALSE(sid.empty());
  TestClient c(h.port());
  c.send(post(h.host(), rpc(1, "ping"),
              "Authorization: Bearer bob\r\nMcp-Session-Id: " + sid + "\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 404u);
  TestClient owner(h.port());
  owner.send(post(h.host(), rpc(2, "ping"),
                  "Authorization: Bearer alice\r\nMcp-Session-Id: " + sid + "\r\n"));
  auto ok = owner.read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result_int(), 200u);
}

TEST_F(HttpServerTest, AuthenticationRunsOnEveryRoute) {
  // A refused token gets the challenge on POST, GET and DELETE alike, before anything else.
  for (const char* method : {"POST", "GET", "DELETE"}) {
    TestClient c(h.port());
    c.send(std::string(method) + " /mcp HTTP/1.1\r\nHost: " + h.host() +
           "\r\nAuthorization: Bearer bad\r\nAccept: application/json, text/event-stream\r\n"
           "Content-Type: application/json\r\nMcp-Session-Id: x\r\nContent-Length: 2\r\n\r\n{}");
    auto res = c.read();
    ASSERT_TRUE(res) << method;
    EXPECT_EQ(res->result_int(), 401u) << method;
    EXPECT_EQ((*res)[http::field::www_authenticate],
              "Bearer realm=\"test\", error=\"invalid_token\"");
  }
  EXPECT_EQ(h.dispatcher->handled.load(), 0);
}

TEST_F(HttpServerTest, DeleteEndsSessionThenItIs404) {
  const std::string sid = initialize();
  TestClient c(h.port());
  c.send("DELETE /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\nMcp-Session-Id: " + sid + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  c.send(post(h.host(), rpc(1, "ping"), "Mcp-Session-Id: " + sid + "\r\n"));
  auto again = c.read();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result_int(), 404u);
}

TEST_F(HttpServerTest, KeepAliveReusesOneConnection) {
  // Several requests, one socket: the connection stays open between them.
  TestClient c(h.port());
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(c.send(post(h.host(), rpc(i, "ping"))));
    auto res = c.read();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(json::parse(res->body()).at("id"), i);
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  TestClient c(h.port());
  c.send(post(h.host(), rpc(1, "ping")) + post(h.host(), rpc(2, "ping")));
  auto first = c.read();
  auto second = c.read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(json::parse(first->body()).at("id"), 1);
  EXPECT_EQ(json::parse(second->body()).at("id"), 2);
}

TEST_F(HttpServerTest, SlowlorisTrickledHeadersAreCutOffByTimeout) {
  // A client sending one header byte at a time never completes within header_timeout.
  TestClient c(h.port());
  const std::string head = "POST /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\nX-Slow: ";
  c.send(head);
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    c.send("a");
    closed = c.closedByPeer(50ms);
  }
  EXPECT_TRUE(closed || c.closedByPeer(1s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(HttpServerTest, IdleConnectionWithoutRequestIsClosed) {
  // A connection that never sends anything is closed after the header timeout.
  TestClient c(h.port());
  EXPECT_TRUE(c.closedByPeer(2s));
}

TEST_F(HttpServerTest, QuickBlockingCallIsAnsweredAsJson) {
  // A tool that finishes before sse_delay without notifications gets a plain JSON answer.
  h.dispatcher->on_call = [](mcp::Inbound& in) {
    mcp::DispatchResult r;
    r.response = ScriptedDispatcher::reply(in.message.at("id"), json::object{{"v", 1}});
    return r;
  };
  const std::string sid = initialize();
  TestClient c(h.port());
  c.send(post(h.host(), rpc(7, "tools/call"), "Mcp-Session-Id: " + sid + "\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[http::field::content_type], "application/json");
  EXPECT_EQ(json::parse(res->body()).at("result").at("v"), 1);
}

TEST_F(HttpServerTest, BlockingCallErrorStatusIsKept) {
  // A dispatcher verdict like 400 (modern header mismatch) keeps its status on a blocking call.
  h.dispatcher->on_call = [](mcp::Inbound& in) {
    mcp::DispatchResult r;
    r.http_status = 400;
    r.response = json::object{{"jsonrpc", "2.0"}, {"id", in.message.at("id")},
                              {"error", json::object{{"code", -32020}, {"message", "mismatch"}}}};
    return r;
  };
  TestClient c(h.port());
  c.send(post(h.host(), rpc(3, "tools/call"), "MCP-Protocol-Version: 2026-07-28\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400u);
}

TEST_F(HttpServerTest, NotificationsStreamAsSseWithPrimingEventAndRetry) {
  // Progress then the result: SSE with a priming event (id, retry, empty data) first.
  h.dispatcher->on_call = [](mcp::Inbound& in) {
    in.out->send(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/progress"}});
    mcp::DispatchResult r;
    r.response = ScriptedDispatcher::reply(in.message.at("id"), json::object{{"done", true}});
    return r;
  };
  const std::string sid = initialize();
  TestClient c(h.port());
  c.send(post(h.host(), rpc(9, "tools/call"), "Mcp-Session-Id: " + sid + "\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[http::field::content_type], "text/event-stream");
  EXPECT_EQ((*res)["X-Accel-Buffering"], "no");
  EXPECT_EQ((*res)[http::field::cache_control], "no-cache");
  const std::string& body = res->body();
  const auto priming = body.find("retry: 1000\ndata: \n\n");
  const auto progress = body.find("notifications/progress");
  const auto result = body.find(R"("done":true)");
  ASSERT_NE(priming, std::string::npos) << body;
  EXPECT_EQ(body.rfind("id: ", priming), 0u) << "priming event comes first";
  EXPECT_LT(priming, progress);
  EXPECT_LT(progress, result);
  // The connection is kept alive after the stream ends.
  c.send(post(h.host(), rpc(10, "ping")));
  EXPECT_TRUE(c.read());
}

TEST_F(HttpServerTest, LastEventIdReplaysOnlyThatStreamsEvents) {
  // Two closed streams in one session; resuming A yields A's later events and result only.
  // The latches are shared with the calls: call B may still be waking up in its latch when the
  // test body ends (a stack latch then aborted inside pthread once, on a loaded CI-like run).
  auto a_closed = std::make_shared<Latch>();
  auto b_closed = std::make_shared<Latch>();
  h.dispatcher->on_call = [a_closed, b_closed](mcp::Inbound& in) {
    const std::string tag(in.message.at("params").at("tag").as_string());
    in.out->send(json::object{{"jsonrpc", "2.0"}, {"method", "before-" + tag}});
    in.out->closeStream();
    (tag == "A" ? *a_closed : *b_closed).waitFor(2s);
    in.out->send(json::object{{"jsonrpc", "2.0"}, {"method", "after-" + tag}});
    mcp::DispatchResult r;
    r.response = ScriptedDispatcher::reply(in.message.at("id"), json::object{{"tag", tag}});
    return r;
  };
  const std::string sid = initialize();
  const std::string session = "Mcp-Session-Id: " + sid + "\r\n";
  TestClient a(h.port()), b(h.port());
  a.send(post(h.host(), rpc(1, "tools/call", R"({"tag":"A"})"), session));
  b.send(post(h.host(), rpc(2, "tools/call", R"({"tag":"B"})"), session));
  auto ra = a.read();
  auto rb = b.read();
  ASSERT_TRUE(ra && rb);
  a_closed->open();
  b_closed->open();
  // The last id A's client saw: the event carrying before-A.
  const std::string& body = ra->body();
  const auto before = body.find("before-A");
  ASSERT_NE(before, std::string::npos) << body;
  const auto id_at = body.rfind("id: ", before) + 4;
  const std::string last_id = body.substr(id_at, body.find('\n', id_at) - id_at);
  EXPECT_EQ(rb->body().find(last_id.substr(0, last_id.rfind('-'))), std::string::npos)
      << "stream ids differ";
  TestClient g(h.port());
  g.send("GET /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\nAccept: text/event-stream\r\n" + session +
         "Last-Event-ID: " + last_id + "\r\n\r\n");
  auto resumed = g.read(3s);
  ASSERT_TRUE(resumed);
  const std::string& replay = resumed->body();
  EXPECT_NE(replay.find("after-A"), std::string::npos) << replay;
  EXPECT_NE(replay.find(R"("tag":"A")"), std::string::npos) << replay;
  EXPECT_EQ(replay.find("before-A"), std::string::npos) << replay;
  EXPECT_EQ(replay.find("-B"), std::string::npos) << replay;
  EXPECT_EQ(replay.find(R"("tag":"B")"), std::string::npos) << replay;
}

TEST_F(HttpServerTest, LastEventIdFromAnotherSessionReplaysNothing) {
  // An event id learned in session S1 presented in session S2 finds no stream there.
  h.dispatcher->on_call = [&](mcp::Inbound& in) {
    in.out->closeStream();
    in.out->send(json::object{{"jsonrpc", "2.0"}, {"method", "secret-of-s1"}});
    mcp::DispatchResult r;
    r.response = ScriptedDispatcher::reply(in.message.at("id"), json::object{});
    return r;
  };
  const std::string s1 = initialize();
  const std::string s2 = initialize();
  TestClient a(h.port());
  a.send(post(h.host(), rpc(1, "tools/call"), "Mcp-Session-Id: " + s1 + "\r\n"));
  auto ra = a.read();
  ASSERT_TRUE(ra);
  const auto id_at = ra->body().find("id: ") + 4;
  const std::string priming_id = ra->body().substr(id_at, ra->body().find('\n', id_at) - id_at);
  TestClient g(h.port());
  g.send("GET /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\nAccept: text/event-stream\r\n"
         "Mcp-Session-Id: " + s2 + "\r\nLast-Event-ID: " + priming_id + "\r\n\r\n");
  auto got = g.read(500ms, [](const Response& r) { return r.body().find("secret") != std::string::npos; });
  if (got) {
    EXPECT_EQ(got->body().find("secret-of-s1"), std::string::npos);
  }
}

TEST_F(HttpServerTest, StandaloneGetStreamCarriesSessionNotifications) {
  // GET opens the session's standalone stream; a notification sent to it arrives as an event.
  const std::string sid = initialize();
  TestClient g(h.port());
  g.send("GET /mcp HTTP/1.1\r\nHost: " + h.host() + "\r\nAccept: text/event-stream\r\n"
         "Mcp-Session-Id: " + sid + "\r\n\r\n");
  auto primed = g.read(2s, [](const Response& r) { return r.body().find("retry:") != std::string::npos; });
  ASSERT_TRUE(primed);
  auto session = h.sessions->find(sid, auth::Principal{.iss = "test", .sub = "anonymous", .client_id = "", .scopes = {}},
                                  std::chrono::steady_clock::now());
  ASSERT_TRUE(session && session->standaloneStream());
  session->standaloneStream()->send(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}});
  auto got = g.read(2s, [](const Response& r) {
    return r.body().find("list_changed") != std::string::npos;
  });
  EXPECT_TRUE(got);
}

TEST_F(HttpServerTest, ClientThatStopsReadingIsDroppedAndMemoryStaysBounded) {
  // A tool floods notifications at a client that never reads: send() turns false after a
  // bounded amount, the connection is dropped, and the server keeps serving others.
  std::atomic<std::size_t> sent_bytes{0};
  std::atomic<bool> refused{false};
  h.dispatcher->on_call = [&](mcp::Inbound& in) {
    const std::string blob(64 * 1024, 'x');
    for (int i = 0; i < 4096; ++i) {
      if (!in.out->send(json::object{{"jsonrpc", "2.0"}, {"method", "m"}, {"params", blob}})) {
        refused = true;
        break;
      }
      sent_bytes += blob.size();
    }
    mcp::DispatchResult r;
    r.response = ScriptedDispatcher::reply(in.message.at("id"), json::object{});
    return r;
  };
  TestClient slow(h.port());
  slow.shrinkReceiveBuffer();
  // Modern era: the stream is not resumable, so its queue is the only buffer.
  slow.send(post(h.host(), rpc(1, "tools/call"), "MCP-Protocol-Version: 2026-07-28\r\n"));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);  // real-network test: bounded wait for the tool thread
  }
  EXPECT_TRUE(refused.load());
  EXPECT_LT(sent_bytes.load(), std::size_t{64} << 20);
  TestClient other(h.port());
  other.send(post(h.host(), rpc(2, "ping")));
  EXPECT_TRUE(other.read());
}

TEST_F(HttpServerTest, ModernDisconnectCancelsTheCall) {
  // 2026-07-28: closing the response stream is the cancellation signal.
  std::atomic<bool> saw_cancel{false};
  Latch started;
  h.dispatcher->on_call = [&](mcp::Inbound& in) {
    in.out->send(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/progress"}});
    started.open();
    for (int i = 0; i < 300 && !in.cancelled->load(); ++i) {
      std::this_thread::sleep_for(10ms);
      in.out->send(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/progress"}});
    }
    saw_cancel = in.cancelled->load();
    mcp::DispatchResult r;
    r.response = ScriptedDispatcher::reply(in.message.at("id"), json::object{});
    return r;
  };
  {
    TestClient c(h.port());
    c.send(post(h.host(), rpc(1, "tools/call"), "MCP-Protocol-Version: 2026-07-28\r\n"));
    ASSERT_TRUE(started.waitFor(2s));
    ASSERT_TRUE(c.read(2s, [](const Response& r) { return !r.body().empty(); }));
  }
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!saw_cancel && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(saw_cancel.load());
}

TEST(HttpServerShutdown, GracefulShutdownFinishesInFlightCall) {
  // stop() during a 300 ms tool call: the client still gets the result, then run() returns.
  ServerHarness h;
  Latch started;
  h.dispatcher->on_call = [&](mcp::Inbound& in) {
    started.open();
    std::this_thread::sleep_for(300ms);
    mcp::DispatchResult r;
    r.response = ScriptedDispatcher::reply(in.message.at("id"), json::object{{"finished", true}});
    return r;
  };
  ASSERT_TRUE(h.start()) << h.error;
  TestClient idle(h.port());
  TestClient c(h.port());
  c.send(post(h.host(), rpc(1, "tools/call"), "MCP-Protocol-Version: 2026-07-28\r\n"));
  ASSERT_TRUE(started.waitFor(2s));
  h.server->stop();
  EXPECT_TRUE(idle.closedByPeer(1s)) << "idle connections close at once";
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_NE(res->body().find(R"("finished":true)"), std::string::npos);
  h.thread.join();
  EXPECT_TRUE(h.finished.load());
  TestClient late(h.port());
  EXPECT_FALSE(late.connected()) << "no longer accepting";
}

TEST(HttpServerShutdown, ShutdownDeadlineClosesStuckCalls) {
  // A call that outlives shutdown_timeout is cut off and asked to cancel; run() still returns.
  ServerHarness h([](HttpServerOptions& o) { o.shutdown_timeout = 200ms; });
  Latch started, release;
  std::atomic<bool> cancelled{false};
  h.dispatcher->on_call = [&](mcp::Inbound& in) {
    started.open();
    for (int i = 0; i < 200 && !in.cancelled->load(); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    cancelled = in.cancelled->load();
    return mcp::DispatchResult{};
  };
  ASSERT_TRUE(h.start()) << h.error;
  TestClient c(h.port());
  c.send(post(h.host(), rpc(1, "tools/call"), "MCP-Protocol-Version: 2026-07-28\r\n"));
  ASSERT_TRUE(started.waitFor(2s));
  const auto begin = std::chrono::steady_clock::now();
  h.server->stop();
  h.thread.join();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
  EXPECT_TRUE(cancelled.load());
}

TEST(HttpServerCreate, RefusesBadEndpointAndBusyPort) {
  ServerHarness a;
  ASSERT_TRUE(a.start()) << a.error;
  ServerHarness b([&](HttpServerOptions& o) { o.port = a.port(); });
  EXPECT_FALSE(b.start());
  EXPECT_NE(b.error.find("cannot listen on 127.0.0.1:"), std::string::npos) << b.error;
  ServerHarness c([](HttpServerOptions& o) { o.endpoint = "mcp"; });
  EXPECT_FALSE(c.start());
}

}  // namespace
}  // namespace bastion::transport::testing

namespace bastion::transport::testing {
namespace {

TEST(HttpServerLimits, ConnectionFloodBeyondTheBoundIsClosed) {
  // With max_connections = 2, a third simultaneous connection is accepted and closed at once,
  // and the first two keep working.
  ServerHarness h([](HttpServerOptions& o) { o.max_connections = 2; });
  ASSERT_TRUE(h.start()) << h.error;
  TestClient a(h.port()), b(h.port());
  a.send(post(h.host(), rpc(1, "ping")));
  b.send(post(h.host(), rpc(2, "ping")));
  ASSERT_TRUE(a.read() && b.read());
  TestClient c(h.port());
  EXPECT_TRUE(c.closedByPeer(1s));
  a.send(post(h.host(), rpc(3, "ping")));
  EXPECT_TRUE(a.read());
}

}  // namespace
}  // namespace bastion::transport::testing

namespace bastion::transport::testing {
namespace {

class HttpRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes = std::make_shared<EchoRoutes>();
    h.emplace([this](HttpServerOptions& o) {
      o.routes = {routes};
      o.route_max_body = 1024;
    });
    ASSERT_TRUE(h->start()) << h->error;
  }
  std::shared_ptr<EchoRoutes> routes;
  std::optional<ServerHarness> h;
};

TEST_F(HttpRoutesTest, RouteIsServedOnAWorkerBesideTheEndpoint) {
  // A GET for a route path reaches the route off the I/O threads; keep-alive continues to /mcp.
  TestClient c(h->port());
  c.send("GET /web/echo?q=1 HTTP/1.1\r\nHost: " + h->host() + "\r\nX-Test: Yes\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  const json::object seen = json::parse(res->body()).as_object();
  EXPECT_EQ(seen.at("headers").at("x-test"), "Yes");
  EXPECT_EQ(seen.at("remote"), "127.0.0.1");
  EXPECT_EQ((*res)["Referrer-Policy"], "no-referrer");
  {
    std::lock_guard lock(routes->mu);
    EXPECT_NE(routes->thread, std::this_thread::get_id());
  }
  c.send(post(h->host(), rpc(1, "ping")));
  auto ping = c.read();
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->result_int(), 200u);
  EXPECT_EQ(h->dispatcher->handled.load(), 1);
  EXPECT_EQ(h->authenticator->calls.load(), 1) << "routes do not run MCP authentication";
}

TEST_F(HttpRoutesTest, ChunkedRouteBodyOverItsCapIs413) {
  // Without Content-Length the route cap still applies while the chunks arrive.
  TestClient c(h->port());
  const std::string chunk(2000, 'a');
  c.send("POST /web/echo HTTP/1.1\r\nHost: " + h->host() +
         "\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + chunk + "\r\n0\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_EQ(routes->handled.load(), 0);
}

TEST_F(HttpRoutesTest, ThrowingRouteAnswers500AndServerLivesOn) {
  // A route's exception ends that request only.
  TestClient c(h->port());
  c.send("GET /web/throw HTTP/1.1\r\nHost: " + h->host() + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 500u);
  TestClient d(h->port());
  d.send("GET /web/echo HTTP/1.1\r\nHost: " + h->host() + "\r\n\r\n");
  auto ok = d.read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result_int(), 200u);
}

}  // namespace
}  // namespace bastion::transport::testing
