// The http tool against real downstream servers on 127.0.0.1 (each test starts its own): what
// reaches the wire, what comes back, and the attacks: secrets echoed back, a caller's token,
// redirects elsewhere, oversized and slow answers. Waits are bounded by the tool's timeout.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "config/config.h"
#include "guard/secrets.h"
#include "integration/http/http_test_support.h"
#include "integration/net/local_server.h"
#include "integration/net/test_pki.h"
#include "mcp/dispatcher.h"
#include "mcp/server.h"
#include "support/test_call_context.h"
#include "tools/http.h"

namespace bastion::tools {
namespace {

namespace json = boost::json;
using net::testing::httpResponse;
using net::testing::LocalServer;
using net::testing::ServerRequest;
using namespace std::chrono_literals;

constexpr std::string_view kApiToken = "tok-e2e-51c3a9d0f7b24e86";
constexpr std::string_view kApiKey = "key-e2e-0b7f3e91c2d84a65";
constexpr std::string_view kCallerToken = "caller-token-9e4d2b7a1c";

// What the downstream servers saw: every request line and header, for the checks.
class Wire {
 public:
  void record(const ServerRequest& req) {
    std::string text = std::string(req.method_string()) + " " + std::string(req.target()) + "\n";
    for (const auto& field : req) {
      text += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
    }
    std::lock_guard lock(mu_);
    seen_ += text + req.body() + "\n";
  }
  std::string seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::string seen_;  // guarded by mu_
};

// The request echoed back as JSON (headers included), as a debugging endpoint might.
std::string echoJson(const ServerRequest& req) {
  json::object headers;
  for (const auto& field : req) {
    headers[std::string(field.name_string())] = std::string(field.value());
  }
  const std::string body = json::serialize(json::object{
      {"target", std::string(req.target())}, {"headers", headers}, {"body", req.body()}});
  return httpResponse(200, "OK", body, "Content-Type: application/json\r\n");
}

// The principal these tests call as.
struct NullContext : bastion::testing::TestCallContext {
  NullContext()
      : TestCallContext(
            mcp::Principal{.iss = "t", .sub = "alice", .client_id = "c", .scopes = {}}) {}
};

class HttpToolE2E : public ::testing::Test {
 protected:
  guard::Secrets secrets{[](std::string_view name) -> std::optional<std::string> {
    if (name == "API_TOKEN") {
      return std::string(kApiToken);
    }
    if (name == "API_KEY") {
      return std::string(kApiKey);
    }
    return std::nullopt;
  }};

  // A tool for `path` on `server`, allowed to reach it (loopback, plain http).
  HttpToolOptions local(const LocalServer& server, std::string method, std::string path) {
    const std::string hostport = "127.0.0.1:" + std::to_string(server.port());
    HttpToolOptions o;
    o.method = std::move(method);
    o.url = "http://" + hostport + path;
    o.allow_hosts = {hostport};
    o.allow_private = true;
    o.timeout = 5s;
    o.headers = {{"Authorization", "Bearer ${env:API_TOKEN}"}};
    o.secret_query = {{"api_key", "${env:API_KEY}"}};
    return o;
  }
  mcp::ToolSpec make(const HttpToolOptions& o) {
    auto spec = makeHttpTool(
        {.name = "api", .title = "", .description = "d", .scopes = {}, .audit_fields = {}}, o,
        secrets);
    EXPECT_TRUE(spec) << (spec ? "" : spec.error().message);
    return spec ? std::move(spec.value()) : mcp::ToolSpec{};
  }
  static Result<mcp::ToolResult> call(const mcp::ToolSpec& spec, const json::object& args) {
    NullContext ctx;
    return spec.handler(args, ctx);
  }
  static std::string everything(const Result<mcp::ToolResult>& r) {
    if (!r) {
      return r.error().message;
    }
    std::string out = json::serialize(r.value().content);
    if (r.value().structured) {
      out += json::serialize(*r.value().structured);
    }
    return out;
  }

