// JSON Schema API: compile errors, error reports, limits, registry, formats, thread safety.
#include "json/schema.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <thread>

namespace bastion::json {
namespace {

boost::json::value parse(std::string_view text) { return boost::json::parse(text); }

std::shared_ptr<const CompiledSchema> compileOk(std::string_view schema,
                                                const CompileOptions& options = {},
                                                const SchemaRegistry* registry = nullptr) {
  auto compiled = CompiledSchema::compile(parse(schema), registry, options);
  EXPECT_TRUE(compiled.has_value()) << schema << ": "
                                    << (compiled ? "" : compiled.error().message);
  return compiled ? *compiled : nullptr;
}

SchemaError compileError(std::string_view schema, const CompileOptions& options = {}) {
  auto compiled = CompiledSchema::compile(parse(schema), nullptr, options);
  EXPECT_FALSE(compiled.has_value()) << schema;
  if (compiled) return SchemaError{};
  EXPECT_FALSE(compiled.error().message.empty());
  return static_cast<SchemaError>(compiled.error().code);
}

bool valid(const CompiledSchema& s, std::string_view instance) {
  return s.validate(parse(instance)).valid;
}

// Intent: a schema must be an object or a boolean; keyword values are type-checked.
TEST(Schema, RejectsMalformedSchemas) {
  EXPECT_EQ(compileError("42"), SchemaError::InvalidSchema);
  EXPECT_EQ(compileError(R"({"type": "strnig"})"), SchemaError::InvalidSchema);
  EXPECT_EQ(compileError(R"({"minLength": -1})"), SchemaError::InvalidSchema);
  EXPECT_EQ(compileError(R"({"required": "a"})"), SchemaError::InvalidSchema);
  EXPECT_EQ(compileError(R"({"properties": {"a": 3}})"), SchemaError::InvalidSchema);
  EXPECT_EQ(compileError(R"({"$id": "http://x.test/a#frag"})"), SchemaError::InvalidSchema);
}

// Intent: boolean schemas accept everything / nothing.
TEST(Schema, BooleanSchemas) {
  EXPECT_TRUE(valid(*compileOk("true"), R"({"a": [1, 2]})"));
  EXPECT_FALSE(valid(*compileOk("false"), "null"));
}

// Intent: errors carry the RFC 6901 instance pointer, the keyword location and the rule.
TEST(Schema, ErrorsNamePointerKeywordAndRule) {
  auto s = compileOk(R"({
    "type": "object",
    "properties": {"a/b": {"type": "array", "items": {"properties": {"n~": {"maximum": 10}}}}},
    "required": ["needed"]})");
  const auto r = s->validate(parse(R"({"a/b": [{"n~": 1}, {"n~": 11}]})"));
  ASSERT_FALSE(r.valid);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].instance_pointer, "");
  EXPECT_EQ(r.errors[0].keyword, "required");
  EXPECT_EQ(r.errors[0].message, "required property 'needed' is missing");
  EXPECT_EQ(r.errors[1].instance_pointer, "/a~1b/1/n~0");
  EXPECT_EQ(r.errors[1].schema_pointer, "#/properties/a~1b/items/properties/n~0/maximum");
  EXPECT_EQ(r.errors[1].keyword, "maximum");
  EXPECT_FALSE(r.limit_exceeded);
}

// Intent: an error message never repeats the rejected value (it may be a secret).
TEST(Schema, ErrorMessagesNeverEchoTheValue) {
  auto s = compileOk(R"({"properties": {
    "s": {"type": "string", "maxLength": 3, "pattern": "^x", "enum": ["x"]},
    "n": {"const": 5, "multipleOf": 7, "maximum": 1}},
    "additionalProperties": false})");
  const auto r = s->validate(parse(R"({"s": "SECRET-VALUE", "n": 123456789, "extra": "SECRET-2"})"));
  ASSERT_FALSE(r.valid);
  EXPECT_GE(r.errors.size(), 6u);
  for (const auto& e : r.errors) {
    EXPECT_EQ(e.message.find("SECRET"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("123456789"), std::string::npos) << e.message;
  }
  EXPECT_EQ(r.errors.back().instance_pointer, "/extra");
  EXPECT_EQ(r.errors.back().keyword, "additionalProperties");
}

