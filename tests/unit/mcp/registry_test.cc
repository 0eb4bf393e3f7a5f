#include "mcp/registry.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mcp/server.h"

namespace bastion::mcp {
namespace {

namespace json = boost::json;

ToolAnnotations titled(std::string title) {
  ToolAnnotations a;
  a.title = std::move(title);
  return a;
}

ResourceSpec resource(std::string uri, std::string name, ResourceHandler handler) {
  ResourceSpec r;
  r.uri = std::move(uri);
  r.name = std::move(name);
  r.handler = std::move(handler);
  return r;
}

ToolHandler noop() {
  return [](const json::object&, CallContext&) -> Result<ToolResult> {
    return ToolResult::text("ok");
  };
}

TEST(Registry, ToolNamesAreValidated) {
  // Names outside 1-128 of [A-Za-z0-9_.-] are refused at registration.
  Server s(ServerInfo{});
  for (const std::string& bad : {std::string(), std::string(129, 'a'), std::string("has space"),
                                 std::string("slash/name"), std::string("uni\xC3\xA9")}) {
    auto r = s.addTool(ToolBuilder(bad).handler(noop()).build());
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, static_cast<int>(RegistrationError::InvalidName));
  }
  EXPECT_TRUE(s.addTool(ToolBuilder(std::string(128, 'a')).handler(noop()).build()));
  EXPECT_TRUE(s.addTool(ToolBuilder("a.b-c_D9").handler(noop()).build()));
}

TEST(Registry, DuplicateToolIsRefused) {
  // A second tool with the same name cannot shadow the first.
  Server s(ServerInfo{});
  ASSERT_TRUE(s.addTool(ToolBuilder("t").handler(noop()).build()));
  auto r = s.addTool(ToolBuilder("t").handler(noop()).build());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(RegistrationError::Duplicate));
}

TEST(Registry, ToolWithoutHandlerIsRefused) {
  // A tool that could never run is a registration error.
  Server s(ServerInfo{});
  auto r = s.addTool(ToolBuilder("t").build());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(RegistrationError::MissingHandler));
}

TEST(Registry, InputSchemaMustBeObjectSchema) {
  // MCP requires inputSchema of type object.
  Server s(ServerInfo{});
  auto r = s.addTool(
      ToolBuilder("t").input(json::parse(R"({"type":"string"})")).handler(noop()).build());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(RegistrationError::InvalidSchema));
  auto r2 = s.addTool(ToolBuilder("u").output(json::value(3)).handler(noop()).build());
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, static_cast<int>(RegistrationError::InvalidSchema));
}

TEST(Registry, AdvertisedSchemaIsClosed) {
  // tools/list shows additionalProperties:false on schemas that left it unset.
  Server s(ServerInfo{});
  ASSERT_TRUE(
      s.addTool(ToolBuilder("t")
                    .input(json::parse(R"({"type":"object","properties":{"a":{"type":"string"}}})"))
                    .handler(noop())
                    .build()));
  const auto& def = s.registry().findTool("t")->definition;
  EXPECT_EQ(def.at("inputSchema").at("additionalProperties"), json::value(false));
}

TEST(Registry, OpenArgumentsKeepsSchemaAsWritten) {
  // Opting out leaves the author's schema unchanged.
  Server s(ServerInfo{});
  const auto schema = json::parse(R"({"type":"object","properties":{"a":{"type":"string"}}})");
  ASSERT_TRUE(s.addTool(ToolBuilder("t").input(schema).openArguments().handler(noop()).build()));
  EXPECT_EQ(s.registry().findTool("t")->definition.at("inputSchema"), schema);
}

