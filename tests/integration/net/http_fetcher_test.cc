// The fetcher against a real HTTP server on 127.0.0.1: the SSRF guard refuses it (and every
// other internal target) unless the policy allows private addresses; with that allowance, GET,
// POST, the size cap, the deadline and the no-redirect rule are checked on the wire.

// GCC 12 at -O2 calls boost::system::result's operator-> and Asio's executor comparison
// "potential null pointer dereference"; false positives that would fail -Werror release builds.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "local_server.h"
#include "net/fetcher.h"

namespace bastion::net::testing {
namespace {

using std::chrono::milliseconds;

constexpr FetchPolicy kGuarded{.allow_http = true, .allow_private_addresses = false, .ca_file = ""};
constexpr FetchPolicy kLocalDev{.allow_http = true, .allow_private_addresses = true, .ca_file = ""};

int codeOf(const Result<FetchResponse>& r) { return r ? 0 : r.error().code; }
constexpr int code(FetchError e) { return static_cast<int>(e); }

LocalServer okServer() {
  return LocalServer([](const ServerRequest&) { return httpResponse(200, "OK", "hello"); });
}

class HttpFetcherTest : public ::testing::Test {
 protected:
  std::shared_ptr<Fetcher> guarded = makeHttpFetcher(kGuarded);
  std::shared_ptr<Fetcher> dev = makeHttpFetcher(kLocalDev);
};

TEST_F(HttpFetcherTest, RefusesLoopbackTarget) {
  // A live server on 127.0.0.1 is not reached: the guard refuses before connecting.
  LocalServer server = okServer();
  auto r = guarded->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::ForbiddenAddress));
  EXPECT_EQ(server.accepted(), 0u);
  // The same URL is fetchable when private addresses are allowed (so the refusal is the guard).
  EXPECT_EQ(codeOf(dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"})),
            0);
}

TEST_F(HttpFetcherTest, RefusesCloudMetadataAddress) {
  // The instance metadata service is the classic SSRF prize.
  EXPECT_EQ(codeOf(guarded->fetch({.url = "http://169.254.169.254/latest/meta-data/"})),
            code(FetchError::ForbiddenAddress));
  EXPECT_EQ(codeOf(guarded->fetch({.url = "http://[::ffff:169.254.169.254]/"})),
            code(FetchError::ForbiddenAddress));
}

TEST_F(HttpFetcherTest, RefusesPrivateNetwork10) {
  // RFC 1918 10/8 (and its siblings) are refused without a connection attempt.
  for (const char* url : {"http://10.0.0.1/", "http://10.255.0.7:8080/x", "http://172.16.3.4/",
                          "http://192.168.0.1/", "http://100.64.0.1/"}) {
    EXPECT_EQ(codeOf(guarded->fetch({.url = url})), code(FetchError::ForbiddenAddress)) << url;
  }
}

TEST_F(HttpFetcherTest, RefusesIpv6LoopbackLiteral) {
  // [::1] is loopback too.
  EXPECT_EQ(codeOf(guarded->fetch({.url = "http://[::1]:9/"})), code(FetchError::ForbiddenAddress));
}

TEST_F(HttpFetcherTest, RefusesDnsNameResolvingToLoopback) {
  // A name is checked by what it resolves to: "localhost" reaches a live local server only
  // when private addresses are allowed.
  LocalServer server = okServer();
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/";
  EXPECT_EQ(codeOf(guarded->fetch({.url = url})), code(FetchError::ForbiddenAddress));
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpFetcherTest, RefusesIpv4MappedLoopback) {
  // ::ffff:127.0.0.1 connects to 127.0.0.1; it is refused like it.
  LocalServer server = okServer();
  const std::string url = "http://[::ffff:127.0.0.1]:" + std::to_string(server.port()) + "/";
  EXPECT_EQ(codeOf(guarded->fetch({.url = url})), code(FetchError::ForbiddenAddress));
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpFetcherTest, RefusesDecimalIpv4Host) {
  // "2130706433" is 127.0.0.1 to the resolver; it is checked after resolution and refused.
  LocalServer server = okServer();
  const std::string url = "http://2130706433:" + std::to_string(server.port()) + "/";
  const int c = codeOf(guarded->fetch({.url = url}));
  EXPECT_TRUE(c == code(FetchError::ForbiddenAddress) || c == code(FetchError::ResolveFailed)) << c;
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpFetcherTest, RefusesHttpWhenHttpsRequired) {
  // The default policy is https only, even for a reachable server.
  LocalServer server = okServer();
  auto strict = makeHttpFetcher(
      FetchPolicy{.allow_http = false, .allow_private_addresses = true, .ca_file = ""});
  auto r = strict->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::SchemeNotAllowed));
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpFetcherTest, RefusesUserinfoInUrl) {
  // Userinfo is refused even where every address is allowed.
  LocalServer server = okServer();
  auto r = dev->fetch({.url = "http://user:pw@127.0.0.1:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::BadUrl));
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpFetcherTest, GetsBodyStatusAndLowerCaseHeaders) {
  // A plain GET: status, body and headers (names lower-cased) come back; Host names the port.
  std::string seen_host;
  LocalServer server([&](const ServerRequest& req) {
    seen_host = std::string(req["Host"]);
    return httpResponse(200, "OK", R"({"keys":[]})",
                        "Content-Type: application/json\r\nCache-Control: max-age=60\r\n");
  });
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/jwks?a=b"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"keys":[]})");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(cacheMaxAgeSeconds(r->header("cache-control")), 60);
  EXPECT_EQ(server.targets(), std::vector<std::string>{"/jwks?a=b"});
  EXPECT_EQ(seen_host, "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(HttpFetcherTest, PostsFormBodyWithHeaders) {
  // A POST carries its body, Content-Length and the caller's headers.
  std::string seen;
  LocalServer server([&](const ServerRequest& req) {
    seen = std::string(req.method_string()) + " " + std::string(req["Content-Type"]) + " " +
           std::string(req["Authorization"]) + " " + std::string(req["Content-Length"]) + " " +
           req.body();
    return httpResponse(200, "OK", R"({"active":false})");
  });
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/introspect",
                       .method = "POST",
                       .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                                   {"Authorization", "Basic YTpi"}},
                       .body = "token=abc"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, R"({"active":false})");
  EXPECT_EQ(seen, "POST application/x-www-form-urlencoded Basic YTpi 9 token=abc");
}

