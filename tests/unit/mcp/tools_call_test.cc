// tools/list and tools/call: pagination, strict arguments, output schema, authorization,
// error mapping. Most run in the legacy era; era-specific shapes are covered elsewhere.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include "audit/audit_log.h"
#include "core/random.h"
#include "mcp/jsonrpc.h"
#include "mcp/methods.h"
#include "policy/scope_policy.h"
#include "unit/mcp/test_server.h"

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

json::object call(Harness& h, std::string_view tool, json::object args) {
  auto r =
      h.legacy(h.stdioSession(), request(1, "tools/call", {{"name", tool}, {"arguments", args}}));
  return resultOf(r);
}

std::vector<std::string> listNames(Harness& h, const std::shared_ptr<Session>& s,
                                   json::object params,
                                   std::optional<std::string>* next = nullptr) {
  auto r = h.legacy(s, request(1, "tools/list", std::move(params)));
  std::vector<std::string> names;
  for (const auto& t : resultOf(r).at("tools").as_array()) {
    names.emplace_back(t.at("name").as_string());
  }
  if (next != nullptr) {
    const auto* c = resultOf(r).if_contains("nextCursor");
    *next = c != nullptr ? std::optional<std::string>(std::string(c->as_string())) : std::nullopt;
  }
  return names;
}

TEST(ToolsList, ListsVisibleToolsWithDefinitions) {
  // Every tool the principal may use, with its input schema.
  Harness h;
  auto r = h.legacy(h.stdioSession(), request(1, "tools/list"));
  const auto& tools = resultOf(r).at("tools").as_array();
  EXPECT_EQ(tools.at(0).at("name"), "echo");
  EXPECT_TRUE(tools.at(0).as_object().contains("inputSchema"));
  EXPECT_FALSE(resultOf(r).contains("nextCursor"));
}

TEST(ToolsList, PaginatesWithOpaqueCursor) {
  // Pages of two, following nextCursor, cover every visible tool exactly once.
  Harness h(2);
  auto s = h.stdioSession();
  std::vector<std::string> all;
  std::optional<std::string> next;
  auto page = listNames(h, s, {}, &next);
  all.insert(all.end(), page.begin(), page.end());
  int pages = 1;
  while (next) {
    page = listNames(h, s, {{"cursor", *next}}, &next);
    EXPECT_LE(page.size(), 2U);
    all.insert(all.end(), page.begin(), page.end());
    ++pages;
  }
  Harness whole;
  EXPECT_EQ(all, listNames(whole, whole.stdioSession(), {}));
  EXPECT_GT(pages, 2);
}

TEST(ToolsList, ForgedCursorIsInvalidParams) {
  // Cursors not minted by us, or minted for another list, are -32602.
  Harness h(2);
  auto s = h.stdioSession();
  for (auto bad : {"", "garbage!", "dG9vbHM6OTk5", "cHJvbXB0czoy", "dG9vbHM6LTE", "dG9vbHM6MA"}) {
    // dG9vbHM6OTk5 = "tools:999", cHJvbXB0czoy = "prompts:2", "tools:-1", "tools:0"
    EXPECT_EQ(errorCode(h.legacy(s, request(1, "tools/list", {{"cursor", bad}}))),
              rpc::kInvalidParams)
        << bad;
  }
  EXPECT_EQ(errorCode(h.legacy(s, request(1, "tools/list", {{"cursor", 2}}))), rpc::kInvalidParams);
}

TEST(ToolsList, ScopedToolIsHiddenFromPrincipalWithoutScope) {
  // admin_only needs scope "admin": alice (no scopes) does not see it.
  Harness h;
  auto names = listNames(h, h.stdioSession(), {});
  EXPECT_EQ(std::count(names.begin(), names.end(), "admin_only"), 0);
}