// Intent: JSON equality treats 1 and 1.0 as equal; lengths count code points.
TEST(Schema, NumberEqualityAndCodePointLength) {
  EXPECT_TRUE(valid(*compileOk(R"({"const": 1})"), "1.0"));
  EXPECT_TRUE(valid(*compileOk(R"({"enum": [[1.0, {"a": 2}]]})"), R"([1, {"a": 2.0}])"));
  EXPECT_FALSE(valid(*compileOk(R"({"uniqueItems": true})"), "[1, 1.0]"));
  auto len = compileOk(R"({"maxLength": 2, "minLength": 2})");
  EXPECT_TRUE(valid(*len, "\"\xf0\x9f\x90\xb2\xc3\xa9\""));  // two code points, six bytes
  EXPECT_FALSE(valid(*len, "\"abc\""));
  EXPECT_TRUE(valid(*compileOk(R"({"type": "integer"})"), "3.0"));
  EXPECT_TRUE(valid(*compileOk(R"({"maximum": 18446744073709551615})"), "18446744073709551615"));
  EXPECT_FALSE(valid(*compileOk(R"({"maximum": 9223372036854775807})"), "18446744073709551615"));
}

// Intent: a reference the schema and registry do not hold is a compile error; nothing is fetched.
TEST(Schema, UnknownRemoteRefIsUnresolvedNeverFetched) {
  EXPECT_EQ(compileError(R"({"$ref": "http://127.0.0.1:1/never-fetched.json"})"),
            SchemaError::UnresolvedRef);
  EXPECT_EQ(compileError(R"({"$ref": "other.json#/x"})"), SchemaError::UnresolvedRef);
  EXPECT_EQ(compileError(R"({"$ref": "#/$defs/missing"})"), SchemaError::UnresolvedRef);
  EXPECT_EQ(compileError(R"({"$ref": "#nowhere"})"), SchemaError::UnresolvedRef);
  EXPECT_EQ(compileError(R"({"$dynamicRef": "https://evil.test/s#meta"})"),
            SchemaError::UnresolvedRef);
}

// Intent: patterns RE2 cannot express are BadPattern at compile time, in both keywords.
TEST(Schema, UnsupportedPatternIsBadPattern) {
  EXPECT_EQ(compileError(R"({"pattern": "(a)\\1"})"), SchemaError::BadPattern);
  EXPECT_EQ(compileError(R"j({"patternProperties": {"^(?=x)": true}})j"), SchemaError::BadPattern);
  EXPECT_EQ(compileError(R"({"properties": {"a": {"pattern": "(?<!a)b"}}})"),
            SchemaError::BadPattern);
  EXPECT_EQ(compileError(R"({"pattern": "(unclosed"})"), SchemaError::BadPattern);
}

// Intent: only the 2020-12 dialect (or a meta-schema built on it) is accepted.
TEST(Schema, OtherDialectsAreUnsupported) {
  EXPECT_EQ(compileError(R"({"$schema": "http://json-schema.org/draft-07/schema#"})"),
            SchemaError::UnsupportedDialect);
  EXPECT_EQ(compileError(R"({"$schema": "https://example.test/unknown-meta"})"),
            SchemaError::UnsupportedDialect);
  compileOk(R"({"$schema": "https://json-schema.org/draft/2020-12/schema"})");
}

// Intent: a meta-schema requiring a vocabulary we do not know is refused, not half-applied.
TEST(Schema, UnknownRequiredVocabularyIsUnsupported) {
  SchemaRegistry registry;
  ASSERT_TRUE(registry.add("https://meta.test/strict", parse(R"({
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                      "https://vocab.test/encryption": true}})")));
  ASSERT_TRUE(registry.add("https://meta.test/lenient", parse(R"({
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                      "https://json-schema.org/draft/2020-12/vocab/validation": true,
                      "https://vocab.test/encryption": false}})")));
  auto strict = CompiledSchema::compile(parse(R"({"$schema": "https://meta.test/strict"})"),
                                        &registry);
  ASSERT_FALSE(strict.has_value());
  EXPECT_EQ(strict.error().code, static_cast<int>(SchemaError::UnsupportedDialect));
  auto lenient = compileOk(R"({"$schema": "https://meta.test/lenient", "maximum": 1})", {},
                           &registry);
  EXPECT_FALSE(valid(*lenient, "2"));
}

// Intent: the 2020-12 meta-schema is embedded, so schemas can be validated as schemas.
TEST(Schema, MetaschemaIsAvailableWithoutFetching) {
  auto meta = compileOk(R"({"$ref": "https://json-schema.org/draft/2020-12/schema"})");
  EXPECT_TRUE(valid(*meta, R"({"type": "object", "properties": {"a": {"minimum": 1}}})"));
  EXPECT_FALSE(valid(*meta, R"({"type": "object", "properties": {"a": {"minimum": "x"}}})"));
}

// Intent: registry documents resolve $ref by URI and by $id; the compiled schema outlives it.
TEST(Schema, RegistryResolvesAndMayGoAway) {
  std::shared_ptr<const CompiledSchema> s;
  {
    SchemaRegistry registry;
    ASSERT_TRUE(registry.add("https://schemas.test/point.json",
                             parse(R"({"$id": "https://schemas.test/p2.json", "type": "object",
                                       "required": ["x"], "$defs": {"n": {"type": "number"}},
                                       "properties": {"x": {"$ref": "#/$defs/n"}}})")));
    EXPECT_FALSE(registry.add("https://schemas.test/bad.json", parse("[1]")));
    s = compileOk(R"({"properties": {"a": {"$ref": "https://schemas.test/point.json"},
                                      "b": {"$ref": "https://schemas.test/p2.json"}}})",
                  {}, &registry);
  }
  EXPECT_TRUE(valid(*s, R"({"a": {"x": 1}, "b": {"x": 2}})"));
  const auto r = s->validate(parse(R"({"a": {"x": "no"}})"));
  ASSERT_FALSE(r.valid);
  EXPECT_EQ(r.errors.front().instance_pointer, "/a/x");
}

// Intent: recursive schemas work, and a reference cycle that consumes nothing is stopped.
TEST(Schema, RecursionIsBoundedNeverInfinite) {
  auto tree = compileOk(R"({"type": "object", "properties": {
      "children": {"type": "array", "items": {"$ref": "#"}}}})");
  EXPECT_TRUE(valid(*tree, R"({"children": [{"children": []}, {}]})"));
  EXPECT_FALSE(valid(*tree, R"({"children": [{"children": [3]}]})"));

  for (const auto* cyclic : {R"({"$ref": "#"})", R"({"$defs": {"a": {"$ref": "#/$defs/b"},
                                 "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"})"}) {
    auto s = compileOk(cyclic);
    const auto r = s->validate(parse("{}"));
    EXPECT_FALSE(r.valid);
    EXPECT_TRUE(r.limit_exceeded);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].message.find("recurses"), std::string::npos);
  }
}

// Intent: a long chain of distinct references (no cycle) is cut off before the stack runs out.
TEST(SchemaLimits, LongReferenceChainIsLimitExceeded) {
  boost::json::object defs;
  for (int i = 0; i < 3000; ++i) {
    defs["d" + std::to_string(i)] = {{"$ref", "#/$defs/d" + std::to_string(i + 1)}};
  }
  defs["d3000"] = {{"type", "integer"}};
  boost::json::object schema{{"$defs", defs}, {"$ref", "#/$defs/d0"}};
  auto compiled = CompiledSchema::compile(schema);
  ASSERT_TRUE(compiled.has_value());
  const auto r = (*compiled)->validate(boost::json::value(1));
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(r.limit_exceeded);
  EXPECT_NE(r.errors.at(0).message.find("nests too deeply"), std::string::npos);
}

std::string nested(std::string_view open, std::string_view inner, std::string_view close,
                   std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += open;
  s += inner;
  for (std::size_t i = 0; i < n; ++i) s += close;
  return s;
}

// Intent: Limits::max_schema_depth rejects deeply nested schemas at compile time.
TEST(SchemaLimits, SchemaDepthIsTooDeep) {
  CompileOptions options;
  options.limits.max_schema_depth = 10;
  const auto deep = nested(R"({"items": )", "true", "}", 11);
  EXPECT_EQ(compileError(deep, options), SchemaError::TooDeep);
  compileOk(nested(R"({"items": )", "true", "}", 9), options);
}

// Intent: instances nested past max_instance_depth are refused with limit_exceeded.
TEST(SchemaLimits, InstanceDepthIsLimitExceeded) {
  CompileOptions options;
  options.limits.max_instance_depth = 20;
  auto s = compileOk("{}", options);
  EXPECT_TRUE(valid(*s, nested("[", "1", "]", 20)));
  boost::json::parse_options deep;
  deep.max_depth = 1000;
  const auto r = s->validate(boost::json::parse(nested("[", "1", "]", 500), {}, deep));
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(r.limit_exceeded);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("deeper than 20"), std::string::npos);
}

// Intent: instances with more than max_instance_nodes values are refused.
TEST(SchemaLimits, InstanceNodeCountIsLimitExceeded) {
  CompileOptions options;
  options.limits.max_instance_nodes = 100;
  auto s = compileOk(R"({"type": "array"})", options);
  boost::json::array small(99, boost::json::value(1));
  EXPECT_TRUE(s->validate(small).valid);
  boost::json::array big(100, boost::json::value(1));
  const auto r = s->validate(big);
  EXPECT_TRUE(r.limit_exceeded);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.errors.at(0).message.find("more than 100 values"), std::string::npos);
}

// Intent: validation stops after max_steps keyword evaluations (e.g. quadratic uniqueItems).
TEST(SchemaLimits, StepCountIsLimitExceeded) {
  CompileOptions options;
  options.limits.max_steps = 1000;
  auto s = compileOk(R"({"uniqueItems": true, "items": {"type": "integer"}})", options);
  boost::json::array small;
  for (int i = 0; i < 20; ++i) small.push_back(i);
  EXPECT_TRUE(s->validate(small).valid);
  boost::json::array big;
  for (int i = 0; i < 5000; ++i) big.push_back(i);
  const auto r = s->validate(big);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(r.limit_exceeded);
  EXPECT_NE(r.errors.at(0).message.find("1000 steps"), std::string::npos);
}

// Intent: `format` is an annotation by default and an assertion when asked for.
TEST(Schema, FormatAssertionIsOptIn) {
  const auto schema = R"({"properties": {"e": {"format": "email"}, "u": {"format": "uri"},
      "d": {"format": "date-time"}, "i": {"format": "ipv6"}, "id": {"format": "uuid"}}})";
  CompileOptions asserting;
  asserting.assert_formats = true;
  auto strict = compileOk(schema, asserting);
  auto lax = compileOk(schema);
  for (const auto* bad : {R"({"e": "no-at-sign"})", R"({"u": "not a uri"})",
                          R"({"d": "2026-02-30T00:00:00Z"})", R"({"i": "1:2:3"})",
                          R"({"id": "1234"})"}) {
    EXPECT_FALSE(valid(*strict, bad)) << bad;
    EXPECT_TRUE(valid(*lax, bad)) << bad;
  }
  EXPECT_TRUE(valid(*strict, R"({"e": "a@b.example", "u": "https://x.test/p?q#f",
      "d": "2026-11-27T01:02:03.5+01:00", "i": "::1", "id": "2eb8aa08-aa98-11ea-b4aa-73b441d16380"})"));
}

// Intent: unevaluatedProperties sees properties declared through allOf, $ref and if/then.
TEST(Schema, UnevaluatedPropertiesSeesInPlaceApplicators) {
  auto s = compileOk(R"({
    "$defs": {"base": {"properties": {"id": {"type": "integer"}}}},
    "allOf": [{"$ref": "#/$defs/base"}, {"properties": {"name": true}}],
    "if": {"required": ["kind"]}, "then": {"properties": {"kind": true}},
    "unevaluatedProperties": false})");
  EXPECT_TRUE(valid(*s, R"({"id": 1, "name": "n", "kind": "k"})"));
  const auto r = s->validate(parse(R"({"id": 1, "other": 2})"));
  ASSERT_FALSE(r.valid);
  EXPECT_EQ(r.errors.at(0).instance_pointer, "/other");
  EXPECT_EQ(r.errors.at(0).keyword, "unevaluatedProperties");
}

// Intent: one compiled schema validates concurrently from many threads (run under TSan too).
TEST(Schema, ValidateIsThreadSafe) {
  auto s = compileOk(R"({"$defs": {"node": {"$dynamicAnchor": "n", "type": "object",
      "properties": {"v": {"type": "integer"}, "kids": {"type": "array",
      "items": {"$dynamicRef": "#n"}}}, "unevaluatedProperties": false}},
      "$ref": "#/$defs/node"})");
  const auto good = parse(R"({"v": 1, "kids": [{"v": 2, "kids": []}]})");
  const auto bad = parse(R"({"v": 1, "kids": [{"v": "x", "extra": 1}]})");
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!s->validate(good).valid || s->validate(bad).valid) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace bastion::json
