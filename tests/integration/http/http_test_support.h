#pragma once
// Test doubles and a real-network harness for the Streamable HTTP transport: a scripted
// Dispatcher (the seam), a token-table Authenticator, an HttpServer on 127.0.0.1:0 run on its own
// thread, and a POSIX-socket client with bounded waits that parses answers with Beast.

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "auth/authenticator.h"
#include "core/random.h"
#include "core/web.h"
#include "mcp/dispatcher.h"
#include "mcp/session.h"
#include "transport/http_server.h"

namespace bastion::transport::testing {

namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

// "Bearer <name>" authenticates as subject <name>; no header is the subject "anonymous";
// "Bearer bad" is refused with a challenge.
class TableAuthenticator final : public auth::Authenticator {
 public:
  boost::system::result<auth::Principal, auth::Challenge> authenticate(
      const auth::RequestView& req) override {
    calls.fetch_add(1);
    if (!req.authorization) {
      return auth::Principal{.iss = "test", .sub = "anonymous", .client_id = "", .scopes = {}};
    }
    const std::string_view v = *req.authorization;
    if (v == "Bearer bad" || v.substr(0, 7) != "Bearer ") {
      return auth::Challenge{401, "Bearer realm=\"test\", error=\"invalid_token\"", "Unauthorized",
                             std::nullopt};
    }
    return auth::Principal{.iss = "test", .sub = std::string(v.substr(7)), .client_id = "c",
                           .scopes = {}};
  }
  std::atomic<int> calls{0};
};

// A Dispatcher whose behaviour per method is scripted by the test. `initialize` creates a real
// session (negotiated 2025-11-25); `tools/call` may block; everything else answers at once.
class ScriptedDispatcher final : public mcp::Dispatcher {
 public:
  using Handler = std::function<mcp::DispatchResult(mcp::Inbound&)>;

  explicit ScriptedDispatcher(std::shared_ptr<mcp::SessionStore> sessions)
      : sessions_(std::move(sessions)) {}

  mcp::DispatchResult handle(mcp::Inbound in) override {
    handled.fetch_add(1);
    const json::object& msg = in.message.as_object();
    const std::string method = msg.contains("method") ? std::string(msg.at("method").as_string())
                                                      : std::string();
    if (method == "initialize") {
      // value() throws (failing the test) when the session store refuses.
      std::shared_ptr<mcp::Session> session =
          sessions_->create(in.principal, std::chrono::steady_clock::now()).value();
      session->setNegotiated("2025-11-25", {});
      mcp::DispatchResult r;
      r.response = reply(msg.at("id"), json::object{{"protocolVersion", "2025-11-25"}});
      r.created_session = std::move(session);
      return r;
    }
    if (method == "tools/call" && on_call) {
      return on_call(in);
    }
    mcp::DispatchResult r;
    if (msg.contains("id") && !method.empty()) {
      r.response = reply(msg.at("id"), json::object{{"ok", true}});
    } else {
      r.http_status = 202;
    }
    return r;
  }

  bool mayBlock(const json::value& message) const override {
    const auto* obj = message.if_object();
    return obj && obj->contains("method") && obj->at("method") == "tools/call";
  }

  static json::value reply(const json::value& id, json::value result) {
    return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
  }

  Handler on_call;  // set before the server runs
  std::atomic<int> handled{0};

