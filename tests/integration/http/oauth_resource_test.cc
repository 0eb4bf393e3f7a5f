// The resource server end to end: a real HttpServer, the real Dispatcher and scope policy, the
// resource server Authenticator over a fake TokenVerifier, and the PRM routes, over loopback.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <map>

#include "auth/resource_server.h"
#include "http_test_support.h"
#include "mcp/server.h"
#include "policy/scope_policy.h"

namespace bastion::transport::testing {
namespace {

constexpr char kResource[] = "http://127.0.0.1/mcp";
constexpr char kMetadataUrl[] = "http://127.0.0.1/.well-known/oauth-protected-resource/mcp";

// Token -> principal; anything else is refused as BadSignature.
class TableVerifier final : public auth::TokenVerifier {
 public:
  boost::system::result<auth::VerifiedToken, auth::AuthError> verify(
      std::string_view token) override {
    static const std::map<std::string, auth::Principal, std::less<>> kTokens{
        {"alice-basic", {"https://as", "alice", "c1", {"mcp:tools"}}},
        {"alice-files", {"https://as", "alice", "c1", {"mcp:tools", "files:write"}}},
        {"bob-basic", {"https://as", "bob", "c1", {"mcp:tools"}}},
        {"alice-other-client", {"https://as", "alice", "c2", {"mcp:tools"}}},
    };
    const auto it = kTokens.find(token);
    if (it == kTokens.end()) {
      return auth::AuthError::BadSignature;
    }
    return auth::VerifiedToken{it->second,
                               std::chrono::system_clock::now() + std::chrono::minutes(5)};
  }
};

class OAuthResourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = std::make_shared<mcp::Server>(mcp::ServerInfo{.name = "t", .version = "1", .title = "", .instructions = ""});
    ASSERT_TRUE(server->addTool(mcp::ToolBuilder("whoami")
                                    .scopes({"mcp:tools"})
                                    .handler([](const json::object&, mcp::CallContext& ctx)
                                                 -> Result<mcp::ToolResult> {
                                      return mcp::ToolResult::text(ctx.principal().sub);
                                    })
                                    .build()));
    ASSERT_TRUE(server->addTool(mcp::ToolBuilder("write_file")
                                    .scopes({"files:write", "files:read"})
                                    .handler([this](const json::object&, mcp::CallContext&)
                                                 -> Result<mcp::ToolResult> {
                                      writes.fetch_add(1);
                                      return mcp::ToolResult::text("written");
                                    })
                                    .build()));
    auto policy = policy::ScopePolicy::create({{"files:write", {"files:read"}}});
    ASSERT_TRUE(policy);
    sessions = std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, systemRandom());
    mcp::DispatcherOptions dopts;
    dopts.scope_policy = *policy;
    std::shared_ptr<mcp::Dispatcher> dispatcher =
        mcp::Dispatcher::create(server, sessions, std::move(dopts));
    auth::ResourceServerOptions rs;
    rs.resource = kResource;
    rs.authorization_servers = {"https://as.example"};
    rs.scopes_supported = {"mcp:tools"};
    auto authenticator = auth::makeResourceServer(rs, std::make_shared<TableVerifier>());
    ASSERT_TRUE(authenticator);
    HttpServerOptions o;
    o.port = 0;
    o.handle_signals = false;
    o.io_threads = 1;
    o.workers = 2;
    o.sse_delay = 5s;  // answers come back as JSON: the status line is the point here
    o.routes = {auth::makeProtectedResourceMetadata(rs, "/mcp")};
    auto created = HttpServer::create(o, dispatcher, sessions, std::move(*authenticator));
    ASSERT_TRUE(created) << created.error().message;
    http_server = std::move(*created);
    thread = std::thread([this] { http_server->run(); });
  }
  void TearDown() override {
    if (http_server) {
      http_server->stop();
    }
    if (thread.joinable()) {
      thread.join();
    }
  }

  std::string host() const { return "127.0.0.1:" + std::to_string(http_server->port()); }
  static std::string bearer(const std::string& token) {
    return "Authorization: Bearer " + token + "\r\n";
  }
  std::optional<Response> send(const std::string& request) {
    TestClient c(http_server->port());
    c.send(request);
    return c.read();
  }
  // A legacy session for `token`, initialized with `version`; returns its id.
  std::string initialize(const std::string& token, const std::string& version = "2025-11-25") {
    const std::string body =
        rpc(0, "initialize",
            R"({"protocolVersion":")" + version +
                R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}})");
    auto res = send(post(host(), body, bearer(token)));
    EXPECT_TRUE(res);
    if (!res) {
      return {};
    }
    EXPECT_EQ(res->result_int(), 200u) << res->body();
    const std::string sid((*res)["Mcp-Session-Id"]);
    auto done = send(post(host(), R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                          bearer(token) + "Mcp-Session-Id: " + sid +
                              "\r\nMCP-Protocol-Version: " + version + "\r\n"));
    EXPECT_TRUE(done && done->result_int() == 202u);
    return sid;
  }
  static std::string callBody(const std::string& tool) {
    return rpc(1, "tools/call", R"({"name":")" + tool + R"(","arguments":{}})");
  }
  static std::string modernCallBody(const std::string& tool) {
    return rpc(1, "tools/call",
               R"({"name":")" + tool +
                   R"(","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}})");
  }
  static std::string modernHeaders(const std::string& tool, const std::string& version) {
    return "MCP-Protocol-Version: " + version + "\r\nMcp-Method: tools/call\r\nMcp-Name: " +
           tool + "\r\n";
  }

  std::shared_ptr<mcp::SessionStore> sessions;
  std::unique_ptr<HttpServer> http_server;
  std::thread thread;
  std::atomic<int> writes{0};
};

