// x-mcp-header annotations (SEP-2243): registration rules and the Mcp-Param-{Name} check.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "mcp/header_params.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mcp/jsonrpc.h"
#include "mcp/server.h"
#include "unit/mcp/test_server.h"

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

json::value regionalCall(json::object args) {
  return modernRequest(1, "tools/call", {{"name", "regional"}, {"arguments", std::move(args)}});
}

HttpMetadata withParams(const json::value& msg,
                        std::vector<std::pair<std::string, std::string>> params) {
  auto h = headersFor(msg);
  h.params = std::move(params);
  return h;
}

TEST(HeaderParams, CollectsAnnotationsThroughProperties) {
  // Nested properties are reachable; the path names every key on the way.
  auto params = collectHeaderParams(json::parse(R"({"type":"object","properties":{
      "a":{"type":"string","x-mcp-header":"A"},
      "o":{"type":"object","properties":{"b":{"type":"integer","x-mcp-header":"B"}}}}})"));
  ASSERT_TRUE(params);
  ASSERT_EQ(params->size(), 2U);
  EXPECT_EQ((*params)[1].name, "B");
  EXPECT_EQ((*params)[1].path, (std::vector<std::string>{"o", "b"}));
}

TEST(HeaderParams, InvalidAnnotationsAreRegistrationErrors) {
  // Empty or non-token names, non-primitive or number types and case-insensitive duplicates.
  for (auto schema : {R"({"properties":{"a":{"type":"string","x-mcp-header":""}}})",
                      R"({"properties":{"a":{"type":"string","x-mcp-header":"Bad Name"}}})",
                      R"({"properties":{"a":{"type":"string","x-mcp-header":"X\r\nInjected: 1"}}})",
                      R"({"properties":{"a":{"type":"number","x-mcp-header":"A"}}})",
                      R"({"properties":{"a":{"type":"object","x-mcp-header":"A"}}})",
                      R"({"properties":{"a":{"type":"string","x-mcp-header":7}}})",
                      R"({"properties":{"a":{"type":"string","x-mcp-header":"A"},
                             "b":{"type":"string","x-mcp-header":"a"}}})"}) {
    auto r = collectHeaderParams(json::parse(schema));
    ASSERT_FALSE(r) << schema;
    EXPECT_EQ(r.error().code, static_cast<int>(RegistrationError::InvalidSchema)) << schema;
  }
}

TEST(HeaderParams, ToolWithInvalidAnnotationIsRefused) {
  // Server::addTool applies the same rules.
  Server s(ServerInfo{});
  auto r = s.addTool(ToolBuilder("t")
                         .input(json::parse(R"({"type":"object","properties":{
                           "a":{"type":"number","x-mcp-header":"A"}}})"))
                         .handler([](const json::object&, CallContext&) -> Result<ToolResult> {
                           return ToolResult::text("");
                         })
                         .build());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(RegistrationError::InvalidSchema));
}

TEST(HeaderParams, MatchingHeadersAreServed) {
  // Plain, base64-sentinel, numeric and boolean forms that agree with the body pass.
  Harness h;
  auto msg = regionalCall({{"region", "Hello, 世界"}, {"opts", {{"count", 42}, {"flag", true}}}});
  auto r = h.modernHttp(msg, withParams(msg, {{"region", "=?base64?SGVsbG8sIOS4lueVjA==?="},
                                              {"COUNT", "42.0"},
                                              {"Flag", "true"}}));
  EXPECT_EQ(firstText(resultOf(r)), "regional ok");
}

TEST(HeaderParams, AbsentArgumentNeedsNoHeader) {
  // Nothing in the body, nothing expected; a null value counts as absent for the headers
  // (the schema then judges the null itself).
  Harness h;
  auto empty = regionalCall({});
  EXPECT_EQ(firstText(resultOf(h.modernHttp(empty, withParams(empty, {})))), "regional ok");
  auto null_region = regionalCall({{"region", nullptr}});
  EXPECT_EQ(errorCode(h.modernHttp(null_region, withParams(null_region, {}))), 0);
}

TEST(HeaderParams, HeaderMismatchOnMcpParam) {
  // A router routing on Mcp-Param-Region=eu while the body says us is refused.
  Harness h;
  auto msg = regionalCall({{"region", "us"}});
  auto r = h.modernHttp(msg, withParams(msg, {{"Region", "eu"}}));
  EXPECT_EQ(errorCode(r), rpc::kHeaderMismatch);
  EXPECT_EQ(r.http_status, 400);
}

TEST(HeaderParams, MissingParamHeaderIsMismatch) {
  // The body has the value but the client left out the header.
  Harness h;
  auto msg = regionalCall({{"opts", {{"count", 1}}}});
  EXPECT_EQ(errorCode(h.modernHttp(msg, withParams(msg, {}))), rpc::kHeaderMismatch);
}

TEST(HeaderParams, HeaderWithoutBodyValueIsMismatch) {
  // A header claiming a value the body does not carry is refused too.
  Harness h;
  auto msg = regionalCall({});
  EXPECT_EQ(errorCode(h.modernHttp(msg, withParams(msg, {{"Region", "us"}}))),
            rpc::kHeaderMismatch);
}

TEST(HeaderParams, MalformedBase64IsMismatch) {
  // Bad padding or characters outside the alphabet never decode.
  Harness h;
  auto msg = regionalCall({{"region", "Hello"}});
  for (auto bad : {"=?base64?SGVsbG8?=", "=?base64?SGVs!!!bG8=?="}) {
    EXPECT_EQ(errorCode(h.modernHttp(msg, withParams(msg, {{"Region", bad}}))),
              rpc::kHeaderMismatch)
        << bad;
  }
}

TEST(HeaderParams, IncompleteSentinelIsLiteral) {
  // Without both markers the value is compared as written.
  Harness h;
  auto msg = regionalCall({{"region", "=?base64?SGVsbG8="}});
  EXPECT_EQ(
      firstText(resultOf(h.modernHttp(msg, withParams(msg, {{"Region", "=?base64?SGVsbG8="}})))),
      "regional ok");
}

TEST(HeaderParams, NumbersCompareNumerically) {
  // 7 in the body and "7.5" or "seven" in the header disagree.
  Harness h;
  auto msg = regionalCall({{"opts", {{"count", 7}}}});
  EXPECT_EQ(errorCode(h.modernHttp(msg, withParams(msg, {{"Count", "7.5"}}))),
            rpc::kHeaderMismatch);
  EXPECT_EQ(errorCode(h.modernHttp(msg, withParams(msg, {{"Count", "seven"}}))),
            rpc::kHeaderMismatch);
  EXPECT_EQ(firstText(resultOf(h.modernHttp(msg, withParams(msg, {{"Count", "7"}})))),
            "regional ok");
}

}  // namespace
}  // namespace bastion::mcp::testing
