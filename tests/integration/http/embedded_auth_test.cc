// The embedded authorization server's tokens over real keep-alive HTTP connections: each
// connection remembers its last verified token (auth/token_memo.h), and a revocation must still
// reach the very next request of that connection.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include "auth/resource_server.h"
#include "http_test_support.h"
#include "mcp/server.h"
#include "oauth/authorization_server.h"
#include "store/store.h"

namespace bastion::transport::testing {
namespace {

constexpr char kIssuer[] = "http://127.0.0.1";
constexpr char kResource[] = "http://127.0.0.1/mcp";
constexpr char kClientId[] = "public-client";

class EmbeddedAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::openStore("sqlite::memory:");
    ASSERT_TRUE(store) << store.error().message;
    store::Client client;
    client.client_id = kClientId;
    client.redirect_uris = {"http://127.0.0.1:9999/callback"};
    client.grant_types = {"authorization_code", "refresh_token"};
    client.scopes = {"mcp:tools"};
    client.created = client.last_used = systemClock().now();
    ASSERT_TRUE((*store)->putClient(client));
    oauth::AsOptions as_options;
    as_options.issuer = kIssuer;
    as_options.resource = kResource;
    as_options.scopes_supported = {"mcp:tools"};
    oauth::AsDependencies deps;
    deps.store = *store;
    auto as = oauth::AuthorizationServer::create(as_options, std::move(deps));
    ASSERT_TRUE(as) << as.error().message;
    as_ = *as;
    startServer();
  }
  void TearDown() override {
    if (http_server_) {
      http_server_->stop();
    }
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void startServer() {
    auto server = std::make_shared<mcp::Server>(
        mcp::ServerInfo{.name = "t", .version = "1", .title = "", .instructions = ""});
    ASSERT_TRUE(server->addTool(
        mcp::ToolBuilder("whoami")
            .scopes({"mcp:tools"})
            .handler([](const json::object&, mcp::CallContext& ctx) -> Result<mcp::ToolResult> {
              return mcp::ToolResult::text(ctx.principal().sub);
            })
            .build()));
    auto sessions = std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom());
    std::shared_ptr<mcp::Dispatcher> dispatcher =
        mcp::Dispatcher::create(server, sessions, mcp::DispatcherOptions{});
    auth::ResourceServerOptions rs;
    rs.resource = kResource;
    rs.authorization_servers = {kIssuer};
    rs.scopes_supported = {"mcp:tools"};
    auto authenticator = auth::makeResourceServer(rs, as_->verifier());
    ASSERT_TRUE(authenticator);
    HttpServerOptions o;
    o.port = 0;
    o.handle_signals = false;
    o.io_threads = 1;
    o.workers = 1;
    auto created = HttpServer::create(o, dispatcher, sessions, std::move(*authenticator));
    ASSERT_TRUE(created) << created.error().message;
    http_server_ = std::move(*created);
    thread_ = std::thread([this] { http_server_->run(); });
  }

  std::string issue() {
    auto token = as_->issueAccessToken("alice", {"mcp:tools"}, std::chrono::minutes(10), kClientId);
    EXPECT_TRUE(token) << token.error().message;
    return token ? *token : std::string();
  }
  int revoke(const std::string& token) {
    web::Request r;
    r.method = "POST";
    r.target = "/revoke";
    r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    r.body = "token=" + token + "&client_id=" + kClientId;
    r.remote_address = "127.0.0.1";
    return as_->handle(r).status;
  }
  // Sends an initialize request on `client` and returns the status (0: no answer).
  unsigned initializeOn(TestClient& client, const std::string& token) {
    const std::string host = "127.0.0.1:" + std::to_string(http_server_->port());
    if (!client.send(post(host, initializeBody(), "Authorization: Bearer " + token + "\r\n"))) {
      return 0;
    }
    auto res = client.read();
    return res ? res->result_int() : 0;
  }

  std::shared_ptr<oauth::AuthorizationServer> as_;
  std::unique_ptr<HttpServer> http_server_;
  std::thread thread_;
};

TEST_F(EmbeddedAuthTest, TokenIsAcceptedOnEveryRequestOfAKeepAliveConnection) {
  // The memoised token keeps working on the same connection, request after request.
  const std::string token = issue();
  TestClient client(http_server_->port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(initializeOn(client, token), 200u) << "request " << i;
  }
}

TEST_F(EmbeddedAuthTest, RevokedTokenIsRefusedOnTheSameConnection) {
  // Revoked between two requests of one keep-alive connection: the second is 401.
  const std::string token = issue();
  TestClient client(http_server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_EQ(initializeOn(client, token), 200u);
  ASSERT_EQ(initializeOn(client, token), 200u);
  ASSERT_EQ(revoke(token), 200);
  EXPECT_EQ(initializeOn(client, token), 401u);
}

TEST_F(EmbeddedAuthTest, ForgedTokenAfterAGoodOneIsRefusedOnTheSameConnection) {
  // The connection's good token does not vouch for a different one (its last byte changed).
  const std::string token = issue();
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  TestClient client(http_server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_EQ(initializeOn(client, token), 200u);
  EXPECT_EQ(initializeOn(client, forged), 401u);
}

}  // namespace
}  // namespace bastion::transport::testing