TEST(ToolsList, ScopedToolIsListedForPrincipalWithScope) {
  // A principal holding the scope sees and can call it.
  Harness h;
  auto admin = alice();
  admin.scopes = {"admin"};
  auto session = std::make_shared<Session>("s", admin);
  session->setNegotiated("2025-11-25", {});
  Inbound in;
  in.message = request(1, "tools/call", {{"name", "admin_only"}});
  in.principal = admin;
  in.session = session;
  auto r = h.dispatcher->handle(std::move(in));
  EXPECT_EQ(firstText(resultOf(r)), "admin stuff");
}

TEST(ToolsCall, CallWithoutRequiredScopeIsInsufficientScopeNamingEveryScope) {
  // Calling a tool without its scopes: -32003 with requiredScopes, and the DispatchResult names
  // them so HTTP can answer 403 insufficient_scope; the handler never runs.
  Harness h;
  auto s = h.stdioSession();
  auto hidden = h.legacy(s, request(1, "tools/call", {{"name", "admin_only"}}));
  EXPECT_EQ(errorCode(hidden), kInsufficientScope);
  EXPECT_EQ(hidden.response->at("error").at("data").at("requiredScopes"), json::array{"admin"});
  EXPECT_EQ(hidden.insufficient_scope, std::vector<std::string>{"admin"});
  EXPECT_EQ(hidden.http_status, 403);
  auto unknown = h.legacy(s, request(1, "tools/call", {{"name", "no_such_tool"}}));
  EXPECT_EQ(errorCode(unknown), rpc::kInvalidParams);
  EXPECT_TRUE(unknown.insufficient_scope.empty());
}

TEST(ToolsCall, ModernCallWithoutRequiredScopeIsTheSameRefusal) {
  // The modern era runs the same check and reports it the same way.
  Harness h;
  auto r = h.modern(modernRequest(1, "tools/call", {{"name", "admin_only"}}));
  EXPECT_EQ(errorCode(r), kInsufficientScope);
  EXPECT_EQ(r.insufficient_scope, std::vector<std::string>{"admin"});
}

TEST(ToolsCall, ScopeImplicationsGrantImpliedScopes) {
  // With superuser => admin configured, a superuser token lists and calls admin_only.
  auto policy = policy::ScopePolicy::create({{"superuser", {"admin"}}});
  ASSERT_TRUE(policy);
  auto server = makeTestServer();
  auto sessions = std::make_shared<SessionStore>(SessionLimits{}, systemRandom());
  DispatcherOptions options;
  options.scope_policy = *policy;
  auto dispatcher = Dispatcher::create(server, sessions, std::move(options));
  auto su = alice();
  su.scopes = {"superuser"};
  auto session = std::make_shared<Session>("s", su);
  session->setNegotiated("2025-11-25", {});
  Inbound in;
  in.message = request(1, "tools/call", {{"name", "admin_only"}});
  in.principal = su;
  in.session = session;
  auto r = dispatcher->handle(std::move(in));
  EXPECT_EQ(firstText(resultOf(r)), "admin stuff");
}

TEST(ToolsCall, ReturnsHandlerContent) {
  // The happy path: text content, no isError.
  Harness h;
  auto res = call(h, "echo", {{"text", "hello"}});
  EXPECT_EQ(firstText(res), "hello");
  EXPECT_FALSE(res.contains("isError"));
}

TEST(ToolsCall, MissingNameIsInvalidParams) {
  // tools/call without a string name is a protocol error.
  Harness h;
  EXPECT_EQ(errorCode(h.legacy(h.stdioSession(), request(1, "tools/call", {{"name", 3}}))),
            rpc::kInvalidParams);
}

TEST(ToolsCall, NonObjectArgumentsIsInvalidParams) {
  // arguments must be an object.
  Harness h;
  auto r = h.legacy(h.stdioSession(),
                    request(1, "tools/call", {{"name", "echo"}, {"arguments", json::array{}}}));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
}

