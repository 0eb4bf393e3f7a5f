#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <string>

#include "integration/cli/child.h"

namespace bastion::testing {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

constexpr auto kBound = 20s;

// Talks newline-delimited JSON-RPC to `bastion serve --stdio`; every stdout line must be JSON.
class StdioSession {
 public:
  StdioSession() : child_({BASTION_EXE, "serve", "--stdio"}) {}

  void send(std::string_view line) { child_.write(std::string(line) + "\n"); }

  bj::object next() {
    auto line = child_.readLine(kBound);
    EXPECT_TRUE(line) << "no answer; stderr:\n" << child_.stderrText();
    if (!line) {
      return {};
    }
    boost::system::error_code ec;
    bj::value v = bj::parse(*line, ec);
    EXPECT_FALSE(ec) << "stdout carried a non-JSON line: " << *line;
    EXPECT_TRUE(v.is_object()) << *line;
    return v.is_object() ? v.as_object() : bj::object{};
  }

  bj::object request(int id, std::string_view method, std::string_view params) {
    // Re-serialized so that the readable multi-line literals below travel as one line.
    send(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + std::string(method) +
         R"(","params":)" + bj::serialize(bj::parse(params)) + "}");
    bj::object r = next();
    EXPECT_EQ(r["id"], id) << bj::serialize(r);
    return r;
  }

  void initialize() {
    bj::object r = request(1, "initialize",
                           R"({"protocolVersion":"2025-11-25","capabilities":{},
                               "clientInfo":{"name":"e2e","version":"1"}})");
    ASSERT_TRUE(r.contains("result")) << bj::serialize(r);
    EXPECT_EQ(r["result"].at("protocolVersion"), "2025-11-25");
    EXPECT_EQ(r["result"].at("serverInfo").at("name"), "bastion");
    send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  }

  Child child_;
};

int64_t errorCode(const bj::object& r) {
  return r.contains("error") ? r.at("error").at("code").as_int64() : 0;
}

// The legacy flow end to end: initialize, list the demo tools, call one.
TEST(StdioEndToEnd, InitializeListAndCall) {
  StdioSession s;
  s.initialize();
  bj::object list = s.request(2, "tools/list", "{}");
  std::set<std::string> names;
  for (const auto& tool : list["result"].at("tools").as_array()) {
    names.insert(std::string(tool.at("name").as_string()));
  }
  EXPECT_EQ(names, (std::set<std::string>{"validate_json", "hash_text", "base64", "uuid", "now",
                                          "count_text"}));
  bj::object call =
      s.request(3, "tools/call", R"({"name":"hash_text","arguments":{"text":"abc"}})");
  EXPECT_EQ(call["result"].at("structuredContent").at("hex"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
      << bj::serialize(call);
  s.child_.closeStdin();
  EXPECT_EQ(s.child_.wait(kBound), 0);
}

// Unknown argument keys are refused before the tool runs, as a tool execution error.
TEST(StdioEndToEnd, StrictArgumentsRejectUnknownKeys) {
  StdioSession s;
  s.initialize();
  bj::object call =
      s.request(2, "tools/call", R"({"name":"hash_text","arguments":{"text":"abc","secret":"x"}})");
  ASSERT_TRUE(call.contains("result")) << bj::serialize(call);
  const bj::value* is_error = call["result"].as_object().if_contains("isError");
  EXPECT_TRUE(is_error != nullptr && *is_error == true) << bj::serialize(call);
  EXPECT_EQ(bj::serialize(call).find("\"x\""), std::string::npos) << "rejected value echoed";
}

// Malformed JSON, invalid UTF-8 and 10,000-deep nesting each get an error; serving goes on;
// end of input then exits 0, and stdout held only JSON lines.
TEST(StdioEndToEnd, BadInputIsAnsweredAndServingContinues) {
  StdioSession s;
  s.initialize();
  s.send("{\"jsonrpc\":\"2.0\",\"id\":");
  EXPECT_EQ(errorCode(s.next()), -32700);
  s.send("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":{\"x\":\"\xc3\x28\"}}");
  EXPECT_EQ(errorCode(s.next()), -32700);
  s.send(std::string(10000, '[') + std::string(10000, ']'));
  bj::object deep = s.next();
  EXPECT_NE(errorCode(deep), 0) << bj::serialize(deep);
  s.send(std::string(R"({"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":)") +
         R"("count_text","arguments":{"text":)" + std::string(5000, '[') + "}}}");
  EXPECT_NE(errorCode(s.next()), 0);
  s.send(R"([{"jsonrpc":"2.0","id":11,"method":"ping"}])");
  EXPECT_EQ(errorCode(s.next()), -32600) << "batches are rejected";
  s.send(R"({"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":7}})");
  EXPECT_NE(errorCode(s.next()), 0) << "wrong types are rejected";
  bj::object ping = s.request(13, "ping", "{}");
  EXPECT_TRUE(ping.contains("result"));
  s.child_.closeStdin();
  std::string rest = s.child_.readAll(kBound);
  EXPECT_EQ(rest, "") << "unexpected output after EOF";
  EXPECT_EQ(s.child_.wait(kBound), 0);
}

// A modern-era (2026-07-28) server/discover is answered on the same stdio connection.
TEST(StdioEndToEnd, ModernDiscover) {
  StdioSession s;
  bj::object r = s.request(1, "server/discover",
                           R"({"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                               "io.modelcontextprotocol/clientCapabilities":{}}})");
  ASSERT_TRUE(r.contains("result")) << bj::serialize(r);
  bj::object call = s.request(2, "tools/call",
                              R"({"name":"count_text","arguments":{"text":"a b"},
                                  "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                                  "io.modelcontextprotocol/clientCapabilities":{}}})");
  ASSERT_TRUE(call.contains("result")) << bj::serialize(call);
  EXPECT_EQ(call["result"].at("structuredContent").at("words"), 2);
  s.child_.closeStdin();
  EXPECT_EQ(s.child_.wait(kBound), 0);
}

// Resources and the prompt of the demo set are reachable.
TEST(StdioEndToEnd, DemoResourcesAndPrompt) {
  StdioSession s;
  s.initialize();
  bj::object info = s.request(2, "resources/read", R"({"uri":"bastion://server/info"})");
  ASSERT_TRUE(info.contains("result")) << bj::serialize(info);
  bj::object def = s.request(3, "resources/read", R"({"uri":"bastion://tools/uuid"})");
  ASSERT_TRUE(def.contains("result")) << bj::serialize(def);
  std::string text(def["result"].at("contents").at(0).at("text").as_string());
  EXPECT_EQ(bj::parse(text).at("name"), "uuid");
  bj::object missing = s.request(4, "resources/read", R"({"uri":"bastion://tools/nope"})");
  EXPECT_TRUE(missing.contains("error")) << bj::serialize(missing);
  bj::object prompt =
      s.request(5, "prompts/get",
                R"({"name":"explain_schema","arguments":{"schema":"{\"type\":\"string\"}"}})");
  ASSERT_TRUE(prompt.contains("result")) << bj::serialize(prompt);
  bj::object no_arg = s.request(6, "prompts/get", R"({"name":"explain_schema","arguments":{}})");
  EXPECT_EQ(errorCode(no_arg), -32602) << bj::serialize(no_arg);
}

}  // namespace
}  // namespace bastion::testing
