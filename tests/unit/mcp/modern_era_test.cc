// Modern era (2026-07-28): per-request _meta, server/discover, header checks, result shape.

#include <gtest/gtest.h>

#include "mcp/jsonrpc.h"
#include "unit/mcp/test_server.h"

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

TEST(ModernEra, DiscoverAdvertisesVersionsAndCapabilities) {
  // server/discover lists supported versions, capabilities and identity.
  Harness h;
  auto r = h.modern(modernRequest(1, "server/discover"));
  const auto& res = resultOf(r);
  EXPECT_EQ(res.at("supportedVersions"), json::array{"2026-07-28"});
  EXPECT_TRUE(res.at("capabilities").as_object().contains("tools"));
  EXPECT_EQ(res.at("serverInfo").at("name"), "test");
  EXPECT_EQ(res.at("instructions"), "Be nice");
  EXPECT_EQ(res.at("resultType"), "complete");
}

TEST(ModernEra, EveryResultHasResultTypeAndServerInfo) {
  // resultType "complete" and _meta serverInfo on ordinary results.
  Harness h;
  for (auto method : {"tools/list", "resources/list", "prompts/list", "resources/templates/list"}) {
    auto r = h.modern(modernRequest(1, method));
    const auto& res = resultOf(r);
    EXPECT_EQ(res.at("resultType"), "complete") << method;
    EXPECT_EQ(res.at("_meta").at("io.modelcontextprotocol/serverInfo").at("name"), "test")
        << method;
    EXPECT_EQ(res.at("cacheScope"), "private") << method;
    EXPECT_GT(res.at("ttlMs").as_int64(), 0) << method;
  }
  auto call =
      h.modern(modernRequest(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}));
  EXPECT_EQ(resultOf(call).at("resultType"), "complete");
  EXPECT_FALSE(resultOf(call).contains("ttlMs"));
}

TEST(ModernEra, ResourceReadIsCacheableWithZeroTtl) {
  // resources/read carries ttlMs and cacheScope too.
  Harness h;
  auto r = h.modern(modernRequest(1, "resources/read", {{"uri", "test://static"}}));
  EXPECT_EQ(resultOf(r).at("ttlMs").as_int64(), 0);
  EXPECT_EQ(resultOf(r).at("cacheScope"), "private");
}

TEST(ModernEra, MissingProtocolVersionIsInvalidParams) {
  // A request with only clientCapabilities in _meta is malformed: -32602, HTTP 400.
  Harness h;
  auto r = h.modern(
      request(1, "tools/list",
              {{"_meta", {{"io.modelcontextprotocol/clientCapabilities", json::object{}}}}}));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
  EXPECT_EQ(r.http_status, 400);
}

TEST(ModernEra, MissingClientCapabilitiesIsInvalidParams) {
  // protocolVersion alone is not enough.
  Harness h;
  auto r = h.modern(request(
      1, "tools/list", {{"_meta", {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}}}}));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
  EXPECT_EQ(r.http_status, 400);
}

TEST(ModernEra, DiscoverWithoutMetaIsInvalidParams) {
  // server/discover is modern and needs _meta like every request.
  Harness h;
  auto r = h.modern(request(1, "server/discover"));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
  EXPECT_EQ(r.http_status, 400);
}

TEST(ModernEra, UnsupportedVersionListsSupported) {
  // -32022 with data {supported, requested}, HTTP 400.
  Harness h;
  auto msg = modernRequest(1, "tools/list");
  msg.at("params").at("_meta").as_object()["io.modelcontextprotocol/protocolVersion"] =
      "1900-01-01";
  auto r = h.modern(msg);
  EXPECT_EQ(errorCode(r), rpc::kUnsupportedProtocolVersion);
  EXPECT_EQ(r.http_status, 400);
  const auto& data = r.response->at("error").at("data");
  EXPECT_EQ(data.at("supported"), json::array{"2026-07-28"});
  EXPECT_EQ(data.at("requested"), "1900-01-01");
}

