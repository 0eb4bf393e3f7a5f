// resources/*, prompts/* and completion/complete.

#include <gtest/gtest.h>

#include "mcp/jsonrpc.h"
#include "unit/mcp/test_server.h"

namespace bastion::mcp::testing {
namespace {

namespace json = boost::json;

DispatchResult legacyCall(Harness& h, std::string_view method, json::object params) {
  return h.legacy(h.stdioSession(), request(1, method, std::move(params)));
}

TEST(Resources, ListsStaticResources) {
  // resources/list shows direct resources, not templates.
  Harness h;
  const auto r_list = legacyCall(h, "resources/list", {});
  const auto& list = resultOf(r_list).at("resources").as_array();
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].at("uri"), "test://static");
  EXPECT_EQ(list[0].at("mimeType"), "text/plain");
}

TEST(Resources, ListsTemplates) {
  // resources/templates/list shows uriTemplate entries.
  Harness h;
  const auto r_list = legacyCall(h, "resources/templates/list", {});
  const auto& list = resultOf(r_list).at("resourceTemplates").as_array();
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].at("uriTemplate"), "test://items/{id}");
}

TEST(Resources, ReadsStaticResource) {
  // A registered URI is read through its handler.
  Harness h;
  const auto r_contents = legacyCall(h, "resources/read", {{"uri", "test://static"}});
  const auto& contents = resultOf(r_contents).at("contents");
  EXPECT_EQ(contents.at(0).at("text"), "static text");
  EXPECT_EQ(contents.at(0).at("uri"), "test://static");
}

TEST(Resources, ReadsThroughTemplate) {
  // A URI matching a template binds its variables.
  Harness h;
  const auto r_contents = legacyCall(h, "resources/read", {{"uri", "test://items/42"}});
  const auto& contents = resultOf(r_contents).at("contents");
  EXPECT_EQ(contents.at(0).at("text"), "item 42");
}

TEST(Resources, UnknownResourceIsLegacyNotFound) {
  // 2025-11-25: -32002 for an unknown URI, including template paths that do not match.
  Harness h;
  EXPECT_EQ(errorCode(legacyCall(h, "resources/read", {{"uri", "test://nothing"}})),
            rpc::kResourceNotFoundLegacy);
  EXPECT_EQ(errorCode(legacyCall(h, "resources/read", {{"uri", "test://items/a/b"}})),
            rpc::kResourceNotFoundLegacy);
  EXPECT_EQ(errorCode(legacyCall(h, "resources/read", {{"uri", "test://items/missing"}})),
            rpc::kResourceNotFoundLegacy);
  auto r = legacyCall(h, "resources/read", {{"uri", "test://nothing"}});
  EXPECT_EQ(r.response->at("error").at("data").at("uri"), "test://nothing");
}

TEST(Resources, ReadWithoutUriIsInvalidParams) {
  // uri is required.
  Harness h;
  EXPECT_EQ(errorCode(legacyCall(h, "resources/read", {})), rpc::kInvalidParams);
}

TEST(Prompts, ListsPromptsWithArguments) {
  // prompts/list shows names and argument declarations.
  Harness h;
  const auto r_list = legacyCall(h, "prompts/list", {});
  const auto& list = resultOf(r_list).at("prompts").as_array();
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].at("name"), "greet");
  EXPECT_EQ(list[0].at("arguments").at(0).at("required"), true);
}

TEST(Prompts, GetsPromptWithArguments) {
  // prompts/get fills the template.
  Harness h;
  auto r = legacyCall(h, "prompts/get", {{"name", "greet"}, {"arguments", {{"name", "Ada"}}}});
  const auto& res = resultOf(r);
  EXPECT_EQ(res.at("description"), "A greeting");
  EXPECT_EQ(res.at("messages").at(0).at("role"), "user");
  EXPECT_EQ(res.at("messages").at(0).at("content").at("text"), "Hello Ada");
}

TEST(Prompts, MissingRequiredArgumentIsInvalidParams) {
  // A required argument left out is -32602.
  Harness h;
  EXPECT_EQ(errorCode(legacyCall(h, "prompts/get", {{"name", "greet"}})), rpc::kInvalidParams);
}

TEST(Prompts, UnknownArgumentIsInvalidParams) {
  // Undeclared arguments are refused like unknown tool keys.
  Harness h;
  auto r = legacyCall(h, "prompts/get",
                      {{"name", "greet"}, {"arguments", {{"name", "A"}, {"evil", "x"}}}});
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
}

TEST(Prompts, NonStringArgumentIsInvalidParams) {
  // Prompt arguments are strings.
  Harness h;
  auto r = legacyCall(h, "prompts/get", {{"name", "greet"}, {"arguments", {{"name", 5}}}});
  EXPECT_EQ(errorCode(r), rpc::kInvalidParams);
}

TEST(Prompts, UnknownPromptIsInvalidParams) {
  // No such prompt: -32602.
  Harness h;
  EXPECT_EQ(errorCode(legacyCall(h, "prompts/get", {{"name", "nope"}})), rpc::kInvalidParams);
}

TEST(Completion, PromptArgumentValuesAreCappedAt100) {
  // 150 suggestions: 100 returned, total 150, hasMore true.
  Harness h;
  auto r = legacyCall(h, "completion/complete",
                      {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                       {"argument", {{"name", "name"}, {"value", "A"}}}});
  const auto& c = resultOf(r).at("completion");
  EXPECT_EQ(c.at("values").as_array().size(), 100U);
  EXPECT_EQ(c.at("values").at(0), "A0");
  EXPECT_EQ(c.at("total").to_number<double>(), 150.0);
  EXPECT_EQ(c.at("hasMore"), true);
}

TEST(Completion, TemplateVariableValues) {
  // ref/resource names a template by its uriTemplate.
  Harness h;
  auto r = legacyCall(h, "completion/complete",
                      {{"ref", {{"type", "ref/resource"}, {"uri", "test://items/{id}"}}},
                       {"argument", {{"name", "id"}, {"value", "7"}}}});
  EXPECT_EQ(resultOf(r).at("completion").at("values").at(0), "70");
}

TEST(Completion, UnknownReferenceIsInvalidParams) {
  // Completing for something that does not exist is -32602.
  Harness h;
  EXPECT_EQ(errorCode(legacyCall(h, "completion/complete",
                                 {{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
                                  {"argument", {{"name", "a"}, {"value", ""}}}})),
            rpc::kInvalidParams);
  EXPECT_EQ(errorCode(legacyCall(
                h, "completion/complete",
                {{"ref", {{"type", "ref/other"}}}, {"argument", {{"name", "a"}, {"value", ""}}}})),
            rpc::kInvalidParams);
}

}  // namespace
}  // namespace bastion::mcp::testing
