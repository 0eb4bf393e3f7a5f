// Legacy era (2025-11-25 and earlier): initialize, sessions, ping, logging, subscriptions,
// server-to-client requests, progress and cancellation.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mcp/jsonrpc.h"
#include "unit/mcp/test_server.h"

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

json::value initializeRequest(std::string_view version, json::object caps = {}) {
  return request(1, "initialize",
                 {{"protocolVersion", version},
                  {"capabilities", std::move(caps)},
                  {"clientInfo", {{"name", "c"}, {"version", "1"}}}});
}

TEST(LegacyEra, InitializeNegotiatesRequestedVersion) {
  // Each supported legacy version is echoed back.
  for (auto v : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    Harness h;
    auto session = std::make_shared<Session>("s", alice());
    auto r = h.legacy(session, initializeRequest(v));
    EXPECT_EQ(resultOf(r).at("protocolVersion"), v);
    EXPECT_EQ(session->protocolVersion(), v);
  }
}

TEST(LegacyEra, UnknownVersionGetsOurLatest) {
  // A version we do not speak is answered with the newest legacy version.
  Harness h;
  auto r = h.legacy(std::make_shared<Session>("s", alice()), initializeRequest("1999-01-01"));
  EXPECT_EQ(resultOf(r).at("protocolVersion"), "2025-11-25");
}

TEST(LegacyEra, InitializeAdvertisesCapabilitiesAndIdentity) {
  // Capabilities, serverInfo and instructions as the spec shapes them.
  Harness h;
  auto r = h.legacy(std::make_shared<Session>("s", alice()), initializeRequest("2025-11-25"));
  const auto& res = resultOf(r);
  const auto& caps = res.at("capabilities").as_object();
  EXPECT_EQ(caps.at("tools").at("listChanged"), false);
  EXPECT_EQ(caps.at("resources").at("subscribe"), true);
  EXPECT_TRUE(caps.contains("prompts"));
  EXPECT_TRUE(caps.contains("logging"));
  EXPECT_TRUE(caps.contains("completions"));
  EXPECT_EQ(res.at("serverInfo").at("name"), "test");
  EXPECT_EQ(res.at("serverInfo").at("version"), "1.0");
  EXPECT_EQ(res.at("instructions"), "Be nice");
}

TEST(LegacyEra, HttpInitializeCreatesSessionForPrincipal) {
  // Over HTTP, initialize creates a session in the store bound to the caller.
  Harness h;
  auto r = h.legacy(nullptr, initializeRequest("2025-11-25"), TransportKind::Http);
  ASSERT_TRUE(r.created_session);
  EXPECT_EQ(h.sessions->size(), 1U);
  EXPECT_TRUE(r.created_session->negotiated());
  EXPECT_NE(h.sessions->find(r.created_session->id(), alice(), std::chrono::steady_clock::now()),
            nullptr);
}

TEST(LegacyEra, RequestWithoutSessionIsBadRequest) {
  // No session and no modern _meta: refused with HTTP 400 before any method runs.
  Harness h;
  auto r = h.legacy(nullptr, request(2, "tools/list"), TransportKind::Http);
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
  EXPECT_EQ(r.http_status, 400);
}

TEST(LegacyEra, RequestBeforeInitializeIsRefused) {
  // stdio: tools/list before initialize gets an error, not tools.
  Harness h;
  auto r = h.legacy(std::make_shared<Session>("s", alice()), request(2, "tools/list"));
  EXPECT_NE(errorCode(r), 0);
}

TEST(LegacyEra, SecondInitializeOnStdioIsRefused) {
  // A negotiated stdio session cannot be renegotiated mid-stream.
  Harness h;
  auto session = h.stdioSession();
  EXPECT_EQ(errorCode(h.legacy(session, initializeRequest("2025-06-18"))), rpc::kInvalidRequest);
  EXPECT_EQ(session->protocolVersion(), "2025-11-25");
}

TEST(LegacyEra, InitializeWithoutVersionIsInvalidParams) {
  // protocolVersion is required.
  Harness h;
  auto r = h.legacy(std::make_shared<Session>("s", alice()), request(1, "initialize"));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
}