TEST_F(OAuthResourceTest, MissingTokenIs401PointingAtProtectedResourceMetadata) {
  // A cold client learns where to find the PRM document and which scopes to ask for.
  auto res = send(post(host(), initializeBody()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 401u);
  EXPECT_EQ((*res)[http::field::www_authenticate],
            std::string("Bearer resource_metadata=\"") + kMetadataUrl + "\", scope=\"mcp:tools\"");
  auto prm = send("GET /.well-known/oauth-protected-resource/mcp HTTP/1.1\r\nHost: " + host() +
                  "\r\nOrigin: https://some-browser-client.example\r\n\r\n");
  ASSERT_TRUE(prm);
  EXPECT_EQ(prm->result_int(), 200u);
  EXPECT_EQ(json::parse(prm->body()).at("resource"), kResource);
  EXPECT_EQ((*prm)["Access-Control-Allow-Origin"], "*");
  auto root = send("GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: " + host() +
                   "\r\n\r\n");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->result_int(), 200u);
}

TEST_F(OAuthResourceTest, InvalidTokenIs401InvalidToken) {
  // A forged token: 401 with error="invalid_token"; the body says nothing about why.
  auto res = send(post(host(), initializeBody(), bearer("forged")));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 401u);
  EXPECT_NE((*res)[http::field::www_authenticate].find("error=\"invalid_token\""),
            std::string::npos);
  EXPECT_EQ(res->body().find("signature"), std::string::npos);
}

TEST_F(OAuthResourceTest, TokenInQueryStringIsRefused) {
  // ?access_token= is refused even next to a valid header, before the dispatcher.
  std::string req = post(host(), initializeBody(), bearer("alice-basic"));
  req.replace(req.find("/mcp"), 4, "/mcp?access_token=alice-basic");
  auto res = send(req);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400u);
  EXPECT_NE((*res)[http::field::www_authenticate].find("invalid_request"), std::string::npos);
}

TEST_F(OAuthResourceTest, SessionIdPresentedByAnotherPrincipalIs404) {
  // Bob (or alice through another client) holding alice's session id finds no session, on POST,
  // GET and DELETE alike; alice's session survives.
  const std::string sid = initialize("alice-basic");
  ASSERT_FALSE(sid.empty());
  for (const char* thief : {"bob-basic", "alice-other-client"}) {
    auto post_res = send(post(host(), callBody("whoami"),
                              bearer(thief) + "Mcp-Session-Id: " + sid + "\r\n"));
    ASSERT_TRUE(post_res);
    EXPECT_EQ(post_res->result_int(), 404u) << thief;
    auto get_res = send("GET /mcp HTTP/1.1\r\nHost: " + host() +
                        "\r\nAccept: text/event-stream\r\n" + bearer(thief) +
                        "Mcp-Session-Id: " + sid + "\r\n\r\n");
    ASSERT_TRUE(get_res);
    EXPECT_EQ(get_res->result_int(), 404u) << thief;
    auto delete_res = send("DELETE /mcp HTTP/1.1\r\nHost: " + host() + "\r\n" + bearer(thief) +
                           "Mcp-Session-Id: " + sid + "\r\n\r\n");
    ASSERT_TRUE(delete_res);
    EXPECT_EQ(delete_res->result_int(), 404u) << thief;
  }
  auto mine = send(post(host(), callBody("whoami"),
                        bearer("alice-basic") + "Mcp-Session-Id: " + sid + "\r\n"));
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->result_int(), 200u);
  EXPECT_EQ(json::parse(mine->body()).at("result").at("content").at(0).at("text"), "alice");
}

