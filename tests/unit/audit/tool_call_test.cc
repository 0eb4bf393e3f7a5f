// toolCallRecord: who called what, a digest of the arguments, and only the identifier fields.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "audit/audit_log.h"
#include "audit/record_format.h"
#include "core/crypto.h"

namespace bastion::audit {
namespace {

namespace json = boost::json;

json::object callWith(const json::object& args, const std::vector<std::string>& identifiers) {
  ToolCallEvent e;
  e.request_id = "r-1";
  e.sub = "alice";
  e.client_id = "bc_1";
  e.tool = "files.read";
  e.arguments = &args;
  e.identifiers = &identifiers;
  e.outcome = "ok";
  e.latency = std::chrono::microseconds(1234) + std::chrono::nanoseconds(999);
  return toolCallRecord(e);
}

TEST(ToolCallRecordTest, RecordsWhoWhatOutcomeAndLatency) {
  // The fixed fields come from the event; latency is whole microseconds.
  const json::object r = callWith({{"path", "a.txt"}}, {});
  EXPECT_EQ(r.at("type"), "tool_call");
  EXPECT_EQ(r.at("request_id"), "r-1");
  EXPECT_EQ(r.at("sub"), "alice");
  EXPECT_EQ(r.at("client_id"), "bc_1");
  EXPECT_EQ(r.at("tool"), "files.read");
  EXPECT_EQ(r.at("outcome"), "ok");
  EXPECT_EQ(r.at("latency_us").as_int64(), 1234);
}

TEST(ToolCallRecordTest, DigestIsOfCanonicalArguments) {
  // The same arguments in another key order give the same digest; it is SHA-256 of canonical.
  const json::object a = json::parse(R"({"b":{"y":1,"x":2},"a":"v"})").as_object();
  const json::object b = json::parse(R"({"a":"v","b":{"x":2,"y":1}})").as_object();
  EXPECT_EQ(callWith(a, {}).at("args_sha256"), callWith(b, {}).at("args_sha256"));
  EXPECT_EQ(callWith(a, {}).at("args_sha256"),
            json::value(crypto::sha256Hex(R"({"a":"v","b":{"x":2,"y":1}})")));
}

TEST(ToolCallRecordTest, ArgumentContentOutsideIdentifiersNeverAppears) {
  // Only listed top-level identifiers are copied; a secret-bearing argument is not.
  const json::object args{{"path", "notes.md"}, {"content", "password=hunter2"}, {"n", 3}};
  const json::object r = callWith(args, {"path", "n", "absent"});
  EXPECT_EQ(r.at("args"), (json::object{{"path", "notes.md"}, {"n", 3}}));
  EXPECT_EQ(json::serialize(r).find("hunter2"), std::string::npos);
}

TEST(ToolCallRecordTest, IdentifierStringsAreCutAt256BytesOnACharacterBoundary) {
  // A long identifier is cut to at most 256 bytes without splitting a UTF-8 character.
  std::string value(255, 'a');
  value += "\xc3\xa9\xc3\xa9";  // é straddles byte 256
  const json::object r = callWith({{"id", value}}, {"id"});
  const std::string cut(r.at("args").at("id").as_string());
  EXPECT_EQ(cut, std::string(255, 'a'));
}

TEST(ToolCallRecordTest, CompositeIdentifierBecomesCutCanonicalText) {
  // An object or array identifier is recorded as its canonical text, bounded like a string.
  const json::object r = callWith(json::parse(R"({"ids":{"b":1,"a":2}})").as_object(), {"ids"});
  EXPECT_EQ(r.at("args").at("ids"), R"({"a":2,"b":1})");
}

TEST(ToolCallRecordTest, NoArgumentsMeansNoDigest) {
  // A call without arguments has neither args_sha256 nor args.
  ToolCallEvent e;
  e.tool = "ping";
  e.outcome = "unknown_tool";
  const json::object r = toolCallRecord(e);
  EXPECT_FALSE(r.contains("args_sha256"));
  EXPECT_FALSE(r.contains("args"));
}

}  // namespace
}  // namespace bastion::audit