TEST(LegacyEra, PingAnswersEmptyObject) {
  // ping -> {} with the same id.
  Harness h;
  auto r = h.legacy(h.stdioSession(), request("p1", "ping"));
  EXPECT_TRUE(resultOf(r).empty());
  EXPECT_EQ(r.response->at("id"), "p1");
}

TEST(LegacyEra, InitializedNotificationIsAccepted) {
  // notifications/initialized -> 202, no body, session marked.
  Harness h;
  auto session = h.stdioSession();
  auto r =
      h.legacy(session, json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  EXPECT_FALSE(r.response);
  EXPECT_EQ(r.http_status, 202);
  EXPECT_TRUE(session->initialized());
}

TEST(LegacyEra, UnknownMethodIsMethodNotFound) {
  // -32601 for anything we do not serve.
  Harness h;
  EXPECT_EQ(errorCode(h.legacy(h.stdioSession(), request(3, "tools/explode"))),
            rpc::kMethodNotFound);
  EXPECT_EQ(errorCode(h.legacy(h.stdioSession(), request(3, "server/unknown"))),
            rpc::kMethodNotFound);
}

TEST(LegacyEra, SetLevelControlsLogNotifications) {
  // No notifications/message before setLevel; afterwards only at or above the level.
  Harness h;
  auto session = h.stdioSession();
  h.legacy(session, request(2, "tools/call", {{"name", "progress"}}));
  EXPECT_TRUE(h.out->withMethod("notifications/message").empty());
  EXPECT_TRUE(
      resultOf(h.legacy(session, request(3, "logging/setLevel", {{"level", "warning"}}))).empty());
  h.legacy(session, request(4, "tools/call", {{"name", "progress"}}));
  auto logs = h.out->withMethod("notifications/message");
  ASSERT_EQ(logs.size(), 1U);
  EXPECT_EQ(logs[0].at("params").at("level"), "warning");
  EXPECT_EQ(logs[0].at("params").at("logger"), "tests");
  EXPECT_EQ(logs[0].at("params").at("data"), "warning line");
}

TEST(LegacyEra, SetLevelRejectsUnknownLevel) {
  // Only RFC 5424 names are levels.
  Harness h;
  EXPECT_EQ(
      errorCode(h.legacy(h.stdioSession(), request(2, "logging/setLevel", {{"level", "loud"}}))),
      rpc::kInvalidParams);
}

TEST(LegacyEra, SubscribeAndUnsubscribe) {
  // resources/subscribe is remembered in the session.
  Harness h;
  auto session = h.stdioSession();
  h.legacy(session, request(2, "resources/subscribe", {{"uri", "test://static"}}));
  EXPECT_TRUE(session->subscribed("test://static"));
  h.legacy(session, request(3, "resources/unsubscribe", {{"uri", "test://static"}}));
  EXPECT_FALSE(session->subscribed("test://static"));
  EXPECT_EQ(errorCode(h.legacy(session, request(4, "resources/subscribe"))), rpc::kInvalidParams);
}

TEST(LegacyEra, ProgressNotificationsCarryToken) {
  // With _meta.progressToken, each progress() becomes notifications/progress.
  Harness h;
  auto session = h.stdioSession();
  h.legacy(session,
           request(2, "tools/call", {{"name", "progress"}, {"_meta", {{"progressToken", "tok"}}}}));
  auto p = h.out->withMethod("notifications/progress");
  ASSERT_EQ(p.size(), 3U);
  EXPECT_EQ(p[0].at("params").at("progressToken"), "tok");
  EXPECT_EQ(p[2].at("params").at("progress").to_number<double>(), 3.0);
  EXPECT_EQ(p[2].at("params").at("total").to_number<double>(), 3.0);
  EXPECT_EQ(p[2].at("params").at("message"), "step");
}

TEST(LegacyEra, NoProgressWithoutToken) {
  // Without a token, progress() sends nothing.
  Harness h;
  h.legacy(h.stdioSession(), request(2, "tools/call", {{"name", "progress"}}));
  EXPECT_TRUE(h.out->withMethod("notifications/progress").empty());
}

TEST(LegacyEra, CancelledRequestGetsNoResponse) {
  // notifications/cancelled for an in-flight request: the handler sees it, no response is sent.
  Harness h;
  auto session = h.stdioSession();
  h.out->on_send = [&](const json::value& m) {
    if (m.at("method") == "notifications/progress") {
      h.out->on_send = nullptr;
      h.legacy(session, json::object{{"jsonrpc", "2.0"},
                                     {"method", "notifications/cancelled"},
                                     {"params", {{"requestId", 7}, {"reason", "user"}}}});
    }
  };
  auto r = h.legacy(
      session, request(7, "tools/call", {{"name", "progress"}, {"_meta", {{"progressToken", 1}}}}));
  EXPECT_FALSE(r.response);
  EXPECT_EQ(h.out->withMethod("notifications/progress").size(), 1U);
}

TEST(LegacyEra, CancellingAnotherIdDoesNothing) {
  // Cancellation is by exact id: "7" does not cancel 7.
  Harness h;
  auto session = h.stdioSession();
  h.out->on_send = [&](const json::value& m) {
    if (m.at("method") == "notifications/progress") {
      h.legacy(session, json::object{{"jsonrpc", "2.0"},
                                     {"method", "notifications/cancelled"},
                                     {"params", {{"requestId", "7"}}}});
    }
  };
  auto r = h.legacy(
      session, request(7, "tools/call", {{"name", "progress"}, {"_meta", {{"progressToken", 1}}}}));
  ASSERT_TRUE(r.response);
  EXPECT_EQ(firstText(resultOf(r)), "progressed");
}

TEST(LegacyEra, SamplingRoundTripThroughOutbound) {
  // ctx.request sends sampling/createMessage on the stream; the client's response resolves it.
  Harness h;
  auto session = h.stdioSession({{"sampling", json::object{}}});
  h.out->on_send = [&](const json::value& m) {
    if (m.at("method") == "sampling/createMessage") {
      auto answer = h.legacy(
          session,
          json::object{{"jsonrpc", "2.0"},
                       {"id", m.at("id")},
                       {"result",
                        {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "hi"}}}}}});
      EXPECT_FALSE(answer.response);
      EXPECT_EQ(answer.http_status, 202);
    }
  };
  auto r = h.legacy(session, request(2, "tools/call", {{"name", "ask_llm"}}));
  EXPECT_EQ(firstText(resultOf(r)), "LLM said: hi");
  EXPECT_FALSE(resultOf(r).contains("isError"));
}