  Wire wire;
};

TEST_F(HttpToolE2E, GetReturnsJsonFromTheWire) {
  // Arguments reach the server encoded in path and query; the JSON answer is structured.
  LocalServer server([this](const ServerRequest& req) {
    wire.record(req);
    return httpResponse(200, "OK", R"({"user":"42","ok":true})",
                        "Content-Type: application/json\r\n");
  });
  auto o = local(server, "GET", "/v1/users/{id}");
  o.params = {{.name = "id", .schema = json::object{{"type", "string"}}},
              {.name = "q", .schema = json::object{{"type", "string"}}, .required = false}};
  auto r = call(make(o), {{"id", "4 2/.."}, {"q", "a&b"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().structured, json::parse(R"({"user":"42","ok":true})"));
  ASSERT_EQ(server.targets().size(), 1u);
  EXPECT_EQ(server.targets()[0], "/v1/users/4%202%2F..?q=a%26b&api_key=" + std::string(kApiKey));
  EXPECT_NE(wire.seen().find("Authorization: Bearer " + std::string(kApiToken)), std::string::npos);
}

TEST_F(HttpToolE2E, SecretHeaderNeverInResultOrError) {
  // The server echoes every request header and the URL (with the secret query): the result
  // and the error excerpt carry neither secret.
  LocalServer server([](const ServerRequest& req) { return echoJson(req); });
  auto r = call(make(local(server, "POST", "/echo")), {});
  ASSERT_TRUE(r) << r.error().message;
  const std::string text = everything(r);
  EXPECT_NE(text.find("Authorization"), std::string::npos);  // the echo did happen
  EXPECT_EQ(text.find(kApiToken), std::string::npos) << text;
  EXPECT_EQ(text.find(kApiKey), std::string::npos) << text;

  LocalServer failing([](const ServerRequest& req) {
    std::string echoed;
    for (const auto& field : req) {
      echoed += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
    }
    return httpResponse(401, "Unauthorized", std::string(req.target()) + "\n" + echoed,
                        "Content-Type: text/plain\r\n");
  });
  auto e = call(make(local(failing, "GET", "/denied")), {});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("HTTP 401"), std::string::npos) << e.error().message;
  EXPECT_EQ(e.error().message.find(kApiToken), std::string::npos) << e.error().message;
  EXPECT_EQ(e.error().message.find(kApiKey), std::string::npos) << e.error().message;
}

TEST_F(HttpToolE2E, LoopbackIsRefusedWithoutAllowPrivate) {
  // The SSRF guard stands unless the configuration opts in: no connection is made.
  LocalServer server([](const ServerRequest&) { return httpResponse(200, "OK", "x"); });
  auto o = local(server, "GET", "/");
  o.allow_private = false;
  auto r = call(make(o), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(HttpToolError::Refused));
  EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpToolE2E, MetadataAddressIsRefusedEvenWithAllowPrivate) {
  // allow_private opens loopback and private networks, never the metadata service.
  for (const char* host : {"169.254.169.254", "[::ffff:169.254.169.254]"}) {
    HttpToolOptions o;
    o.url = "http://" + std::string(host) + "/latest/meta-data/";
    o.allow_hosts = {host};
    o.allow_private = true;
    o.timeout = 2s;
    auto r = call(make(o), {});
    ASSERT_FALSE(r) << host;
    EXPECT_EQ(r.error().code, static_cast<int>(HttpToolError::Refused)) << host;
  }
}

TEST_F(HttpToolE2E, OversizedResponseIsRefused) {
  // A body past max_bytes is an error naming the cap; nothing of it is returned.
  LocalServer server([](const ServerRequest&) {
    return httpResponse(200, "OK", std::string(4096, 'x'), "Content-Type: text/plain\r\n");
  });
  auto o = local(server, "GET", "/big");
  o.max_bytes = 1024;
  auto r = call(make(o), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "response larger than 1024 bytes");
}

TEST_F(HttpToolE2E, SlowServerTimesOut) {
  // A server that never answers: the call fails with Timeout close to the configured deadline.
  LocalServer server([](const ServerRequest&) { return std::nullopt; });
  auto o = local(server, "GET", "/slow");
  o.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = call(make(o), {});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(HttpToolError::Timeout));
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
}

TEST_F(HttpToolE2E, CancelledCallStopsWaitingForTheServer) {
  // The client cancels while the server stays silent: the call ends as Cancelled long before
  // its 30 s timeout, so a client cannot pin worker threads by cancelling slow calls.
  LocalServer server([](const ServerRequest&) { return std::nullopt; });
  auto o = local(server, "GET", "/slow");
  o.timeout = 30s;
  const mcp::ToolSpec spec = make(o);
  NullContext ctx;
  std::thread canceller([&ctx] {
    std::this_thread::sleep_for(100ms);
    ctx.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = spec.handler({}, ctx);
  const auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(mcp::HandlerError::Cancelled));
  EXPECT_LT(took, 10s) << "well before the timeout";
}

TEST_F(HttpToolE2E, HttpsToAnInternalCaTrustedThroughCaFile) {
  // An https API whose certificate comes from an internal CA: refused with the system trust
  // store, served once the tool's ca_file names that CA (the host name is still checked).
  const std::string ca_file = ::testing::TempDir() + "/bastion-http-tool-ca.pem";
  boost::asio::ssl::context tls{boost::asio::ssl::context::tls_server};
  ASSERT_TRUE(net::testing::makeLocalhostPki(ca_file, tls));
  LocalServer server([](const ServerRequest&) { return httpResponse(200, "OK", "secure", "Content-Type: text/plain\r\n"); },
                     &tls);
  const std::string hostport = "localhost:" + std::to_string(server.port());
  HttpToolOptions o;
  o.url = "https://" + hostport + "/status";
  o.allow_hosts = {hostport};
  o.allow_private = true;
  o.timeout = 5s;
  auto untrusted = call(make(o), {});
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, static_cast<int>(HttpToolError::Unreachable));
  EXPECT_EQ(untrusted.error().message, "TLS with localhost failed");
  o.ca_file = ca_file;
  auto trusted = call(make(o), {});
  ASSERT_TRUE(trusted) << trusted.error().message;
  EXPECT_NE(everything(trusted).find("secure"), std::string::npos) << everything(trusted);
}

TEST_F(HttpToolE2E, RedirectToForeignHostIsRefused) {
  // Another origin (here: another port on the same host) is never contacted.
  LocalServer foreign([](const ServerRequest&) { return httpResponse(200, "OK", "stolen"); });
  const std::string to = "http://127.0.0.1:" + std::to_string(foreign.port()) + "/steal";
  LocalServer server([to](const ServerRequest&) {
    return httpResponse(302, "Found", "", "Location: " + to + "\r\n");
  });
  auto o = local(server, "GET", "/start");
  o.follow_redirects = 5;
  auto r = call(make(o), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(HttpToolError::Refused));
  EXPECT_EQ(foreign.accepted(), 0u);
}

TEST_F(HttpToolE2E, RedirectToMetadataAddressIsRefused) {
  // A redirect to the metadata service is refused; the only request was the first one.
  LocalServer server([](const ServerRequest&) {
    return httpResponse(307, "Temporary Redirect", "",
                        "Location: http://169.254.169.254/latest/meta-data/iam\r\n");
  });
  auto o = local(server, "GET", "/start");
  o.follow_redirects = 5;
  auto r = call(make(o), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(HttpToolError::Refused));
  EXPECT_EQ(server.accepted(), 1u);
}

TEST_F(HttpToolE2E, SameOriginRedirectIsFollowedOnTheWire) {
  // Same origin: followed, each hop a new guarded connection, up to the cap.
  LocalServer server([](const ServerRequest& req) {
    if (req.target().starts_with("/old")) {
      return httpResponse(301, "Moved", "", "Location: /new\r\n");
    }
    return httpResponse(200, "OK", "moved here", "Content-Type: text/plain; charset=utf-8\r\n");
  });
  auto o = local(server, "GET", "/old");
  o.follow_redirects = 1;
  auto r = call(make(o), {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().content.at(0).at("text"), "moved here");
  EXPECT_EQ(server.accepted(), 2u);
}

TEST_F(HttpToolE2E, ConfigFileToCallOnTheWire) {
  // As serve wires it: TOML -> options -> tool (secrets from the environment) -> registry -> call.
  LocalServer server([this](const ServerRequest& req) {
    wire.record(req);
    return echoJson(req);
  });
  const std::string hostport = "127.0.0.1:" + std::to_string(server.port());
  auto cfg = config::parse(R"([[tools]]
name = "issues.create"
kind = "http"
description = "Open an issue"
method = "POST"
url = "http://)" + hostport + R"(/v1/repos/{repo}/issues"
allow_hosts = [")" + hostport + R"("]
allow_private = true
headers = { Authorization = "Bearer ${env:API_TOKEN}" }
params.repo = { type = "string", maxLength = 64 }
params.title = { type = "string", maxLength = 200 }
params.labels = { schema = { type = "array", items = { type = "string" } }, required = false }
)",
                           "t.toml");
  ASSERT_TRUE(cfg) << cfg.error().toString();
  const config::ToolConfig& t = cfg.value()->tools.at(0);
  auto spec = makeHttpTool(t.identity, std::get<HttpToolOptions>(t.options), secrets);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec.value().annotations.destructive, true);
  mcp::Server registry(
      mcp::ServerInfo{.name = "t", .version = "1", .title = "", .instructions = ""});
  auto handler = spec.value().handler;
  ASSERT_TRUE(registry.addTool(std::move(spec.value())));
  NullContext ctx;
  auto r =
      handler({{"repo", "acme/web"}, {"title", "Broken"}, {"labels", json::array{"bug"}}}, ctx);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r.value().structured);
  const json::object& echoed = r.value().structured->as_object();
  EXPECT_EQ(echoed.at("target"), "/v1/repos/acme%2Fweb/issues");
  EXPECT_EQ(json::parse(echoed.at("body").as_string()),
            json::parse(R"({"title":"Broken","labels":["bug"]})"));
  EXPECT_NE(wire.seen().find("Authorization: Bearer " + std::string(kApiToken)), std::string::npos);
}

