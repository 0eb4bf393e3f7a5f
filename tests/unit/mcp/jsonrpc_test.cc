#include "mcp/jsonrpc.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mcp/dispatcher.h"

namespace bastion::mcp {
namespace {

namespace json = boost::json;

std::int64_t parseErrorCode(std::string_view bytes) {
  auto r = parseMessage(bytes);
  if (r) {
    return 0;
  }
  return r.error().as_object().at("error").as_object().at("code").as_int64();
}

TEST(ParseMessage, AcceptsOneObject) {
  // A well-formed request parses to its object.
  auto r = parseMessage(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->as_object().at("method").as_string(), "ping");
}

TEST(ParseMessage, MalformedJsonIsParseError) {
  // Truncated or garbage input is -32700 with a null id.
  EXPECT_EQ(parseErrorCode(R"({"jsonrpc":"2.0",)"), rpc::kParseError);
  EXPECT_EQ(parseErrorCode("not json"), rpc::kParseError);
  auto r = parseMessage("{");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().as_object().at("id").is_null());
}

TEST(ParseMessage, InvalidUtf8IsParseError) {
  // Bytes that are not UTF-8 inside a string are refused, not passed to handlers.
  EXPECT_EQ(parseErrorCode("{\"jsonrpc\":\"2.0\",\"method\":\"\xC3\x28\"}"), rpc::kParseError);
  EXPECT_EQ(parseErrorCode("{\"a\":\"\xFF\"}"), rpc::kParseError);
}

TEST(ParseMessage, BatchIsRejected) {
  // JSON-RPC batches are not part of MCP: an array is -32600.
  EXPECT_EQ(parseErrorCode(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"), rpc::kInvalidRequest);
  EXPECT_EQ(parseErrorCode("[]"), rpc::kInvalidRequest);
}

TEST(ParseMessage, NonObjectIsInvalidRequest) {
  // Scalars are valid JSON but not messages.
  EXPECT_EQ(parseErrorCode("42"), rpc::kInvalidRequest);
  EXPECT_EQ(parseErrorCode("\"x\""), rpc::kInvalidRequest);
  EXPECT_EQ(parseErrorCode("null"), rpc::kInvalidRequest);
}

TEST(ParseMessage, DeepNestingIsRejected) {
  // 10,000 nested arrays inside a message give a clean error, not a stack overflow.
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)";
  deep += std::string(10000, '[') + std::string(10000, ']') + "}}";
  EXPECT_EQ(parseErrorCode(deep), rpc::kParseError);
  EXPECT_EQ(parseErrorCode(std::string(10000, '{')), rpc::kParseError);
}

TEST(ParseMessage, DepthBoundIsConfigurable) {
  // Nesting within the bound parses; one more level does not.
  EXPECT_TRUE(parseMessage(R"({"a":{"b":{}}})", 3));
  EXPECT_FALSE(parseMessage(R"({"a":{"b":{"c":{}}}})", 3));
}

rpc::Envelope inspectText(std::string_view text, json::value& holder) {
  holder = json::parse(text);
  return rpc::inspect(holder);
}

TEST(Inspect, ClassifiesRequestNotificationResponse) {
  // The three message kinds are told apart by method and id.
  json::value v;
  EXPECT_EQ(inspectText(R"({"jsonrpc":"2.0","id":"a","method":"m"})", v).kind,
            rpc::MessageKind::Request);
  EXPECT_EQ(inspectText(R"({"jsonrpc":"2.0","method":"m"})", v).kind,
            rpc::MessageKind::Notification);
  EXPECT_EQ(inspectText(R"({"jsonrpc":"2.0","id":3,"result":{}})", v).kind,
            rpc::MessageKind::Response);
  EXPECT_EQ(inspectText(R"({"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}})", v).kind,
            rpc::MessageKind::Response);
}

TEST(Inspect, WrongVersionIsInvalidRequest) {
  // jsonrpc must be exactly "2.0".
  json::value v;
  for (auto text : {R"({"id":1,"method":"m"})", R"({"jsonrpc":"1.0","id":1,"method":"m"})",
                    R"({"jsonrpc":2.0,"id":1,"method":"m"})"}) {
    auto e = inspectText(text, v);
    EXPECT_EQ(e.kind, rpc::MessageKind::Invalid) << text;
    EXPECT_EQ(e.error_code, rpc::kInvalidRequest) << text;
  }
}

TEST(Inspect, NullOrFractionalIdIsInvalidRequest) {
  // MCP ids are strings or integers, never null, fractional, or structured.
  json::value v;
  for (auto text :
       {R"({"jsonrpc":"2.0","id":null,"method":"m"})", R"({"jsonrpc":"2.0","id":1.5,"method":"m"})",
        R"({"jsonrpc":"2.0","id":{},"method":"m"})",
        R"({"jsonrpc":"2.0","id":[1],"method":"m"})"}) {
    auto e = inspectText(text, v);
    EXPECT_EQ(e.kind, rpc::MessageKind::Invalid) << text;
    EXPECT_EQ(e.error_code, rpc::kInvalidRequest) << text;
    EXPECT_EQ(e.id, nullptr) << text;
  }
}

TEST(Inspect, NonStringMethodIsInvalidRequest) {
  // method must be a string; the valid id is kept for the error response.
  json::value v;
  auto e = inspectText(R"({"jsonrpc":"2.0","id":7,"method":42})", v);
  EXPECT_EQ(e.error_code, rpc::kInvalidRequest);
  ASSERT_NE(e.id, nullptr);
  EXPECT_EQ(e.id->as_int64(), 7);
}

TEST(Inspect, NonObjectParamsIsInvalidParams) {
  // MCP params are always objects.
  json::value v;
  auto e = inspectText(R"({"jsonrpc":"2.0","id":1,"method":"m","params":[1,2]})", v);
  EXPECT_EQ(e.kind, rpc::MessageKind::Invalid);
  EXPECT_EQ(e.error_code, rpc::kInvalidParams);
}

TEST(Inspect, MissingMethodWithoutResultIsInvalid) {
  // An object with an id but neither method nor result/error is not a message.
  json::value v;
  EXPECT_EQ(inspectText(R"({"jsonrpc":"2.0","id":1})", v).error_code, rpc::kInvalidRequest);
}

TEST(IdKey, DistinguishesStringAndNumber) {
  // "1" and 1 are different request ids.
  EXPECT_NE(rpc::idKey(json::value("1")), rpc::idKey(json::value(1)));
  EXPECT_EQ(rpc::idKey(json::value(1)), rpc::idKey(json::value(1)));
}

}  // namespace
}  // namespace bastion::mcp