TEST(LegacyEra, ClientWithoutSamplingGetsToolError) {
  // The capability is checked before anything is sent; the tool reports an execution error.
  Harness h;
  auto r = h.legacy(h.stdioSession(), request(2, "tools/call", {{"name", "ask_llm"}}));
  EXPECT_EQ(resultOf(r).at("isError"), true);
  EXPECT_NE(firstText(resultOf(r)).find("sampling"), std::string::npos);
  EXPECT_TRUE(h.out->withMethod("sampling/createMessage").empty());
}

TEST(LegacyEra, ClientErrorAnswerBecomesToolError) {
  // A JSON-RPC error from the client fails the tool, not the protocol.
  Harness h;
  auto session = h.stdioSession({{"sampling", json::object{}}});
  h.out->on_send = [&](const json::value& m) {
    if (m.at("method") == "sampling/createMessage") {
      h.legacy(session, json::object{{"jsonrpc", "2.0"},
                                     {"id", m.at("id")},
                                     {"error", {{"code", -1}, {"message", "user declined"}}}});
    }
  };
  auto r = h.legacy(session, request(2, "tools/call", {{"name", "ask_llm"}}));
  EXPECT_EQ(resultOf(r).at("isError"), true);
}

TEST(LegacyEra, ClientResponseWithUnknownIdIsIgnored) {
  // A stray or forged response does not disturb anything.
  Harness h;
  auto r = h.legacy(h.stdioSession(),
                    json::object{{"jsonrpc", "2.0"}, {"id", "bastion-99"}, {"result", {}}});
  EXPECT_FALSE(r.response);
  EXPECT_EQ(r.http_status, 202);
}