TEST(ModernEra, LegacyOnlyMethodsAreNotFound) {
  // initialize, ping, logging/setLevel, resources/subscribe do not exist in 2026-07-28: 404.
  Harness h;
  for (auto method : {"initialize", "ping", "logging/setLevel", "resources/subscribe", "nope"}) {
    auto r = h.modern(modernRequest(5, method));
    EXPECT_EQ(errorCode(r), rpc::kMethodNotFound) << method;
    EXPECT_EQ(r.http_status, 404) << method;
    EXPECT_EQ(r.response->at("id"), 5) << method;
  }
}

TEST(ModernEra, NoLogMessagesWithoutLogLevel) {
  // Without _meta logLevel the server emits no notifications/message.
  Harness h;
  h.modern(modernRequest(1, "tools/call", {{"name", "progress"}}));
  EXPECT_TRUE(h.out->withMethod("notifications/message").empty());
}

TEST(ModernEra, LogLevelInMetaSelectsMessages) {
  // _meta logLevel "debug" lets both the debug and the warning line through.
  Harness h;
  h.modern(modernRequest(
      1, "tools/call",
      {{"name", "progress"}, {"_meta", {{"io.modelcontextprotocol/logLevel", "debug"}}}}));
  EXPECT_EQ(h.out->withMethod("notifications/message").size(), 2U);
}

TEST(ModernEra, BadLogLevelIsInvalidParams) {
  // An unknown level name is rejected.
  Harness h;
  auto r = h.modern(
      modernRequest(1, "tools/list", {{"_meta", {{"io.modelcontextprotocol/logLevel", "loud"}}}}));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
}

TEST(ModernEra, ResourceNotFoundIsInvalidParams) {
  // 2026-07-28 uses -32602 where 2025-11-25 used -32002.
  Harness h;
  auto r = h.modern(modernRequest(1, "resources/read", {{"uri", "test://nothing"}}));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
  // SEP-2164: the error names the URI.
  EXPECT_EQ(r.response->at("error").at("data").at("uri"), "test://nothing");
}

