// closeObjectSchemas(): strict tool arguments (see schema.h for the contract).
#include <boost/json/value.hpp>

#include "json/schema.h"

namespace bastion::json {
namespace {

constexpr std::string_view kCombinators[] = {"allOf", "anyOf", "oneOf", "if", "then", "else",
                                             "$ref", "$dynamicRef", "dependentSchemas"};
constexpr std::string_view kObjectKeywords[] = {"properties", "patternProperties", "required",
                                                "propertyNames", "minProperties",
                                                "maxProperties", "dependentRequired"};
// Subschemas that are closed on their own (they describe other values than their parent's).
constexpr std::string_view kSeparateSingle[] = {"additionalProperties", "unevaluatedProperties",
                                                "items", "contains", "unevaluatedItems"};
constexpr std::string_view kSeparateMap[] = {"properties", "patternProperties"};
// Parts of a combination (and $defs, which $ref makes parts): left open, the user closes them.
constexpr std::string_view kPartSingle[] = {"if", "then", "else"};
constexpr std::string_view kPartArray[] = {"allOf", "anyOf", "oneOf"};
constexpr std::string_view kPartMap[] = {"dependentSchemas", "$defs", "definitions"};

bool typeIncludesObject(const boost::json::value* type) {
  if (type == nullptr) return false;
  if (type->is_string()) return type->get_string() == "object";
  if (const auto* arr = type->if_array()) {
    for (const auto& t : *arr) {
      if (t.is_string() && t.get_string() == "object") return true;
    }
  }
  return false;
}

boost::json::value close(const boost::json::value& schema, bool is_part, std::size_t depth) {
  // Deeper than any compilable schema: left as is, compile() rejects it with TooDeep.
  if (!schema.is_object() || depth > 1024) return schema;
  boost::json::object obj = schema.get_object();
  for (const auto kw : kSeparateSingle) {
    if (auto* s = obj.if_contains(kw)) *s = close(*s, false, depth + 1);
  }
  if (auto* s = obj.if_contains("prefixItems"); s != nullptr && s->is_array()) {
    for (auto& item : s->get_array()) item = close(item, false, depth + 1);
  }
  for (const auto kw : kSeparateMap) {
    if (auto* s = obj.if_contains(kw); s != nullptr && s->is_object()) {
      for (auto& member : s->get_object()) member.value() = close(member.value(), false, depth + 1);
    }
  }
  for (const auto kw : kPartSingle) {
    if (auto* s = obj.if_contains(kw)) *s = close(*s, true, depth + 1);
  }
  for (const auto kw : kPartArray) {
    if (auto* s = obj.if_contains(kw); s != nullptr && s->is_array()) {
      for (auto& item : s->get_array()) item = close(item, true, depth + 1);
    }
  }
  for (const auto kw : kPartMap) {
    if (auto* s = obj.if_contains(kw); s != nullptr && s->is_object()) {
      for (auto& member : s->get_object()) member.value() = close(member.value(), true, depth + 1);
    }
  }
  // `not` is left untouched: closing inside a negation would widen what the schema accepts.

  if (is_part || obj.contains("additionalProperties") || obj.contains("unevaluatedProperties")) {
    return obj;
  }
  bool combines = false;
  for (const auto kw : kCombinators) combines = combines || obj.contains(kw);
  bool about_objects = typeIncludesObject(obj.if_contains("type"));
  for (const auto kw : kObjectKeywords) about_objects = about_objects || obj.contains(kw);
  if (combines) {
    obj["unevaluatedProperties"] = false;
  } else if (about_objects) {
    obj["additionalProperties"] = false;
  }
  return obj;
}

}  // namespace

boost::json::value closeObjectSchemas(const boost::json::value& schema) {
  return close(schema, false, 0);
}

}  // namespace bastion::json
