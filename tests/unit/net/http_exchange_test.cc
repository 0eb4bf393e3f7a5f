// The fetcher's request/response exchange over Beast's in-memory test stream: request building
// refuses injection, and a stream whose n-th operation fails (n = 0, 1, 2, ...) always yields an
// error value, never a crash or a half-filled success, until n is past the last operation.

// GCC 12 at -O2 calls boost::system::result's operator-> and Asio's executor comparison
// "potential null pointer dereference"; false positives that would fail -Werror release builds.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "net/http_exchange.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/fail_count.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <optional>

namespace bastion::net::detail {
namespace {

namespace beast = boost::beast;

const FetchTarget kTarget{.tls = false,
                          .host = "example.com",
                          .host_is_ip = false,
                          .port = 8080,
                          .target = "/keys?x=1",
                          .host_header = "example.com:8080"};

// Runs one roundTrip over a test stream holding `answer`, failing its `fail_at`-th operation.
Result<FetchResponse> runExchange(std::string_view answer, std::size_t fail_at,
                                  std::size_t max_bytes = 1024, std::string* sent = nullptr) {
  boost::asio::io_context ioc;
  beast::test::fail_count fc(fail_at);
  beast::test::stream client(ioc, fc, answer);
  beast::test::stream server(ioc);
  client.connect(server);
  client.close_remote();  // the peer sent `answer` and closed: reads past it see EOF
  auto msg = buildRequest(kTarget, FetchRequest{.url = "unused", .method = "POST", .body = "a=b"});
  EXPECT_TRUE(msg);
  std::optional<Result<FetchResponse>> out;
  const bool timed_out = false;
  boost::asio::co_spawn(ioc, roundTrip(client, msg.value(), max_bytes, kTarget.host, timed_out),
                        [&](std::exception_ptr e, Result<FetchResponse> r) {
                          EXPECT_FALSE(e);
                          out = std::move(r);
                        });
  ioc.run();
  if (sent != nullptr) {
    *sent = std::string(server.str());
  }
  EXPECT_TRUE(out.has_value());
  return out.value_or(Error(FetchError::ProtocolError, "no result"));
}

TEST(HttpExchangeTest, SendsOriginFormRequestWithHostAndLength) {
  // The wire request: origin-form target, Host with port, Connection: close, Content-Length.
  std::string sent;
  auto r = runExchange("HTTP/1.1 204 No Content\r\n\r\n", 1000, 1024, &sent);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().status, 204);
  EXPECT_EQ(sent.rfind("POST /keys?x=1 HTTP/1.1\r\n", 0), 0u) << sent;
  EXPECT_NE(sent.find("Host: example.com:8080\r\n"), std::string::npos);
  EXPECT_NE(sent.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(sent.find("Content-Length: 3\r\n\r\na=b"), std::string::npos);
}

TEST(HttpExchangeTest, EveryFailedOperationIsAnErrorValue) {
  // Fail the n-th stream operation for n = 0, 1, 2 ...: each run ends in ConnectFailed or
  // ProtocolError, until n is past the exchange and the full answer comes back.
  const std::string answer =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n";
  std::size_t n = 0;
  for (; n < 100; ++n) {
    auto r = runExchange(answer, n);
    if (r) {
      EXPECT_EQ(r.value().body, "{\"a\": 1}");
      EXPECT_EQ(r.value().header("content-type"), "application/json");
      break;
    }
    EXPECT_TRUE(r.error().code == static_cast<int>(FetchError::ConnectFailed) ||
                r.error().code == static_cast<int>(FetchError::ProtocolError))
        << n << ": " << r.error().message;
  }
  EXPECT_GE(n, 2u);  // at least the write and one read were failed
  EXPECT_LT(n, 100u);
}

TEST(HttpExchangeTest, BodyOverLimitIsTooLarge) {
  // The parser's body limit is the response cap, announced length or not.
  auto r = runExchange("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'),
                       1000, 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(FetchError::TooLarge));
}

TEST(HttpExchangeTest, OversizedHeaderIsProtocolError) {
  // Headers past 16 KiB are refused, not buffered.
  auto r =
      runExchange("HTTP/1.1 200 OK\r\nX-Big: " + std::string(20 * 1024, 'h') + "\r\n\r\n", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(FetchError::ProtocolError));
}

TEST(HttpExchangeTest, TruncatedAnswerIsProtocolError) {
  // An answer cut short of its Content-Length is not a success.
  auto r = runExchange("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(FetchError::ProtocolError));
}

TEST(HttpExchangeTest, BuildRequestRefusesInjection) {
  // CR/LF in values, non-token names or methods, and framing headers are refused.
  auto code = [](FetchRequest req) {
    auto r = buildRequest(kTarget, req);
    return r ? 0 : r.error().code;
  };
  const int refused = static_cast<int>(FetchError::ProtocolError);
  EXPECT_EQ(code({.url = "u", .headers = {{"X", "a\r\nInjected: 1"}}}), refused);
  EXPECT_EQ(code({.url = "u", .headers = {{"X", std::string("a\0b", 3)}}}), refused);
  EXPECT_EQ(code({.url = "u", .headers = {{"Bad Name", "v"}}}), refused);
  EXPECT_EQ(code({.url = "u", .headers = {{"content-length", "0"}}}), refused);
  EXPECT_EQ(code({.url = "u", .headers = {{"CONNECTION", "keep-alive"}}}), refused);
  EXPECT_EQ(code({.url = "u", .method = "G T"}), refused);
  EXPECT_EQ(code({.url = "u", .method = ""}), refused);
  EXPECT_EQ(code({.url = "u", .headers = {{"Accept", "application/json"}}}), 0);
}

}  // namespace
}  // namespace bastion::net::detail