TEST(Registry, DefinitionCarriesTitleDescriptionOutputAndAnnotations) {
  // The precomputed wire definition has every field a client needs.
  Server s(ServerInfo{});
  ASSERT_TRUE(s.addTool(ToolBuilder("t")
                            .title("T")
                            .description("does t")
                            .output(json::parse(R"({"type":"object"})"))
                            .annotations(titled("Tee"))
                            .readOnly()
                            .destructive(false)
                            .idempotent()
                            .openWorld(false)
                            .handler(noop())
                            .build()));
  const auto& def = s.registry().findTool("t")->definition;
  EXPECT_EQ(def.at("name"), "t");
  EXPECT_EQ(def.at("title"), "T");
  EXPECT_EQ(def.at("description"), "does t");
  EXPECT_TRUE(def.contains("outputSchema"));
  const auto& ann = def.at("annotations").as_object();
  EXPECT_EQ(ann.at("title"), "Tee");
  EXPECT_EQ(ann.at("readOnlyHint"), true);
  EXPECT_EQ(ann.at("destructiveHint"), false);
  EXPECT_EQ(ann.at("idempotentHint"), true);
  EXPECT_EQ(ann.at("openWorldHint"), false);
}

TEST(Registry, DefinitionOmitsUnsetFields) {
  // No empty title/description/annotations are advertised.
  Server s(ServerInfo{});
  ASSERT_TRUE(s.addTool(ToolBuilder("t").handler(noop()).build()));
  const auto& def = s.registry().findTool("t")->definition;
  EXPECT_FALSE(def.contains("title"));
  EXPECT_FALSE(def.contains("description"));
  EXPECT_FALSE(def.contains("annotations"));
  EXPECT_FALSE(def.contains("outputSchema"));
}

TEST(Registry, RegistrationOrderIsListOrder) {
  // Lists are deterministic: the order tools were added.
  Server s(ServerInfo{});
  for (auto name : {"zeta", "alpha", "mid"}) {
    ASSERT_TRUE(s.addTool(ToolBuilder(name).handler(noop()).build()));
  }
  std::vector<std::string> names;
  for (const auto& t : s.registry().tools()) {
    names.push_back(t.spec.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"zeta", "alpha", "mid"}));
}

TEST(Registry, ResourcesAndTemplatesAreValidated) {
  // Bad URIs, duplicates and non-level-1 templates are refused.
  Server s(ServerInfo{});
  auto handler = [](const std::string&, CallContext&) -> Result<std::vector<ResourceContents>> {
    return std::vector<ResourceContents>{};
  };
  EXPECT_FALSE(s.addResource(resource("has space", "n", handler)));
  EXPECT_FALSE(s.addResource(resource("test://a", "", handler)));
  EXPECT_TRUE(s.addResource(resource("test://a", "a", handler)));
  EXPECT_FALSE(s.addResource(resource("test://a", "again", handler)));
  ResourceTemplateSpec t;
  t.uri_template = "test://{+x}";
  t.name = "t";
  t.handler = [](const std::string&, const TemplateVars&,
                 CallContext&) -> Result<std::vector<ResourceContents>> {
    return std::vector<ResourceContents>{};
  };
  auto r = s.addResourceTemplate(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(RegistrationError::InvalidTemplate));
  t.uri_template = "test://{x}";
  EXPECT_TRUE(s.addResourceTemplate(t));
  EXPECT_FALSE(s.addResourceTemplate(t));
}

TEST(Registry, PromptArgumentsAreValidated) {
  // Duplicate argument names and duplicate prompts are refused.
  Server s(ServerInfo{});
  PromptSpec p;
  p.name = "p";
  p.handler = [](const TemplateVars&, CallContext&) -> Result<PromptResult> {
    return PromptResult{};
  };
  p.arguments = {{"a", "", true}, {"a", "", false}};
  EXPECT_FALSE(s.addPrompt(p));
  p.arguments = {{"a", "", true}};
  EXPECT_TRUE(s.addPrompt(p));
  EXPECT_FALSE(s.addPrompt(p));
  EXPECT_EQ(s.registry().findPrompt("p")->definition.at("arguments").as_array().size(), 1U);
}

}  // namespace
}  // namespace bastion::mcp
