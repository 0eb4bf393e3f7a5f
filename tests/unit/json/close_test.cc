// closeObjectSchemas(): strict tool arguments reject unknown keys, composition keeps working.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "json/schema.h"

namespace bastion::json {
namespace {

boost::json::value parse(std::string_view text) { return boost::json::parse(text); }

std::shared_ptr<const CompiledSchema> closed(std::string_view schema) {
  auto compiled = CompiledSchema::compile(closeObjectSchemas(parse(schema)));
  EXPECT_TRUE(compiled.has_value()) << (compiled ? "" : compiled.error().message);
  return compiled ? *compiled : nullptr;
}

bool valid(const CompiledSchema& s, std::string_view instance) {
  return s.validate(parse(instance)).valid;
}

// Intent: a plain object schema gets additionalProperties:false, nested ones too.
TEST(CloseObjectSchemas, PlainObjectsAreClosed) {
  const auto out = closeObjectSchemas(parse(R"({"type": "object", "properties": {
      "opts": {"type": "object", "properties": {"x": {"type": "integer"}}},
      "list": {"type": "array", "items": {"type": "object", "properties": {"y": true}}}}})"));
  EXPECT_EQ(out.at("additionalProperties"), false);
  EXPECT_EQ(out.at("properties").at("opts").at("additionalProperties"), false);
  EXPECT_EQ(out.at("properties").at("list").at("items").at("additionalProperties"), false);
  EXPECT_FALSE(out.at("properties").at("list").as_object().contains("additionalProperties"));
}

// Intent: an attacker-supplied unknown argument is rejected at every level, with its pointer.
TEST(CloseObjectSchemas, RejectsUnknownArgumentSmuggling) {
  auto s = closed(R"({"type": "object", "properties": {"path": {"type": "string"},
      "opts": {"type": "object", "properties": {"recursive": {"type": "boolean"}}}},
      "required": ["path"]})");
  EXPECT_TRUE(valid(*s, R"({"path": "a", "opts": {"recursive": true}})"));
  EXPECT_FALSE(valid(*s, R"({"path": "a", "__proto__": {}})"));
  const auto r = s->validate(parse(R"({"path": "a", "opts": {"recursive": true, "sudo": true}})"));
  ASSERT_FALSE(r.valid);
  EXPECT_EQ(r.errors.at(0).instance_pointer, "/opts/sudo");
  EXPECT_EQ(r.errors.at(0).keyword, "additionalProperties");
}

// Intent: allOf/$ref composition stays valid for properties declared by its parts.
TEST(CloseObjectSchemas, CompositionKeepsDeclaredPropertiesValid) {
  const auto schema = R"({
    "$defs": {"paging": {"type": "object", "properties": {"limit": {"type": "integer"}}}},
    "type": "object",
    "allOf": [{"$ref": "#/$defs/paging"},
              {"properties": {"query": {"type": "string"}}, "required": ["query"]}],
    "properties": {"sort": {"enum": ["asc", "desc"]}}})";
  const auto out = closeObjectSchemas(parse(schema));
  EXPECT_EQ(out.at("unevaluatedProperties"), false);
  EXPECT_FALSE(out.as_object().contains("additionalProperties"));
  EXPECT_FALSE(out.at("$defs").at("paging").as_object().contains("additionalProperties"));
  EXPECT_FALSE(out.at("allOf").at(1).as_object().contains("additionalProperties"));
  auto s = closed(schema);
  EXPECT_TRUE(valid(*s, R"({"query": "q", "limit": 10, "sort": "asc"})"));
  EXPECT_FALSE(valid(*s, R"({"query": "q", "limit": 10, "injected": 1})"));
}

// Intent: a property typed by $ref to a definition is closed there, with the definition's
// properties still allowed.
TEST(CloseObjectSchemas, RefPropertiesAreClosedThroughTheReference) {
  auto s = closed(R"({"type": "object",
      "$defs": {"point": {"type": "object", "properties": {"x": {}, "y": {}}}},
      "properties": {"at": {"$ref": "#/$defs/point"}}})");
  EXPECT_TRUE(valid(*s, R"({"at": {"x": 1, "y": 2}})"));
  EXPECT_FALSE(valid(*s, R"({"at": {"x": 1, "z": 2}})"));
}

// Intent: anyOf/oneOf/if-then-else parts stay open; the combining parent closes them.
TEST(CloseObjectSchemas, AlternativesAreClosedAtTheParent) {
  auto s = closed(R"({"type": "object", "oneOf": [
      {"properties": {"kind": {"const": "a"}, "a": {}}, "required": ["kind"]},
      {"properties": {"kind": {"const": "b"}, "b": {}}, "required": ["kind"]}]})");
  EXPECT_TRUE(valid(*s, R"({"kind": "a", "a": 1})"));
  EXPECT_TRUE(valid(*s, R"({"kind": "b", "b": 1})"));
  EXPECT_FALSE(valid(*s, R"({"kind": "a", "b": 1})"));
  EXPECT_FALSE(valid(*s, R"({"kind": "a", "zz": 1})"));
}

// Intent: an explicit additionalProperties/unevaluatedProperties (true or a schema) is kept.
TEST(CloseObjectSchemas, ExplicitOptOutIsKept) {
  const auto out = closeObjectSchemas(parse(R"({"type": "object", "additionalProperties": true,
      "properties": {"m": {"type": "object", "additionalProperties": {"type": "string"}},
                     "u": {"type": "object", "unevaluatedProperties": true}}})"));
  EXPECT_EQ(out.at("additionalProperties"), true);
  EXPECT_EQ(out.at("properties").at("m").at("additionalProperties").at("type"), "string");
  EXPECT_FALSE(out.at("properties").at("u").as_object().contains("additionalProperties"));
  auto s = closed(boost::json::serialize(out));
  EXPECT_TRUE(valid(*s, R"({"anything": 1, "m": {"k": "v"}, "u": {"k": 1}})"));
  EXPECT_FALSE(valid(*s, R"({"m": {"k": 1}})"));
}

// Intent: schemas that are not about objects are left alone (scalars, `{}`, booleans, `not`).
TEST(CloseObjectSchemas, NonObjectSchemasAreUnchanged) {
  for (const auto* text : {R"({"type": "string"})", "{}", "true", "false",
                           R"({"not": {"type": "object", "properties": {"a": {}}}})"}) {
    const auto in = parse(text);
    const auto out = closeObjectSchemas(in);
    if (in.is_object() && in.as_object().contains("not")) {
      EXPECT_EQ(out.at("not"), in.at("not")) << text;
    } else {
      EXPECT_EQ(out, in) << text;
    }
  }
}

}  // namespace
}  // namespace bastion::json
