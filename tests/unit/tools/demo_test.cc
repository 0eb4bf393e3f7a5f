// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "tools/demo.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>
#include <map>
#include <set>

#include "json/schema.h"
#include "support/test_call_context.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;

class FixedRandom final : public RandomSource {
 public:
  void fill(unsigned char* out, std::size_t n) override { std::memset(out, 0x11, n); }
};

using NullContext = bastion::testing::TestCallContext;

class DemoTools : public ::testing::Test {
 protected:
  DemoTools() {
    DemoOptions options;
    options.rng = &rng_;
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    };
    for (mcp::ToolSpec& spec : demoTools(options)) {
      std::string name = spec.name;
      tools_.emplace(name, std::move(spec));
    }
  }

  // Calls a tool's handler and checks its structured result against its own outputSchema.
  mcp::ToolResult call(const std::string& name, std::string_view args) {
    const mcp::ToolSpec& spec = tools_.at(name);
    auto result = spec.handler(bj::parse(args).as_object(), ctx_);
    EXPECT_TRUE(result);
    if (!result) {
      return mcp::ToolResult::error("handler failed");
    }
    if (!result->is_error) {
      EXPECT_TRUE(result->structured);
      auto schema = json::CompiledSchema::compile(*spec.output_schema);
      EXPECT_TRUE(schema);
      if (schema && result->structured) {
        EXPECT_TRUE((*schema)->validate(*result->structured).valid)
            << name << ": " << bj::serialize(*result->structured);
      }
    }
    return *result;
  }

  // True if `args` passes the tool's input schema as the server closes it.
  bool accepts(const std::string& name, std::string_view args) {
    auto schema =
        json::CompiledSchema::compile(json::closeObjectSchemas(tools_.at(name).input_schema));
    EXPECT_TRUE(schema);
    return schema && (*schema)->validate(bj::parse(args)).valid;
  }

  FixedRandom rng_;
  NullContext ctx_;
  std::map<std::string, mcp::ToolSpec> tools_;
};

// The set is stable: these six names, each documented and with an output schema.
TEST_F(DemoTools, ExposesSixDocumentedTools) {
  std::vector<std::string> names;
  for (const auto& spec : demoTools()) {
    names.push_back(spec.name);
    EXPECT_FALSE(spec.description.empty()) << spec.name;
    EXPECT_FALSE(spec.title.empty()) << spec.name;
    EXPECT_TRUE(spec.output_schema) << spec.name;
    EXPECT_FALSE(spec.open_arguments) << spec.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"validate_json", "hash_text", "base64", "uuid", "now",
                                             "count_text"}));
}

// Annotations are honest: nothing writes, nothing reaches outside the process, and only the
// tools whose answer changes between calls claim not to be idempotent.
TEST_F(DemoTools, AnnotationsAreHonest) {
  for (const auto& [name, spec] : tools_) {
    EXPECT_EQ(spec.annotations.read_only, true) << name;
    EXPECT_EQ(spec.annotations.destructive, false) << name;
    EXPECT_EQ(spec.annotations.open_world, false) << name;
    bool varies = name == "uuid" || name == "now";
    EXPECT_EQ(spec.annotations.idempotent, !varies) << name;
  }
}

// Input schemas are closed: an unknown key is rejected for every tool.
TEST_F(DemoTools, RejectsUnknownArguments) {
  EXPECT_FALSE(accepts("hash_text", R"({"text":"a","extra":1})"));
  EXPECT_FALSE(accepts("now", R"({"tz":"UTC"})"));
  EXPECT_FALSE(accepts("uuid", R"({"count":1,"version":7})"));
  EXPECT_FALSE(accepts("count_text", R"({"text":"a","mode":"x"})"));
  EXPECT_FALSE(accepts("base64", R"({"operation":"encode","text":"a","wrap":76})"));
  EXPECT_FALSE(accepts("validate_json", R"({"schema":{},"instance":1,"draft":"4"})"));
  EXPECT_TRUE(accepts("hash_text", R"({"text":"a"})"));
}

// Bounds in the input schemas: counts, enums and the text size cap.
TEST_F(DemoTools, InputBounds) {
  EXPECT_FALSE(accepts("uuid", R"({"count":0})"));
  EXPECT_FALSE(accepts("uuid", R"({"count":101})"));
  EXPECT_FALSE(accepts("hash_text", R"({"text":"a","algorithm":"md5"})"));
  EXPECT_FALSE(accepts("base64", R"({"operation":"rot13","text":"a"})"));
  std::string big = R"({"text":")" + std::string(kMaxDemoText + 1, 'a') + R"("})";
  EXPECT_FALSE(accepts("count_text", big));
}

// validate_json accepts any user schema and instance: the closed input schema must not close
// the user's own schema object.
TEST_F(DemoTools, ValidateJsonAcceptsArbitrarySchemas) {
  EXPECT_TRUE(accepts("validate_json",
                      R"({"schema":{"type":"object","properties":{"a":{}}},"instance":{"a":1}})"));
  EXPECT_TRUE(accepts("validate_json", R"({"schema":true,"instance":[1,"x",null]})"));
}