TEST(LegacyEra, ServerRequestTimesOut) {
  // A client that never answers: the tool fails after its timeout and we cancel our request.
  Harness h;
  auto session = h.stdioSession({{"roots", json::object{}}});
  auto r = h.legacy(session, request(2, "tools/call", {{"name", "ask_quick"}}));
  EXPECT_EQ(resultOf(r).at("isError"), true);
  ASSERT_EQ(h.out->withMethod("roots/list").size(), 1U);
  auto cancels = h.out->withMethod("notifications/cancelled");
  ASSERT_EQ(cancels.size(), 1U);
  EXPECT_EQ(cancels[0].at("params").at("requestId"), h.out->withMethod("roots/list")[0].at("id"));
  // A late answer is dropped quietly.
  auto late = h.legacy(session, json::object{{"jsonrpc", "2.0"},
                                             {"id", cancels[0].at("params").at("requestId")},
                                             {"result", {{"roots", json::array{}}}}});
  EXPECT_EQ(late.http_status, 202);
}

TEST(LegacyEra, ServerRequestUsesStandaloneStreamWhenNoRequestStream) {
  // A JSON-mode POST has no stream of its own: the request goes out on the GET stream.
  Harness h;
  auto session = h.stdioSession({{"sampling", json::object{}}});
  auto standalone = std::make_shared<RecordingOutbound>();
  session->setStandaloneStream(standalone);
  standalone->on_send = [&](const json::value& m) {
    h.legacy(session, json::object{{"jsonrpc", "2.0"},
                                   {"id", m.at("id")},
                                   {"result",
                                    {{"role", "assistant"},
                                     {"content", {{"type", "text"}, {"text", "via GET"}}}}}});
  };
  Inbound in;
  in.message = request(2, "tools/call", {{"name", "ask_llm"}});
  in.principal = alice();
  in.session = session;
  auto r = h.dispatcher->handle(std::move(in));
  EXPECT_EQ(firstText(resultOf(r)), "LLM said: via GET");
  EXPECT_EQ(standalone->withMethod("sampling/createMessage").size(), 1U);
}

TEST(LegacyEra, CloseStreamReachesOutbound) {
  // ctx.closeStream() asks the transport to end the SSE response early.
  Harness h;
  h.legacy(h.stdioSession(), request(2, "tools/call", {{"name", "close_stream"}}));
  EXPECT_EQ(h.out->closed, 1);
}

TEST(LegacyEra, SessionFloodGets503) {
  // At the session bound, initialize is refused with HTTP 503 instead of growing.
  Harness h;
  h.sessions = std::make_shared<SessionStore>(
      SessionLimits{.max_sessions = 1, .idle_timeout = std::chrono::seconds(60)}, systemRandom());
  h.dispatcher = Dispatcher::create(h.server, h.sessions);
  EXPECT_TRUE(
      h.legacy(nullptr, initializeRequest("2025-11-25"), TransportKind::Http).created_session);
  auto r = h.legacy(nullptr, initializeRequest("2025-11-25"), TransportKind::Http);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_FALSE(r.created_session);
  EXPECT_EQ(errorCode(r), rpc::kInternalError);
}

TEST(LegacyEra, ConcurrentCallsOnOneSession) {
  // The dispatcher is shared by worker threads: concurrent calls on one session each get
  // their own answer (run under the tsan preset to check for races).
  Harness h;
  auto session = h.stdioSession();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string text = std::to_string(t) + "-" + std::to_string(i);
        auto r = h.legacy(session, request(t * 1000 + i, "tools/call",
                                           {{"name", "echo"}, {"arguments", {{"text", text}}}}));
        if (r.response && firstText(resultOf(r)) == text &&
            r.response->at("id").as_int64() == t * 1000 + i) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(ok.load(), 200);
}

TEST(LegacyEra, InvalidEnvelopeIsBadRequest) {
  // Envelope errors are answered with 400 and the standard code.
  Harness h;
  auto r = h.legacy(h.stdioSession(),
                    json::object{{"jsonrpc", "2.0"}, {"id", nullptr}, {"method", "ping"}});
  EXPECT_EQ(errorCode(r), rpc::kInvalidRequest);
  EXPECT_EQ(r.http_status, 400);
}

}  // namespace
}  // namespace bastion::mcp::testing