// The whole server: a caller authenticated with a bearer token calls an http tool; the
// downstream server must see the configured credential and nothing of the caller's.
TEST_F(HttpToolE2E, CallerTokenIsNeverForwarded) {
  LocalServer downstream([this](const ServerRequest& req) {
    wire.record(req);
    return httpResponse(200, "OK", R"({"ok":true})", "Content-Type: application/json\r\n");
  });
  auto server = std::make_shared<mcp::Server>(
      mcp::ServerInfo{.name = "t", .version = "1", .title = "", .instructions = ""});
  ASSERT_TRUE(server->addTool(make(local(downstream, "GET", "/v1/me"))));
  auto sessions = std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom());
  std::shared_ptr<mcp::Dispatcher> dispatcher =
      mcp::Dispatcher::create(server, sessions, mcp::DispatcherOptions{});
  transport::HttpServerOptions o;
  o.port = 0;
  o.handle_signals = false;
  o.io_threads = 1;
  o.workers = 2;
  o.sse_delay = 5s;
  auto created = transport::HttpServer::create(
      o, dispatcher, sessions, std::make_shared<transport::testing::TableAuthenticator>());
  ASSERT_TRUE(created) << created.error().message;
  std::unique_ptr<transport::HttpServer> http = std::move(created.value());
  std::thread thread([&] { http->run(); });

  using transport::testing::post;
  using transport::testing::rpc;
  const std::string host = "127.0.0.1:" + std::to_string(http->port());
  const std::string auth = "Authorization: Bearer " + std::string(kCallerToken) + "\r\n";
  auto exchange = [&](const std::string& request) {
    transport::testing::TestClient c(http->port());
    c.send(request);
    return c.read(5s);
  };
  auto init = exchange(post(host, transport::testing::initializeBody(), auth));
  ASSERT_TRUE(init);
  const std::string sid((*init)["Mcp-Session-Id"]);
  const std::string session =
      auth + "Mcp-Session-Id: " + sid + "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
  exchange(post(host, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session));
  auto res = exchange(post(host, rpc(1, "tools/call", R"({"name":"api","arguments":{}})"),
                           session + "Cookie: session=" + std::string(kCallerToken) + "\r\n"));
  http->stop();
  thread.join();

  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_NE(res->body().find(R"(\"ok\":true)"), std::string::npos) << res->body();
  const std::string seen = wire.seen();
  ASSERT_NE(seen.find("GET /v1/me"), std::string::npos) << seen;  // the call did go out
  EXPECT_EQ(seen.find(kCallerToken), std::string::npos) << seen;
  EXPECT_NE(seen.find("Authorization: Bearer " + std::string(kApiToken)), std::string::npos);
  EXPECT_EQ(seen.find("Cookie"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("Mcp-Session-Id"), std::string::npos) << seen;
}

}  // namespace
}  // namespace bastion::tools