// Known digests (FIPS 180 "abc").
TEST_F(DemoTools, HashTextDigests) {
  auto r = call("hash_text", R"({"text":"abc"})");
  EXPECT_EQ(r.structured->at("hex").as_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto r512 = call("hash_text", R"({"text":"abc","algorithm":"sha512"})");
  EXPECT_TRUE(r512.structured->at("hex").as_string().starts_with("ddaf35a193617aba"));
  EXPECT_EQ(r512.structured->at("hex").as_string().size(), 128u);
}

// Encoding and decoding round-trip; undecodable input is a tool error, not a crash.
TEST_F(DemoTools, Base64RoundTripAndErrors) {
  auto enc = call("base64", R"({"operation":"encode","text":"héllo"})");
  EXPECT_EQ(enc.structured->at("result").as_string(), "aMOpbGxv");
  auto dec = call("base64", R"({"operation":"decode","text":"aMOpbGxv"})");
  EXPECT_EQ(dec.structured->at("result").as_string(), "héllo");
  auto bad = call("base64", R"({"operation":"decode","text":"a!b"})");
  EXPECT_TRUE(bad.is_error);
  auto binary = call("base64", R"({"operation":"decode","text":"//8="})");
  EXPECT_TRUE(binary.is_error);
  EXPECT_EQ(bj::serialize(binary.content),
            R"([{"type":"text","text":"the decoded bytes are not UTF-8 text"}])");
}

// UUIDs come from the injected random source.
TEST_F(DemoTools, UuidUsesInjectedRandom) {
  auto r = call("uuid", R"({"count":2})");
  const bj::array& uuids = r.structured->at("uuids").as_array();
  ASSERT_EQ(uuids.size(), 2u);
  EXPECT_EQ(uuids[0].as_string(), "11111111-1111-4111-9111-111111111111");
}

// `now` reads the injected clock.
TEST_F(DemoTools, NowUsesInjectedClock) {
  auto r = call("now", "{}");
  EXPECT_EQ(r.structured->at("utc").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(r.structured->at("unix").as_int64(), 1700000000);
}

// count_text reports all four counts.
TEST_F(DemoTools, CountText) {
  auto r = call("count_text", R"({"text":"one two\nthree"})");
  EXPECT_EQ(r.structured->at("words").as_int64(), 3);
  EXPECT_EQ(r.structured->at("lines").as_int64(), 2);
  EXPECT_EQ(r.structured->at("characters").as_int64(), 13);
}

// validate_json reports each failure with its pointer; an unusable schema is a tool error.
TEST_F(DemoTools, ValidateJsonReportsPointers) {
  auto ok = call("validate_json", R"({"schema":{"type":"integer"},"instance":3})");
  EXPECT_EQ(ok.structured->at("valid").as_bool(), true);
  auto bad = call("validate_json", R"({"schema":{"type":"object","properties":{"age":
      {"type":"integer","minimum":0}},"required":["name"]},"instance":{"age":-1}})");
  EXPECT_EQ(bad.structured->at("valid").as_bool(), false);
  const bj::array& errors = bad.structured->at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  std::set<std::string> pointers;
  for (const auto& e : errors) {
    pointers.insert(std::string(e.at("pointer").as_string()));
  }
  EXPECT_EQ(pointers, (std::set<std::string>{"", "/age"}));
  auto unusable = call("validate_json", R"({"schema":{"type":12},"instance":1})");
  EXPECT_TRUE(unusable.is_error);
  auto remote =
      call("validate_json", R"({"schema":{"$ref":"https://example.com/s.json"},"instance":1})");
  EXPECT_TRUE(remote.is_error);
}

// validate_json asserts formats only when asked.
TEST_F(DemoTools, ValidateJsonFormats) {
  auto annotate =
      call("validate_json", R"({"schema":{"format":"email"},"instance":"not-an-email"})");
  EXPECT_EQ(annotate.structured->at("valid").as_bool(), true);
  auto assert_ = call("validate_json", R"({"schema":{"format":"email"},"instance":"not-an-email",
                                          "assert_formats":true})");
  EXPECT_EQ(assert_.structured->at("valid").as_bool(), false);
}

// Handlers never crash or loop on arguments their schema would refuse: if validation were
// ever weakened (open_arguments, a wiring bug) they answer with a tool error.
TEST_F(DemoTools, HandlersFailSoftlyWithoutValidation) {
  for (const auto& [name, args] : std::vector<std::pair<std::string, std::string>>{
           {"hash_text", "{}"},
           {"hash_text", R"({"text":7})"},
           {"base64", R"({"operation":"rot13","text":"a"})"},
           {"base64", R"({"text":"a"})"},
           {"uuid", R"({"count":1000000000})"},
           {"uuid", R"({"count":"3"})"},
           {"count_text", R"({"text":null})"},
           {"validate_json", R"({"schema":{}})"}}) {
    auto r = tools_.at(name).handler(bj::parse(args).as_object(), ctx_);
    ASSERT_TRUE(r) << name << " " << args;
    EXPECT_TRUE(r->is_error) << name << " " << args;
  }
}

// Registration through the public API succeeds once; a second time every name is a duplicate.
TEST(DemoRegistration, AddsToServerOnce) {
  mcp::Server server(mcp::ServerInfo{.name = "t", .version = "1", .title = "", .instructions = ""});
  auto first = addDemo(server);
  ASSERT_TRUE(first) << first.error().message;
  auto second = addDemo(server);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, static_cast<int>(mcp::RegistrationError::Duplicate));
}

// Least privilege: every demo tool requires the baseline scope by default, or what the
// configuration says.
TEST(DemoScopes, EveryToolRequiresTheConfiguredScopes) {
  for (const auto& spec : demoTools()) {
    EXPECT_EQ(spec.scopes, std::vector<std::string>{"mcp:tools"}) << spec.name;
  }
  DemoOptions options;
  options.scopes = {"demo:use", "demo:read"};
  for (const auto& spec : demoTools(options)) {
    EXPECT_EQ(spec.scopes, (std::vector<std::string>{"demo:use", "demo:read"})) << spec.name;
  }
}

}  // namespace
}  // namespace bastion::tools