TEST(ModernEra, HttpWithMatchingHeadersIsServed) {
  // Headers that mirror the body pass.
  Harness h;
  auto msg = modernRequest(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  auto r = h.modernHttp(msg, headersFor(msg));
  EXPECT_EQ(firstText(resultOf(r)), "hi");
}

TEST(ModernEra, MissingProtocolVersionHeaderIsHeaderMismatch) {
  // MCP-Protocol-Version is required on HTTP.
  Harness h;
  auto msg = modernRequest(1, "tools/list");
  auto headers = headersFor(msg);
  headers.protocol_version.reset();
  auto r = h.modernHttp(msg, headers);
  EXPECT_EQ(errorCode(r), rpc::kHeaderMismatch);
  EXPECT_EQ(r.http_status, 400);
}

TEST(ModernEra, ProtocolVersionHeaderMustMatchMeta) {
  // A header saying one version and a body saying another is refused.
  Harness h;
  auto msg = modernRequest(1, "tools/list");
  auto headers = headersFor(msg);
  headers.protocol_version = "2025-11-25";
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
}

TEST(ModernEra, UnknownBodyVersionUnderSupportedHeaderIsHeaderMismatch) {
  // Regression (conformance server-stateless): header 2026-07-28 with a body naming an unknown
  // version is a disagreement first, -32020, not -32022.
  Harness h;
  auto msg = modernRequest(1, "server/discover");
  msg.at("params").at("_meta").as_object()["io.modelcontextprotocol/protocolVersion"] = "v999.0.0";
  auto headers = headersFor(msg);
  headers.protocol_version = "2026-07-28";
  auto r = h.modernHttp(msg, headers);
  EXPECT_EQ(errorCode(r), rpc::kHeaderMismatch);
  EXPECT_EQ(r.http_status, 400);
}

TEST(ModernEra, DiscoverAdvertisesNoSubscriptionDelivery) {
  // Regression (conformance server-stateless): subscriptions/listen is not implemented, so
  // server/discover must not promise resources.subscribe.
  Harness h;
  auto r = h.modern(modernRequest(1, "server/discover"));
  const auto& caps = resultOf(r).at("capabilities");
  EXPECT_FALSE(caps.at("resources").as_object().contains("subscribe"));
}

TEST(ModernEra, HeaderMismatchOnMcpMethod) {
  // A router seeing tools/list while the body runs tools/call must not happen.
  Harness h;
  auto msg = modernRequest(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  auto headers = headersFor(msg);
  headers.method = "tools/list";
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
  headers.method.reset();
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
}

TEST(ModernEra, HeaderMismatchOnMcpName) {
  // Mcp-Name naming a harmless tool while the body calls another is refused before it runs.
  Harness h;
  auto msg = modernRequest(1, "tools/call", {{"name", "admin_only"}});
  auto headers = headersFor(msg);
  headers.name = "echo";
  auto r = h.modernHttp(msg, headers);
  EXPECT_EQ(errorCode(r), rpc::kHeaderMismatch);
  EXPECT_EQ(r.http_status, 400);
  headers.name.reset();
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
}

TEST(ModernEra, McpNameForResourceReadIsTheUri) {
  // For resources/read, Mcp-Name mirrors params.uri.
  Harness h;
  auto msg = modernRequest(1, "resources/read", {{"uri", "test://static"}});
  auto headers = headersFor(msg);
  EXPECT_EQ(resultOf(h.modernHttp(msg, headers)).at("contents").as_array().size(), 1U);
  headers.name = "test://items/1";
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
}

TEST(ModernEra, Base64SentinelMcpNameIsDecoded) {
  // "=?base64?...?=" is decoded before comparing; a bad encoding is a mismatch.
  Harness h;
  auto msg = modernRequest(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  auto headers = headersFor(msg);
  headers.name = "=?base64?ZWNobw==?=";  // "echo"
  EXPECT_EQ(firstText(resultOf(h.modernHttp(msg, headers))), "hi");
  headers.name = "=?base64?ZWNobw?=";  // unpadded: not valid standard base64
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
  headers.name = "=?base64?YWRtaW5fb25seQ==?=";  // "admin_only"
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
}

TEST(ModernEra, ControlCharactersInMcpNameAreRejected) {
  // A raw header value with control characters never matches.
  Harness h;
  auto msg = modernRequest(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  auto headers = headersFor(msg);
  headers.name = std::string("echo\r\n");
  EXPECT_EQ(errorCode(h.modernHttp(msg, headers)), rpc::kHeaderMismatch);
}

TEST(ModernEra, StdioSkipsHeaderChecks) {
  // Headers exist only on HTTP; stdio requests are served without them.
  Harness h;
  auto r =
      h.modern(modernRequest(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}));
  EXPECT_EQ(firstText(resultOf(r)), "x");
}

TEST(ModernEra, ModernRequestIgnoresUninitializedSession) {
  // A modern request needs no initialize even where a legacy session exists.
  Harness h;
  Inbound in;
  in.message = modernRequest(1, "tools/list");
  in.principal = alice();
  in.session = std::make_shared<Session>("s", alice());
  auto r = h.dispatcher->handle(std::move(in));
  EXPECT_TRUE(resultOf(r).contains("tools"));
}

TEST(ModernEra, NotificationsAreAccepted) {
  // Notifications get 202 and no body.
  Harness h;
  json::object n{
      {"jsonrpc", "2.0"},
      {"method", "notifications/cancelled"},
      {"params",
       {{"requestId", 1}, {"_meta", {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}}}}}};
  auto r = h.modern(n);
  EXPECT_FALSE(r.response);
  EXPECT_EQ(r.http_status, 202);
}

}  // namespace
}  // namespace bastion::mcp::testing