TEST(ToolsCall, AbsentArgumentsAreEmptyObject) {
  // A call without arguments is validated as {} (here: missing required "text").
  Harness h;
  auto r = h.legacy(h.stdioSession(), request(1, "tools/call", {{"name", "echo"}}));
  EXPECT_EQ(resultOf(r).at("isError"), true);
}

TEST(ToolsCall, UnknownArgumentKeyIsRejected) {
  // Closed schemas by default: an extra key never reaches the handler.
  Harness h;
  auto res = call(h, "echo", {{"text", "hi"}, {"injected", "rm -rf /"}});
  EXPECT_EQ(res.at("isError"), true);
  const std::string text = firstText(res);
  EXPECT_NE(text.find("Invalid arguments"), std::string::npos);
  EXPECT_NE(text.find("injected"), std::string::npos) << "names the offending key: " << text;
}

TEST(ToolsCall, OpenArgumentsAcceptUnknownKeys) {
  // A tool that opted out receives extra keys.
  Harness h;
  EXPECT_EQ(firstText(call(h, "open_args", {{"x", "1"}, {"y", 2}})), "2");
}

TEST(ToolsCall, ValidationErrorNamesPointerAndRule) {
  // A too-long string: the message names /text and the maxLength rule.
  Harness h;
  auto res = call(h, "echo", {{"text", "this string is far too long for twenty"}});
  EXPECT_EQ(res.at("isError"), true);
  const std::string text = firstText(res);
  EXPECT_NE(text.find("/text"), std::string::npos) << text;
  EXPECT_NE(text.find("maxLength"), std::string::npos) << text;
}

TEST(ToolsCall, RejectedValueIsNotEchoed) {
  // The rejected value (which may be a secret pasted by mistake) never appears in the error.
  Harness h;
  const std::string secret = "sk-live-SECRET-0123456789abcdef";
  for (const json::value& bad : {json::value(secret), json::value(json::array{secret}),
                                 json::value(json::object{{"k", secret}})}) {
    auto res = call(h, "add", {{"a", bad}, {"b", 1}});
    EXPECT_EQ(res.at("isError"), true);
    EXPECT_EQ(json::serialize(res).find("SECRET"), std::string::npos) << json::serialize(res);
  }
  auto res = call(h, "echo", {{"text", secret + secret}});
  EXPECT_EQ(json::serialize(res).find("SECRET"), std::string::npos);
}

TEST(ToolsCall, StructuredOnlyResultGetsTextMirror) {
  // A tool returning only structuredContent also gets a text block with the same JSON.
  Harness h;
  auto res = call(h, "add", {{"a", 2}, {"b", 3}});
  EXPECT_EQ(res.at("structuredContent").at("sum").to_number<double>(), 5.0);
  EXPECT_EQ(json::parse(firstText(res)), res.at("structuredContent"));
}

TEST(ToolsCall, OwnOutputViolatingSchemaIsToolError) {
  // Our tool broke its outputSchema: the client gets a tool error, not the bad data.
  Harness h;
  auto res = call(h, "bad_output", {});
  EXPECT_EQ(res.at("isError"), true);
  EXPECT_EQ(firstText(res), "output failed outputSchema");
  EXPECT_FALSE(res.contains("structuredContent"));
}

TEST(ToolsCall, ToolWithOutputSchemaMustReturnStructured) {
  // Text only from a tool that declared outputSchema is an error.
  Harness h;
  auto res = call(h, "no_structured", {});
  EXPECT_EQ(res.at("isError"), true);
}

TEST(ToolsCall, HandlerErrorIsToolExecutionError) {
  // A handler Error becomes isError with its message.
  Harness h;
  auto res = call(h, "fail", {});
  EXPECT_EQ(res.at("isError"), true);
  EXPECT_EQ(firstText(res), "the disk is full");
}

TEST(ToolsCall, HandlerExceptionIsInternalErrorWithoutDetails) {
  // An exception escaping a tool becomes -32603 that does not leak its text.
  Harness h;
  auto r = h.legacy(h.stdioSession(), request(1, "tools/call", {{"name", "throws"}}));
  EXPECT_EQ(errorCode(r), rpc::kInternalError);
  EXPECT_EQ(json::serialize(*r.response).find("secret"), std::string::npos);
}