TEST_F(OAuthResourceTest, ScopeCheckCannotBeBypassedByClaimingOlderProtocolVersion) {
  // A token without files:write cannot run write_file whichever protocol version it claims:
  // legacy sessions negotiated at 2025-03-26 / 2025-11-25, a modern call, and a modern body
  // under an old header all fail, and the tool never runs.
  for (const char* version : {"2025-03-26", "2025-06-18", "2025-11-25"}) {
    const std::string sid = initialize("alice-basic", version);
    auto res = send(post(host(), callBody("write_file"),
                         bearer("alice-basic") + "Mcp-Session-Id: " + sid +
                             "\r\nMCP-Protocol-Version: " + version + "\r\n"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 403u) << version;
    EXPECT_EQ((*res)[http::field::www_authenticate],
              std::string("Bearer error=\"insufficient_scope\", scope=\"files:write files:read\", "
                          "resource_metadata=\"") +
                  kMetadataUrl + "\", error_description=\"Additional scope required\"")
        << version;
  }
  auto modern = send(post(host(), modernCallBody("write_file"),
                          bearer("alice-basic") + modernHeaders("write_file", "2026-07-28")));
  ASSERT_TRUE(modern);
  EXPECT_EQ(modern->result_int(), 403u);
  EXPECT_NE((*modern)[http::field::www_authenticate].find("insufficient_scope"), std::string::npos);
  auto mixed = send(post(host(), modernCallBody("write_file"),
                         bearer("alice-basic") + modernHeaders("write_file", "2025-03-26")));
  ASSERT_TRUE(mixed);
  EXPECT_NE(mixed->result_int(), 200u);
  auto no_session = send(post(host(), callBody("write_file"),
                              bearer("alice-basic") + "MCP-Protocol-Version: 2025-03-26\r\n"));
  ASSERT_TRUE(no_session);
  EXPECT_NE(no_session->result_int(), 200u);
  EXPECT_EQ(writes.load(), 0);
}

TEST_F(OAuthResourceTest, ImpliedScopeListsAndCallsTheTool) {
  // files:write implies files:read: alice-files sees write_file and may call it; alice-basic
  // does not see it.
  auto list = [&](const std::string& token) {
    auto res = send(post(host(), rpc(1, "tools/list",
                                     R"({"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}})"),
                         bearer(token) +
                             "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\n"));
    EXPECT_TRUE(res);
    std::vector<std::string> names;
    if (res) {
      const json::object result = json::parse(res->body()).at("result").as_object();
      EXPECT_EQ(result.at("cacheScope"), "private");
      for (const auto& t : result.at("tools").as_array()) {
        names.emplace_back(t.at("name").as_string());
      }
    }
    return names;
  };
  EXPECT_EQ(list("alice-basic"), std::vector<std::string>{"whoami"});
  EXPECT_EQ(list("alice-files"), (std::vector<std::string>{"whoami", "write_file"}));
  auto res = send(post(host(), modernCallBody("write_file"),
                       bearer("alice-files") + modernHeaders("write_file", "2026-07-28")));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u) << res->body();
  EXPECT_EQ(writes.load(), 1);
}

TEST_F(OAuthResourceTest, GetAndDeleteNeedAValidTokenToo) {
  // Authentication runs on every method: a refused token cannot open or end a session.
  const std::string sid = initialize("alice-basic");
  auto get_res = send("GET /mcp HTTP/1.1\r\nHost: " + host() + "\r\nAccept: text/event-stream\r\n" +
                      bearer("forged") + "Mcp-Session-Id: " + sid + "\r\n\r\n");
  ASSERT_TRUE(get_res);
  EXPECT_EQ(get_res->result_int(), 401u);
  auto delete_res = send("DELETE /mcp HTTP/1.1\r\nHost: " + host() + "\r\nMcp-Session-Id: " + sid +
                         "\r\n\r\n");
  ASSERT_TRUE(delete_res);
  EXPECT_EQ(delete_res->result_int(), 401u);
  auto still = send(post(host(), callBody("whoami"),
                         bearer("alice-basic") + "Mcp-Session-Id: " + sid + "\r\n"));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->result_int(), 200u);
}

}  // namespace
}  // namespace bastion::transport::testing