TEST_F(HttpFetcherTest, HeadAnswerHasNoBody) {
  // A HEAD answer announces a length but carries no body; it is complete without one.
  LocalServer server([](const ServerRequest&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
  });
  auto r = dev->fetch(
      {.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/", .method = "HEAD"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "5");
  EXPECT_TRUE(r->body.empty());
}

TEST_F(HttpFetcherTest, RefusesHeaderInjectionAndFramingHeaders) {
  // CR/LF in a value, a non-token method and caller-set framing headers never reach the wire.
  LocalServer server = okServer();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  EXPECT_EQ(codeOf(dev->fetch({.url = url, .headers = {{"X-A", "1\r\nX-Injected: 1"}}})),
            code(FetchError::ProtocolError));
  EXPECT_EQ(codeOf(dev->fetch({.url = url, .headers = {{"Host", "evil.example"}}})),
            code(FetchError::ProtocolError));
  EXPECT_EQ(codeOf(dev->fetch({.url = url, .headers = {{"Transfer-Encoding", "chunked"}}})),
            code(FetchError::ProtocolError));
  EXPECT_EQ(codeOf(dev->fetch({.url = url, .method = "GET /x HTTP/1.1\r\n"})),
            code(FetchError::ProtocolError));
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpFetcherTest, DoesNotFollowRedirect) {
  // A 302 is returned as-is; the Location is never requested.
  LocalServer server([](const ServerRequest& req) -> std::optional<std::string> {
    if (req.target() == "/start") {
      return httpResponse(302, "Found", "", "Location: /followed\r\n");
    }
    return httpResponse(200, "OK", "followed");
  });
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/start"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->header("location"), "/followed");
  EXPECT_EQ(server.targets(), std::vector<std::string>{"/start"});
}

TEST_F(HttpFetcherTest, CapsResponseSize) {
  // Bodies over max_bytes fail with TooLarge, whether announced by Content-Length or chunked.
  const std::string big(64 * 1024, 'x');
  LocalServer sized([&](const ServerRequest&) { return httpResponse(200, "OK", big); });
  auto r = dev->fetch(
      {.url = "http://127.0.0.1:" + std::to_string(sized.port()) + "/", .max_bytes = 1024});
  EXPECT_EQ(codeOf(r), code(FetchError::TooLarge));

  LocalServer chunked([&](const ServerRequest&) {
    std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 8; ++i) {
      out += "400\r\n" + std::string(1024, 'y') + "\r\n";
    }
    return out + "0\r\n\r\n";
  });
  r = dev->fetch(
      {.url = "http://127.0.0.1:" + std::to_string(chunked.port()) + "/", .max_bytes = 4096});
  EXPECT_EQ(codeOf(r), code(FetchError::TooLarge));
  // Exactly at the cap is fine.
  r = dev->fetch(
      {.url = "http://127.0.0.1:" + std::to_string(chunked.port()) + "/", .max_bytes = 8192});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body.size(), 8192u);
}

