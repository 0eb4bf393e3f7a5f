// Modern era server-to-client input (MRTR), client capability checks (-32021) and the sealed
// requestState.

#include <gtest/gtest.h>

#include "mcp/jsonrpc.h"
#include "unit/mcp/test_server.h"

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

json::object elicitCaps() { return {{"elicitation", json::object{}}}; }

json::value askName(json::object extra = {}, json::object caps = elicitCaps()) {
  extra["name"] = "ask_name";
  return modernRequest(1, "tools/call", std::move(extra), std::move(caps));
}

json::value accepted(std::string_view field, std::string_view value) {
  return json::object{{"action", "accept"}, {"content", {{field, value}}}};
}

TEST(Mrtr, FirstRoundReturnsInputRequired) {
  // The tool needs input: resultType input_required with the keyed elicitation request.
  Harness h;
  const auto r_res = h.modern(askName());
  const auto& res = resultOf(r_res);
  EXPECT_EQ(res.at("resultType"), "input_required");
  const auto& req = res.at("inputRequests").at("user_name");
  EXPECT_EQ(req.at("method"), "elicitation/create");
  EXPECT_EQ(req.at("params").at("message"), "Your name?");
  EXPECT_TRUE(res.at("requestState").is_string());
  EXPECT_FALSE(res.contains("content"));
}

TEST(Mrtr, RetryWithInputResponsesCompletes) {
  // The retry carrying the answer completes the call.
  Harness h;
  auto r = h.modern(askName({{"inputResponses", {{"user_name", accepted("name", "Ada")}}}}));
  EXPECT_EQ(resultOf(r).at("resultType"), "complete");
  EXPECT_EQ(firstText(resultOf(r)), "Hello Ada");
}

TEST(Mrtr, WrongKeyAsksAgain) {
  // Answers under keys we did not ask for are ignored; the input is requested again.
  Harness h;
  auto r = h.modern(askName({{"inputResponses", {{"wrong_key", accepted("name", "x")}}}}));
  EXPECT_EQ(resultOf(r).at("resultType"), "input_required");
}

TEST(Mrtr, MultiRoundCarriesEarlierAnswersInState) {
  // Round 2 answers step1 and gets asked step2 with new state; round 3 completes.
  Harness h;
  auto call = [&](json::object extra) {
    extra["name"] = "two_rounds";
    return h.modern(modernRequest(1, "tools/call", std::move(extra), elicitCaps()));
  };
  const auto r1 = resultOf(call({}));
  ASSERT_TRUE(r1.at("inputRequests").as_object().contains("step1"));
  const auto r2 = resultOf(call({{"inputResponses", {{"step1", accepted("v", "one")}}},
                                 {"requestState", r1.at("requestState")}}));
  ASSERT_EQ(r2.at("resultType"), "input_required");
  ASSERT_TRUE(r2.at("inputRequests").as_object().contains("step2"));
  EXPECT_NE(r2.at("requestState"), r1.at("requestState"));
  const auto r3 = resultOf(call({{"inputResponses", {{"step2", accepted("v", "two")}}},
                                 {"requestState", r2.at("requestState")}}));
  EXPECT_EQ(r3.at("resultType"), "complete");
  const std::string text = firstText(r3);
  EXPECT_NE(text.find("one"), std::string::npos);
  EXPECT_NE(text.find("two"), std::string::npos);
}

TEST(Mrtr, TamperedRequestStateIsRejected) {
  // Any change to the sealed state fails verification with -32602.
  Harness h;
  const auto r1 = resultOf(h.modern(askName()));
  std::string state(r1.at("requestState").as_string());
  for (std::string bad :
       {state + "-TAMPERED", state.substr(1), std::string("x.y"), std::string("")}) {
    auto r = h.modern(askName({{"requestState", bad}}));
    EXPECT_EQ(errorCode(r), rpc::kInvalidParams) << bad;
  }
  state[3] = state[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(errorCode(h.modern(askName({{"requestState", state}}))), rpc::kInvalidParams);
}

TEST(Mrtr, RequestStateFromAnotherPrincipalIsRejected) {
  // State minted for alice is useless to bob.
  Harness h;
  const auto r1 = resultOf(h.modern(askName()));
  Inbound in;
  in.message = askName({{"requestState", r1.at("requestState")}});
  in.principal = bob();
  auto r = h.dispatcher->handle(std::move(in));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
}

TEST(Mrtr, RequestStateForAnotherToolIsRejected) {
  // State is bound to the tool it was issued for.
  Harness h;
  const auto r1 = resultOf(h.modern(askName()));
  auto r = h.modern(modernRequest(1, "tools/call",
                                  {{"name", "two_rounds"}, {"requestState", r1.at("requestState")}},
                                  elicitCaps()));
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
}

TEST(Mrtr, ExpiredRequestStateIsRejected) {
  // Past its lifetime the state no longer verifies.
  Harness h;
  const auto r1 = resultOf(h.modern(askName()));
  h.wall_now += std::chrono::hours(1);
  EXPECT_EQ(errorCode(h.modern(askName({{"requestState", r1.at("requestState")}}))),
            rpc::kInvalidParams);
}

TEST(Mrtr, NonObjectInputResponsesIsInvalidParams) {
  // inputResponses must be a map.
  Harness h;
  EXPECT_EQ(errorCode(h.modern(askName({{"inputResponses", json::array{}}}))), rpc::kInvalidParams);
}

TEST(Mrtr, NonObjectInputResponseValueIsInvalidParams) {
  // Regression (conformance input-required-result-validate-input): an answer that is a number
  // is rejected with -32602 instead of reaching the handler.
  Harness h;
  EXPECT_EQ(errorCode(h.modern(askName({{"inputResponses", {{"user_name", 12345}}}}))),
            rpc::kInvalidParams);
}

TEST(Mrtr, MissingCapabilityIsMinus32021) {
  // A tool needing sampling from a client without it: -32021 naming the capability, HTTP 400.
  Harness h;
  auto r = h.modern(modernRequest(1, "tools/call", {{"name", "ask_llm"}}, {}));
  EXPECT_EQ(errorCode(r), rpc::kMissingClientCapability);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.response->at("error").at("data").at("requiredCapabilities"),
            (json::object{{"sampling", json::object{}}}));
}

TEST(Mrtr, NeverSendsServerRequestsOnTheStream) {
  // Modern era: input is requested inside the result, never as a JSON-RPC request.
  Harness h;
  h.modern(modernRequest(1, "tools/call", {{"name", "ask_llm"}}, {{"sampling", json::object{}}}));
  for (const auto& m : h.out->messages()) {
    EXPECT_FALSE(m.as_object().contains("id")) << json::serialize(m);
  }
}

TEST(Mrtr, SamplingInputKeysAreNumbered) {
  // request() without a key names inputs input-1, input-2, ...
  Harness h;
  const auto r_res = h.modern(
      modernRequest(1, "tools/call", {{"name", "ask_llm"}}, {{"sampling", json::object{}}}));
  const auto& res = resultOf(r_res);
  EXPECT_TRUE(res.at("inputRequests").as_object().contains("input-1"));
}

}  // namespace
}  // namespace bastion::mcp::testing