TEST(ToolsCall, MayBlockOnlyForHandlerMethods) {
  // Transports may run list/ping inline; calls, reads, gets and completions go to workers.
  Harness h;
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "tools/call")));
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "prompts/get")));
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "resources/read")));
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "completion/complete")));
  EXPECT_FALSE(h.dispatcher->mayBlock(request(1, "tools/list")));
  EXPECT_FALSE(h.dispatcher->mayBlock(request(1, "ping")));
  EXPECT_FALSE(h.dispatcher->mayBlock(json::value(3)));
}

TEST(ToolsCall, OnlyToolsDeclaredNonBlockingMayRunInline) {
  // A call of a tool declared non-blocking may stay on the I/O thread; any other call, an
  // unknown tool or a malformed name goes to a worker.
  Harness h;
  EXPECT_FALSE(h.dispatcher->mayBlock(request(1, "tools/call", {{"name", "add"}})));
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "tools/call", {{"name", "echo"}})));
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "tools/call", {{"name", "no_such_tool"}})));
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "tools/call", {{"name", 7}})));
  // The result is the same either way: the whole pipeline runs.
  auto res = call(h, "add", {{"a", 2}, {"b", 3}});
  EXPECT_FALSE(res.contains("isError") && res.at("isError") == true);
}

TEST(ToolsCall, CallsOfToolsThatWaitOnPeersAreToldApart) {
  // Transports run calls of tools that wait on peers (a downstream API, a child process) on
  // their own pool; every other blocking call and every non-call stays on the local one.
  ServerInfo info;
  info.name = "t";
  info.version = "1";
  auto server = std::make_shared<Server>(std::move(info));
  auto handler = [](const json::object&, CallContext&) -> Result<ToolResult> {
    return ToolResult::text("x");
  };
  ASSERT_TRUE(server->addTool(ToolBuilder("remote").waitsOnPeers().handler(handler).build()));
  ASSERT_TRUE(server->addTool(ToolBuilder("local").handler(handler).build()));
  auto sessions = std::make_shared<SessionStore>(SessionLimits{}, systemRandom());
  auto d = Dispatcher::create(server, sessions);
  EXPECT_TRUE(d->waitsOnPeers(request(1, "tools/call", {{"name", "remote"}})));
  EXPECT_TRUE(d->mayBlock(request(1, "tools/call", {{"name", "remote"}})));
  EXPECT_FALSE(d->waitsOnPeers(request(1, "tools/call", {{"name", "local"}})));
  EXPECT_FALSE(d->waitsOnPeers(request(1, "tools/call", {{"name", "no_such_tool"}})));
  EXPECT_FALSE(d->waitsOnPeers(request(1, "prompts/get", {{"name", "remote"}})));
  EXPECT_FALSE(d->waitsOnPeers(json::value(3)));
}

// An audit sink whose record() waits for the disk, as fsync = "always" does.
class DiskBoundSink final : public audit::AuditSink {
 public:
  void record(json::object) override {}
  bool recordWaitsForDisk() const override { return true; }
};

TEST(ToolsCall, NonBlockingToolsLeaveTheIoThreadWhenAuditWaitsForTheDisk) {
  // With fsync = "always" the audit step of every call waits for an fsync: no call may then
  // run on an I/O thread, not even one of a tool declared non-blocking.
  DispatcherOptions o;
  o.audit = std::make_shared<DiskBoundSink>();
  Harness h(std::move(o));
  EXPECT_TRUE(h.dispatcher->mayBlock(request(1, "tools/call", {{"name", "add"}})));
  EXPECT_FALSE(h.dispatcher->mayBlock(request(1, "tools/list")));
}

}  // namespace
}  // namespace bastion::mcp::testing