TEST_F(HttpFetcherTest, TimesOutOnSilentServer) {
  // A server that accepts and never answers costs the caller the timeout, not more.
  LocalServer server([](const ServerRequest&) { return std::optional<std::string>(); });
  const auto start = std::chrono::steady_clock::now();
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/",
                       .timeout = milliseconds(300)});
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(codeOf(r), code(FetchError::Timeout));
  EXPECT_GE(waited, milliseconds(300));
  EXPECT_LT(waited, milliseconds(2000));
}

TEST_F(HttpFetcherTest, CancelledFetchStopsBeforeItsDeadline) {
  // A call cancelled while its server stays silent gives its thread back at once (Cancelled)
  // instead of holding it until the 30 s deadline; the fetcher then serves the next request.
  LocalServer silent([](const ServerRequest&) { return std::optional<std::string>(); });
  std::atomic<bool> cancel{false};
  std::thread canceller([&cancel] {
    std::this_thread::sleep_for(milliseconds(100));
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/",
                       .timeout = std::chrono::seconds(30),
                       .cancelled = [&cancel] { return cancel.load(); }});
  const auto waited = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_EQ(codeOf(r), code(FetchError::Cancelled));
  EXPECT_LT(waited, std::chrono::seconds(10)) << "well before the deadline";
  LocalServer server = okServer();
  auto next = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->body, "hello");
}

TEST_F(HttpFetcherTest, FetchCancelledBeforeItStartsNeverConnects) {
  // A call already cancelled sends nothing.
  LocalServer server = okServer();
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/",
                       .cancelled = [] { return true; }});
  EXPECT_EQ(codeOf(r), code(FetchError::Cancelled));
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpFetcherTest, MalformedResponseIsProtocolError) {
  // Garbage instead of a status line is refused.
  LocalServer server([](const ServerRequest&) { return std::string("NOT HTTP AT ALL\r\n\r\n"); });
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::ProtocolError));
}

TEST_F(HttpFetcherTest, ConnectionRefusedIsConnectFailed) {
  // Nothing listening: ConnectFailed, promptly.
  std::uint16_t port = 0;
  {
    LocalServer server = okServer();
    port = server.port();
  }
  auto r = dev->fetch({.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  EXPECT_EQ(codeOf(r), code(FetchError::ConnectFailed));
}

TEST_F(HttpFetcherTest, ConcurrentCallsFromSeveralThreads) {
  // fetch() is thread-safe: calls from several threads all get their own answer.
  LocalServer server(
      [](const ServerRequest& req) { return httpResponse(200, "OK", std::string(req.target())); });
  std::vector<std::thread> threads;
  std::vector<std::string> bodies(4);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = dev->fetch(
          {.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/" + std::to_string(i)});
      bodies[i] = r ? r->body : r.error().message;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(bodies[i], "/" + std::to_string(i));
  }
}

}  // namespace
}  // namespace bastion::net::testing
