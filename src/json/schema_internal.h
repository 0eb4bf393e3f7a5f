#pragma once
// Internals shared by the schema compiler, validator and format checks (not a public header).

#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "json/regex.h"
#include "json/schema.h"

namespace bastion::json::detail {

// ---- Index: where every identified subschema of a set of documents lives -------------------

struct IndexedSchema {
  const boost::json::value* value = nullptr;
  std::string base;  // absolute URI (no fragment) of the resource the subschema belongs to
};

struct SubschemaInfo {
  std::string base;      // base URI in effect at this subschema
  std::string location;  // "<document uri>#<json pointer>" (the document uri empty for the root)
  bool resource_root = false;
};

class SchemaIndex {
 public:
  // Indexes `doc` (which must outlive the index) under `uri` and every $id/$anchor it declares.
  [[nodiscard]] Result<void> addDocument(const std::string& uri, const boost::json::value& doc,
                                         std::size_t max_depth, bool is_compile_root);

  // Adds what `other` indexed; entries already present here win.
  void mergeFrom(SchemaIndex&& other);

  const IndexedSchema* find(const std::string& uri) const {
    const auto it = by_uri_.find(uri);
    return it == by_uri_.end() ? nullptr : &it->second;
  }
  const SubschemaInfo* info(const boost::json::value* v) const {
    const auto it = info_.find(v);
    return it == info_.end() ? nullptr : &it->second;
  }
  bool isDynamicAnchor(const std::string& uri_with_fragment) const {
    return dynamic_.contains(uri_with_fragment);
  }
  // $dynamicAnchor names declared directly by the resource `base`, with their subschemas.
  const std::vector<std::pair<std::string, const boost::json::value*>>* dynamicAnchorsOf(
      const std::string& base) const {
    const auto it = dynamic_by_resource_.find(base);
    return it == dynamic_by_resource_.end() ? nullptr : &it->second;
  }

 private:
  Result<void> walk(const boost::json::value& v, std::string base, std::string location,
                    std::size_t depth, std::size_t max_depth, bool is_root);

  std::unordered_map<std::string, IndexedSchema> by_uri_;
  std::unordered_map<const boost::json::value*, SubschemaInfo> info_;
  std::unordered_set<std::string> dynamic_;
  std::unordered_map<std::string, std::vector<std::pair<std::string, const boost::json::value*>>>
      dynamic_by_resource_;
};

// Resolves `ref` against the absolute `base`; the result is normalised, its fragment kept
// ("" when none). False when either is not a URI reference.
[[nodiscard]] bool resolveUri(std::string_view base, std::string_view ref, std::string& absolute,
                              std::string& fragment);

// The embedded 2020-12 meta-schemas (core, applicator, ...), indexed once per process.
const SchemaIndex& metaschemaIndex();
inline constexpr std::string_view kDialect2020 = "https://json-schema.org/draft/2020-12/schema";

// ---- Compiled tree ---------------------------------------------------------------------------

// A JSON number kept exactly as parsed (for exact integer comparisons).
struct Number {
  enum class Kind : std::uint8_t { Int, Uint, Double } kind = Kind::Int;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;
  static std::optional<Number> from(const boost::json::value& v);
};
int compareNumbers(const Number& a, const Number& b);  // <0, 0, >0
bool isMultipleOf(const Number& x, const Number& m);    // m > 0

enum TypeBits : std::uint8_t {
  kNull = 1, kBoolean = 2, kObject = 4, kArray = 8, kNumber = 16, kString = 32, kInteger = 64,
};

using FormatCheck = bool (*)(std::string_view);
// The check for a string `format`, or nullptr when the name is unknown.
FormatCheck findFormat(std::string_view name);

struct Node;

struct NamedNode {
  std::string name;
  const Node* node = nullptr;
};
struct PatternNode {
  Regex regex;
  const Node* node = nullptr;
};
struct Dependency {
  std::string name;
  std::vector<std::string> required;
};

struct Node {
  // Boolean schema (or an object schema with no effective keyword: `always` true).
  std::optional<bool> always;
  std::string location;  // canonical keyword-location prefix, e.g. "#/properties/a"

  // The resource (root node) this node belongs to; entering it extends the dynamic scope. A
  // resource root lists its $dynamicAnchor subschemas, which $dynamicRef consults.
  const Node* resource = nullptr;
  std::vector<NamedNode> dynamic_anchors;

  const Node* ref = nullptr;
  const Node* dynamic_ref = nullptr;     // static target of $dynamicRef
  std::string dynamic_name;              // non-empty: the target was a $dynamicAnchor of this name

  std::uint8_t types = 0;  // 0: no `type`
  std::optional<boost::json::value> const_value;
  std::optional<boost::json::array> enum_values;

  std::vector<const Node*> all_of, any_of, one_of;
  const Node* not_ = nullptr;
  const Node* if_ = nullptr;
  const Node* then_ = nullptr;
  const Node* else_ = nullptr;

  std::vector<NamedNode> properties;  // sorted by name
  std::vector<PatternNode> pattern_properties;
  const Node* additional_properties = nullptr;
  const Node* property_names = nullptr;
  const Node* unevaluated_properties = nullptr;
  std::vector<Dependency> dependent_required;
  std::vector<NamedNode> dependent_schemas;
  std::vector<std::string> required;
  std::optional<std::size_t> min_properties, max_properties;

  std::vector<const Node*> prefix_items;
  const Node* items = nullptr;
  const Node* contains = nullptr;
  std::optional<std::size_t> min_contains, max_contains;
  const Node* unevaluated_items = nullptr;
  std::optional<std::size_t> min_items, max_items;
  bool unique_items = false;

  std::optional<Number> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;

  std::optional<std::size_t> min_length, max_length;
  std::optional<Regex> pattern;
  FormatCheck format = nullptr;  // set only when formats are asserted
  std::string format_name;
};

// JSON equality: numbers compare by value (1 == 1.0), objects ignore member order.
bool jsonEqual(const boost::json::value& a, const boost::json::value& b);

struct CompiledTree {
  std::deque<Node> nodes;
  const Node* root = nullptr;
  Limits limits;
};

// Runs `root` over `instance`; implemented in schema_validate.cc.
ValidationResult validateTree(const CompiledTree& tree, const boost::json::value& instance);

}  // namespace bastion::json::detail

namespace bastion::json {
// Documents are owned here (stable addresses) and indexed when added.
struct SchemaRegistry::Impl {
  std::deque<boost::json::value> documents;
  detail::SchemaIndex index;
};
}  // namespace bastion::json
