// The guards every tools/call passes (DESIGN "One tool call, end to end"): rate limits before
// validation, redaction and the output cap on what leaves, one audit record per call.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "audit/memory_sink.h"
#include "guard/redactor.h"
#include "mcp/jsonrpc.h"
#include "policy/rate_limit.h"
#include "unit/mcp/test_server.h"

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

DispatchResult callTool(Harness& h, std::string_view tool, json::object args, int id = 1) {
  return h.legacy(h.stdioSession(),
                  request(id, "tools/call", {{"name", tool}, {"arguments", std::move(args)}}));
}

TEST(Guards, SecretEchoedByAToolIsRedactedFromTheResult) {
  // A tool that repeats a registered secret (here: echo) returns the mask instead.
  DispatcherOptions o;
  o.redactor = guard::makeRedactor({"hunter2hunter2"}, {.shapes = false});
  Harness h(std::move(o));
  auto r = callTool(h, "echo", {{"text", "pw=hunter2hunter2"}});
  EXPECT_EQ(firstText(resultOf(r)), "pw=[REDACTED]");
  EXPECT_EQ(json::serialize(*r.response).find("hunter2"), std::string::npos);
}

TEST(Guards, OversizedResultIsReplacedByAnError) {
  // A result over max_output never leaves the server.
  DispatcherOptions o;
  o.max_output = 16;
  Harness h(std::move(o));
  auto r = callTool(h, "echo", {{"text", "0123456789abcdefghij"}});
  EXPECT_TRUE(resultOf(r).at("isError").as_bool());
  EXPECT_EQ(firstText(resultOf(r)), "Result larger than 16 bytes; not returned");
}

TEST(Guards, CallerBeyondItsRateIsRefusedWithRetryTime) {
  // 1/minute per (caller, tool): the second call is a tool error naming the wait; another tool
  // and, after the period, the same tool are admitted again.
  ManualClock clock;
  policy::RateLimitRules rules;
  rules.per_principal_tool.emplace("echo", policy::Rate{1, std::chrono::minutes(1), 0});
  auto sink = std::make_shared<audit::MemorySink>();
  DispatcherOptions o;
  o.rate_limits = std::make_shared<const policy::RateLimits>(
      std::move(rules), policy::makeMemoryRateBackend(), clock);
  o.audit = sink;
  Harness h(std::move(o));
  EXPECT_FALSE(resultOf(callTool(h, "echo", {{"text", "a"}})).contains("isError"));
  auto refused = callTool(h, "echo", {{"text", "a"}});
  EXPECT_TRUE(resultOf(refused).at("isError").as_bool());
  EXPECT_EQ(firstText(resultOf(refused)), "Rate limit exceeded; retry in 60 s");
  EXPECT_FALSE(resultOf(callTool(h, "add", {{"a", 1}, {"b", 2}})).contains("isError"));
  clock.advance(std::chrono::minutes(1));
  EXPECT_FALSE(resultOf(callTool(h, "echo", {{"text", "a"}})).contains("isError"));
  auto events = sink->events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].at("outcome"), "refused_rate");
}

TEST(Guards, EveryCallIsAuditedWithADigestNeverTheArguments) {
  // Allowed, invalid and unknown calls each leave one record: who, what, outcome, a digest of
  // the arguments, but not their content.
  auto sink = std::make_shared<audit::MemorySink>();
  DispatcherOptions o;
  o.audit = sink;
  Harness h(std::move(o));
  callTool(h, "echo", {{"text", "confidential-1"}}, 7);
  callTool(h, "echo", {{"text", 42}}, 8);
  callTool(h, "no_such_tool", {{"text", "confidential-2"}}, 9);
  auto events = sink->events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].at("type"), "tool_call");
  EXPECT_EQ(events[0].at("tool"), "echo");
  EXPECT_EQ(events[0].at("sub"), "alice");
  EXPECT_EQ(events[0].at("client_id"), "c1");
  EXPECT_EQ(events[0].at("request_id"), "7");
  EXPECT_EQ(events[0].at("outcome"), "ok");
  EXPECT_EQ(events[0].at("args_sha256").as_string().size(), 64u);
  EXPECT_EQ(events[1].at("outcome"), "invalid_arguments");
  EXPECT_EQ(events[2].at("outcome"), "unknown_tool");
  EXPECT_EQ(events[2].at("tool"), "no_such_tool");
  for (const auto& e : events) {
    EXPECT_EQ(json::serialize(e).find("confidential"), std::string::npos) << json::serialize(e);
  }
}

}  // namespace
}  // namespace bastion::mcp::testing