 private:
  std::shared_ptr<mcp::SessionStore> sessions_;
};

// Web routes for the tests: /web/echo answers with what it received (method, lower-case headers,
// body, remote address, tls) as JSON, /web/cached sets its own Cache-Control and two cookies,
// /web/throw throws. Records the thread that handled the last request.
class EchoRoutes final : public web::Routes {
 public:
  bool serves(std::string_view path) const override {
    return path == "/web/echo" || path == "/web/cached" || path == "/web/throw";
  }
  web::Response handle(const web::Request& req) override {
    handled.fetch_add(1);
    {
      std::lock_guard lock(mu);
      thread = std::this_thread::get_id();
    }
    if (req.path() == "/web/throw") {
      throw std::runtime_error("route failure with internal detail");
    }
    web::Response res;
    if (req.path() == "/web/cached") {
      res.set("cache-control", "public, max-age=60");
      res.headers.emplace_back("set-cookie", "a=1");
      res.headers.emplace_back("set-cookie", "b=2");
    }
    json::object headers;
    for (const auto& [name, value] : req.headers) {
      headers[name] = value;
    }
    res.set("content-type", "application/json");
    res.body = json::serialize(json::object{{"method", req.method},
                                            {"target", req.target},
                                            {"headers", std::move(headers)},
                                            {"body", req.body},
                                            {"remote", req.remote_address},
                                            {"tls", req.tls}});
    return res;
  }
  std::atomic<int> handled{0};
  std::mutex mu;
  std::thread::id thread;  // guarded by mu
};

// A one-shot latch for handing events between a tool thread and the test.
class Latch {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool waitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// A real HttpServer on 127.0.0.1:0 with short timeouts, served from a background thread.
class ServerHarness {
 public:
  explicit ServerHarness(std::function<void(HttpServerOptions&)> tweak = {}) {
    sessions = std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom());
    dispatcher = std::make_shared<ScriptedDispatcher>(sessions);
    authenticator = std::make_shared<TableAuthenticator>();
    options.port = 0;
    options.handle_signals = false;
    options.io_threads = 2;
    options.workers = 4;
    options.header_timeout = 500ms;
    options.body_timeout = 500ms;
    options.idle_timeout = 2s;
    options.write_timeout = 1s;
    options.shutdown_timeout = 2s;
    options.sse_delay = 50ms;
    if (tweak) {
      tweak(options);
    }
  }
  ~ServerHarness() { stop(); }

  // Creates and starts the server; returns false (with `error`) if create() refused.
  bool start() {
    auto created = HttpServer::create(options, dispatcher, sessions, authenticator);
    if (!created) {
      error = created.error().message;
      return false;
    }
    server = std::move(*created);
    thread = std::thread([this] {
      server->run();
      finished.store(true);
    });
    return true;
  }
  void stop() {
    if (server) {
      server->stop();
    }
    if (thread.joinable()) {
      thread.join();
    }
  }
  std::uint16_t port() const { return server->port(); }
  std::string host() const { return "127.0.0.1:" + std::to_string(port()); }

  HttpServerOptions options;
  std::shared_ptr<mcp::SessionStore> sessions;
  std::shared_ptr<ScriptedDispatcher> dispatcher;
  std::shared_ptr<TableAuthenticator> authenticator;
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  std::atomic<bool> finished{false};
  std::string error;
};

using Response = http::response<http::string_body>;

// A blocking TCP client on POSIX sockets: every wait is bounded by poll().
class TestClient {
 public:
  explicit TestClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    resetParser();
  }
  ~TestClient() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }
  void shrinkReceiveBuffer() {
    int size = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void closeSocket() {
    ::close(fd_);
    fd_ = -1;
  }

  // Reads until the response is complete, or until `until` holds for the body so far (then the
  // partial response is returned and reading can continue); nullopt on timeout or EOF first.
  std::optional<Response> read(std::chrono::milliseconds timeout = 3s,
                               std::function<bool(const Response&)> until = {}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      while (!pending_.empty() && !parser_->is_done()) {
        boost::beast::error_code ec;
        const std::size_t used = parser_->put(boost::asio::buffer(pending_), ec);
        pending_.erase(0, used);
        if (ec && ec != http::error::need_more) {
          return std::nullopt;
        }
        if (used == 0) {
          break;
        }
      }
      if (parser_->is_done()) {
        Response res = parser_->release();
        resetParser();
        return res;
      }
      if (until && parser_->is_header_done() && until(parser_->get())) {
        return parser_->get();
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !waitReadable(left)) {
        return std::nullopt;
      }
      char buf[16384];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        return std::nullopt;
      }
      pending_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // True if the server closes the connection within `timeout` (EOF or reset).
  bool closedByPeer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !waitReadable(left)) {
        return false;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        return true;
      }
    }
  }

 private:
  void resetParser() {
    parser_.emplace();
    parser_->eager(true);
    parser_->body_limit(std::uint64_t{1} << 30);
  }
  bool waitReadable(std::chrono::milliseconds d) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(d.count())) > 0;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

// A POST of `body` with the headers a conforming client sends, plus `extra` header lines.
inline std::string post(const std::string& host, const std::string& body,
                        const std::string& extra = "") {
  return "POST /mcp HTTP/1.1\r\nHost: " + host +
         "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
         extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::string rpc(int id, const std::string& method, const std::string& params = "{}") {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method +
         R"(","params":)" + params + "}";
}

inline std::string initializeBody() {
  return rpc(0, "initialize",
             R"({"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}})");
}

}  // namespace bastion::transport::testing
