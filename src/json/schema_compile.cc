// Compiling a schema document into a tree of keyword nodes with every reference resolved.
#include <algorithm>
#include <cmath>

#include "json/pointer.h"
#include "json/schema_internal.h"

namespace bastion::json {
namespace detail {
namespace {

constexpr std::string_view kRootUri = "bastion:///schema.json";
constexpr std::string_view kVocabPrefix = "https://json-schema.org/draft/2020-12/vocab/";

// Which 2020-12 vocabularies a schema resource uses (from its meta-schema's $vocabulary).
struct Vocab {
  bool applicator = true;
  bool unevaluated = true;
  bool validation = true;
  bool format_assertion = false;
};

Error invalid(const std::string& location, std::string_view what) {
  return Error(SchemaError::InvalidSchema, "schema at " + location + ": " + std::string(what));
}

std::string childLocation(const std::string& parent, std::string_view kw) {
  std::string loc = parent;
  pointer::appendToken(loc, kw);
  return loc;
}

Result<std::size_t> nonNegative(const boost::json::value& v, const std::string& location,
                                std::string_view kw) {
  if (v.is_uint64()) return static_cast<std::size_t>(v.get_uint64());
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::size_t>(v.get_int64());
  if (v.is_double() && v.get_double() >= 0 && std::floor(v.get_double()) == v.get_double() &&
      v.get_double() < 1e18) {
    return static_cast<std::size_t>(v.get_double());
  }
  return invalid(location, std::string(kw) + " must be a non-negative integer");
}

Result<std::uint8_t> typeBit(const boost::json::value& v, const std::string& location) {
  static constexpr std::pair<std::string_view, std::uint8_t> kTypes[] = {
      {"null", kNull},     {"boolean", kBoolean}, {"object", kObject}, {"array", kArray},
      {"number", kNumber}, {"string", kString},   {"integer", kInteger}};
  if (v.is_string()) {
    for (const auto& [name, bit] : kTypes) {
      if (v.get_string() == name) return bit;
    }
  }
  return invalid(location, "type names an unknown type");
}

class Compiler {
 public:
  Compiler(const SchemaIndex& root, const SchemaRegistry* registry, const CompileOptions& options,
           CompiledTree& tree)
      : options_(options), tree_(tree) {
    indexes_.push_back(&root);
    if (registry != nullptr) indexes_.push_back(&registry->impl().index);
    indexes_.push_back(&metaschemaIndex());
  }

  // The node compiled for `v` (memoised; compiled later from the work list).
  Result<const Node*> nodeFor(const boost::json::value& v, const std::string& base,
                              const std::string& location) {
    if (const auto it = memo_.find(&v); it != memo_.end()) return it->second;
    if (!v.is_object() && !v.is_bool()) return invalid(location, "a schema must be an object or a boolean");
    Node& node = tree_.nodes.emplace_back();
    const SubschemaInfo* info = infoOf(&v);
    node.location = info != nullptr ? info->location : location;
    memo_.emplace(&v, &node);
    work_.push_back(Work{&node, &v, info != nullptr ? info->base : base});
    return &node;
  }

  Result<void> run() {
    while (!work_.empty()) {
      const Work w = work_.back();
      work_.pop_back();
      if (auto r = compile(*w.node, *w.value, w.base); !r) return r;
    }
    return {};
  }

 private:
  struct Work {
    Node* node;
    const boost::json::value* value;
    std::string base;
  };
  struct Target {
    const boost::json::value* value = nullptr;
    std::string base;
    std::string location;
    bool dynamic_anchor = false;
    std::string fragment;
  };

  const SubschemaInfo* infoOf(const boost::json::value* v) const {
    for (const auto* index : indexes_) {
      if (const auto* info = index->info(v)) return info;
    }
    return nullptr;
  }
  std::pair<const IndexedSchema*, const SchemaIndex*> find(const std::string& uri) const {
    for (const auto* index : indexes_) {
      if (const auto* s = index->find(uri)) return {s, index};
    }
    return {nullptr, nullptr};
  }

  Result<Target> resolveRef(const std::string& base, const boost::json::value& ref,
                            const std::string& location) {
    if (!ref.is_string()) return invalid(location, "a reference must be a string");
    Target t;
    std::string abs;
    if (!resolveUri(base, ref.get_string(), abs, t.fragment)) {
      return invalid(location, "the reference is not a valid URI reference");
    }
    const auto unresolved = [&] {
      return Error(SchemaError::UnresolvedRef,
                   "schema at " + location + ": reference '" + std::string(ref.get_string()) +
                       "' is not in the schema or the registry (remote schemas are never fetched)");
    };
    const auto [resource, index] = find(abs);
    if (resource == nullptr) return unresolved();
    if (t.fragment.empty() || t.fragment.front() == '/') {
      t.base = resource->base;
      t.value = pointer::resolve(*resource->value, t.fragment, [&](const boost::json::value& step) {
        if (const auto* info = infoOf(&step)) t.base = info->base;
      });
      if (t.value == nullptr) return unresolved();
      t.location = abs + "#" + t.fragment;
      return t;
    }
    const auto [anchored, anchor_index] = find(abs + "#" + t.fragment);
    if (anchored == nullptr) return unresolved();
    t.value = anchored->value;
    t.base = anchored->base;
    t.location = abs + "#" + t.fragment;
    t.dynamic_anchor = anchor_index->isDynamicAnchor(abs + "#" + t.fragment);
    return t;
  }

  // The vocabularies of the resource whose root is `obj` (from its "$schema").
  Result<Vocab> vocabFor(const boost::json::object& obj, const std::string& location) {
    const auto* dialect = obj.if_contains("$schema");
    if (dialect == nullptr) return Vocab{};
    std::string abs;
    std::string fragment;
    if (!dialect->is_string() || !resolveUri(kRootUri, dialect->get_string(), abs, fragment) ||
        !fragment.empty()) {
      return invalid(location, "$schema must be an absolute URI");
    }
    if (abs == kDialect2020) return Vocab{};
    const auto unsupported = Error(SchemaError::UnsupportedDialect,
                                   "schema at " + location + ": $schema '" +
                                       std::string(dialect->get_string()) +
                                       "' is not the 2020-12 dialect or a meta-schema built on it");
    const auto [meta, index] = find(abs);
    if (meta == nullptr || !meta->value->is_object()) return unsupported;
    const auto& meta_obj = meta->value->get_object();
    const auto* vocabulary = meta_obj.if_contains("$vocabulary");
    const auto* meta_dialect = meta_obj.if_contains("$schema");
    if (meta_dialect == nullptr || !meta_dialect->is_string() ||
        !resolveUri(kRootUri, meta_dialect->get_string(), abs, fragment) || abs != kDialect2020) {
      return unsupported;
    }
    if (vocabulary == nullptr) return Vocab{};
    if (!vocabulary->is_object()) return unsupported;
    Vocab v{false, false, false, false};
    for (const auto& [uri, required] : vocabulary->get_object()) {
      const std::string_view u = uri;
      if (!u.starts_with(kVocabPrefix)) {
        if (required.is_bool() && required.get_bool()) return unsupported;  // unknown, required
        continue;
      }
      const auto name = u.substr(kVocabPrefix.size());
      if (name == "applicator") v.applicator = true;
      else if (name == "unevaluated") v.unevaluated = true;
      else if (name == "validation") v.validation = true;
      else if (name == "format-assertion") v.format_assertion = true;
      else if (name != "core" && name != "meta-data" && name != "content" &&
               name != "format-annotation" && required.is_bool() && required.get_bool()) {
        return unsupported;
      }
    }
    return v;
  }

  Result<Vocab> vocabOfResource(const std::string& base, const std::string& location) {
    const auto [resource, index] = find(base);
    if (resource == nullptr || !resource->value->is_object()) return Vocab{};
    return vocabFor(resource->value->get_object(), location);
  }

  Result<const Node*> sub(const boost::json::value& v, const std::string& base,
                          std::string location) {
    return nodeFor(v, base, location);
  }

  Result<void> subArray(const boost::json::value& v, const std::string& base,
                        const std::string& location, std::vector<const Node*>& out) {
    if (!v.is_array() || (v.get_array().empty())) {
      return invalid(location, "must be a non-empty array of schemas");
    }
    std::size_t i = 0;
    for (const auto& item : v.get_array()) {
      std::string loc = location;
      pointer::appendIndex(loc, i++);
      auto n = sub(item, base, std::move(loc));
      if (!n) return n.error();
      out.push_back(n.value());
    }
    return {};
  }

  Result<void> subMap(const boost::json::value& v, const std::string& base,
                      const std::string& location, std::vector<NamedNode>& out) {
    if (!v.is_object()) return invalid(location, "must be an object of schemas");
    for (const auto& [key, item] : v.get_object()) {
      auto n = sub(item, base, childLocation(location, key));
      if (!n) return n.error();
      out.push_back(NamedNode{std::string(key), n.value()});
    }
    std::sort(out.begin(), out.end(),
              [](const NamedNode& a, const NamedNode& b) { return a.name < b.name; });
    return {};
  }

  Result<void> compile(Node& node, const boost::json::value& v, const std::string& base);
  Result<void> compileApplicators(Node& node, const boost::json::object& obj,
                                  const std::string& base);
  Result<void> compileValidation(Node& node, const boost::json::object& obj);

  const CompileOptions& options_;
  CompiledTree& tree_;
  std::vector<const SchemaIndex*> indexes_;
  std::unordered_map<const boost::json::value*, Node*> memo_;
  std::vector<Work> work_;
};

#define BASTION_TRY(expr)        \
  do {                           \
    if (auto r_ = (expr); !r_) { \
      return r_.error();         \
    }                            \
  } while (false)

Result<void> Compiler::compile(Node& node, const boost::json::value& v, const std::string& base) {
  if (v.is_bool()) {
    node.always = v.get_bool();
    return {};
  }
  const auto& obj = v.get_object();
  if (const auto* id = obj.if_contains("$id")) {
    std::string abs;
    std::string fragment;
    if (!id->is_string() || !resolveUri(base, id->get_string(), abs, fragment) ||
        !fragment.empty()) {
      return invalid(node.location, "$id must be a URI reference without a fragment");
    }
  }
  const auto [resource, resource_index] = find(base);
  if (resource != nullptr) {
    auto r = nodeFor(*resource->value, base, base + "#");
    if (!r) return r.error();
    node.resource = r.value();
  }

  auto vocab = vocabOfResource(base, node.location);
  if (!vocab) return vocab.error();
  if (obj.contains("$schema")) {
    vocab = vocabFor(obj, node.location);
    if (!vocab) return vocab.error();
  }

  if (node.resource == &node) {
    if (const auto* anchors = resource_index->dynamicAnchorsOf(base)) {
      for (const auto& [name, anchored] : *anchors) {
        auto n = nodeFor(*anchored, base, node.location);
        if (!n) return n.error();
        node.dynamic_anchors.push_back(NamedNode{name, n.value()});
      }
    }
  }

  if (const auto* ref = obj.if_contains("$ref")) {
    const auto loc = childLocation(node.location, "$ref");
    auto t = resolveRef(base, *ref, loc);
    if (!t) return t.error();
    auto n = nodeFor(*t.value().value, t.value().base, t.value().location);
    if (!n) return n.error();
    node.ref = n.value();
  }
  if (const auto* ref = obj.if_contains("$dynamicRef")) {
    const auto loc = childLocation(node.location, "$dynamicRef");
    auto t = resolveRef(base, *ref, loc);
    if (!t) return t.error();
    auto n = nodeFor(*t.value().value, t.value().base, t.value().location);
    if (!n) return n.error();
    node.dynamic_ref = n.value();
    if (t.value().dynamic_anchor) node.dynamic_name = t.value().fragment;
  }
  if (vocab.value().applicator) BASTION_TRY(compileApplicators(node, obj, base));
  if (vocab.value().unevaluated) {
    if (const auto* s = obj.if_contains("unevaluatedProperties")) {
      auto n = sub(*s, base, childLocation(node.location, "unevaluatedProperties"));
      if (!n) return n.error();
      node.unevaluated_properties = n.value();
    }
    if (const auto* s = obj.if_contains("unevaluatedItems")) {
      auto n = sub(*s, base, childLocation(node.location, "unevaluatedItems"));
      if (!n) return n.error();
      node.unevaluated_items = n.value();
    }
  }
  if (vocab.value().validation) BASTION_TRY(compileValidation(node, obj));
  if (const auto* f = obj.if_contains("format")) {
    if (!f->is_string()) return invalid(node.location, "format must be a string");
    node.format_name = std::string(f->get_string());
    if (options_.assert_formats || vocab.value().format_assertion) {
      node.format = findFormat(node.format_name);
    }
  }
  return {};
}

Result<void> Compiler::compileApplicators(Node& node, const boost::json::object& obj,
                                          const std::string& base) {
  const auto single = [&](std::string_view kw, const Node*& out) -> Result<void> {
    if (const auto* s = obj.if_contains(kw)) {
      auto n = sub(*s, base, childLocation(node.location, kw));
      if (!n) return n.error();
      out = n.value();
    }
    return {};
  };
  BASTION_TRY(single("not", node.not_));
  BASTION_TRY(single("if", node.if_));
  BASTION_TRY(single("then", node.then_));
  BASTION_TRY(single("else", node.else_));
  BASTION_TRY(single("additionalProperties", node.additional_properties));
  BASTION_TRY(single("propertyNames", node.property_names));
  BASTION_TRY(single("items", node.items));
  BASTION_TRY(single("contains", node.contains));
  if (const auto* s = obj.if_contains("allOf")) {
    BASTION_TRY(subArray(*s, base, childLocation(node.location, "allOf"), node.all_of));
  }
  if (const auto* s = obj.if_contains("anyOf")) {
    BASTION_TRY(subArray(*s, base, childLocation(node.location, "anyOf"), node.any_of));
  }
  if (const auto* s = obj.if_contains("oneOf")) {
    BASTION_TRY(subArray(*s, base, childLocation(node.location, "oneOf"), node.one_of));
  }
  if (const auto* s = obj.if_contains("prefixItems")) {
    BASTION_TRY(subArray(*s, base, childLocation(node.location, "prefixItems"), node.prefix_items));
  }
  if (const auto* s = obj.if_contains("properties")) {
    BASTION_TRY(subMap(*s, base, childLocation(node.location, "properties"), node.properties));
  }
  if (const auto* s = obj.if_contains("dependentSchemas")) {
    BASTION_TRY(subMap(*s, base, childLocation(node.location, "dependentSchemas"),
                       node.dependent_schemas));
  }
  if (const auto* s = obj.if_contains("patternProperties")) {
    const auto loc = childLocation(node.location, "patternProperties");
    if (!s->is_object()) return invalid(loc, "must be an object of schemas");
    for (const auto& [key, item] : s->get_object()) {
      auto re = Regex::compile(key);
      if (!re) {
        return Error(SchemaError::BadPattern, "schema at " + loc + ": " + re.error().message);
      }
      auto n = sub(item, base, childLocation(loc, key));
      if (!n) return n.error();
      node.pattern_properties.push_back(PatternNode{std::move(re.value()), n.value()});
    }
  }
  return {};
}

Result<void> Compiler::compileValidation(Node& node, const boost::json::object& obj) {
  const auto size = [&](std::string_view kw, std::optional<std::size_t>& out) -> Result<void> {
    if (const auto* s = obj.if_contains(kw)) {
      auto n = nonNegative(*s, node.location, kw);
      if (!n) return n.error();
      out = n.value();
    }
    return {};
  };
  const auto number = [&](std::string_view kw, std::optional<Number>& out) -> Result<void> {
    if (const auto* s = obj.if_contains(kw)) {
      out = Number::from(*s);
      if (!out) return invalid(node.location, std::string(kw) + " must be a number");
    }
    return {};
  };
  if (const auto* t = obj.if_contains("type")) {
    if (t->is_array()) {
      for (const auto& item : t->get_array()) {
        auto bit = typeBit(item, node.location);
        if (!bit) return bit.error();
        node.types |= bit.value();
      }
      if (node.types == 0) return invalid(node.location, "type must not be empty");
    } else {
      auto bit = typeBit(*t, node.location);
      if (!bit) return bit.error();
      node.types = bit.value();
    }
  }
  if (const auto* c = obj.if_contains("const")) node.const_value = *c;
  if (const auto* e = obj.if_contains("enum")) {
    if (!e->is_array()) return invalid(node.location, "enum must be an array");
    node.enum_values = e->get_array();
  }
  BASTION_TRY(size("minLength", node.min_length));
  BASTION_TRY(size("maxLength", node.max_length));
  BASTION_TRY(size("minItems", node.min_items));
  BASTION_TRY(size("maxItems", node.max_items));
  BASTION_TRY(size("minProperties", node.min_properties));
  BASTION_TRY(size("maxProperties", node.max_properties));
  BASTION_TRY(size("minContains", node.min_contains));
  BASTION_TRY(size("maxContains", node.max_contains));
  BASTION_TRY(number("minimum", node.minimum));
  BASTION_TRY(number("maximum", node.maximum));
  BASTION_TRY(number("exclusiveMinimum", node.exclusive_minimum));
  BASTION_TRY(number("exclusiveMaximum", node.exclusive_maximum));
  BASTION_TRY(number("multipleOf", node.multiple_of));
  if (node.multiple_of && compareNumbers(*node.multiple_of, Number{}) <= 0) {
    return invalid(node.location, "multipleOf must be greater than 0");
  }
  if (const auto* u = obj.if_contains("uniqueItems")) {
    if (!u->is_bool()) return invalid(node.location, "uniqueItems must be a boolean");
    node.unique_items = u->get_bool();
  }
  if (const auto* p = obj.if_contains("pattern")) {
    if (!p->is_string()) return invalid(node.location, "pattern must be a string");
    auto re = Regex::compile(p->get_string());
    if (!re) {
      return Error(SchemaError::BadPattern, "schema at " + childLocation(node.location, "pattern") +
                                                ": " + re.error().message);
    }
    node.pattern = std::move(re.value());
  }
  if (const auto* r = obj.if_contains("required")) {
    if (!r->is_array()) return invalid(node.location, "required must be an array of strings");
    for (const auto& name : r->get_array()) {
      if (!name.is_string()) return invalid(node.location, "required must be an array of strings");
      node.required.emplace_back(name.get_string());
    }
  }
  if (const auto* d = obj.if_contains("dependentRequired")) {
    if (!d->is_object()) return invalid(node.location, "dependentRequired must be an object");
    for (const auto& [key, names] : d->get_object()) {
      Dependency dep{std::string(key), {}};
      if (!names.is_array()) return invalid(node.location, "dependentRequired needs arrays");
      for (const auto& name : names.get_array()) {
        if (!name.is_string()) return invalid(node.location, "dependentRequired needs strings");
        dep.required.emplace_back(name.get_string());
      }
      node.dependent_required.push_back(std::move(dep));
    }
  }
  return {};
}

// The compiled schema: an immutable tree, safe to share between threads.
class TreeSchema final : public CompiledSchema {
 public:
  ValidationResult validate(const boost::json::value& instance) const override {
    return validateTree(tree_, instance);
  }
  CompiledTree& tree() { return tree_; }

 private:
  CompiledTree tree_;
};

}  // namespace
}  // namespace detail

Result<std::shared_ptr<const CompiledSchema>> CompiledSchema::compile(
    const boost::json::value& schema, const SchemaRegistry* registry,
    const CompileOptions& options) {
  if (!schema.is_object() && !schema.is_bool()) {
    return Error(SchemaError::InvalidSchema, "a schema must be an object or a boolean");
  }
  auto compiled = std::make_shared<detail::TreeSchema>();
  compiled->tree().limits = options.limits;
  detail::SchemaIndex index;
  const std::string root_uri(detail::kRootUri);
  BASTION_TRY(index.addDocument(root_uri, schema, options.limits.max_schema_depth, true));
  detail::Compiler compiler(index, registry, options, compiled->tree());
  auto root = compiler.nodeFor(schema, root_uri, "#");
  if (!root) return root.error();
  BASTION_TRY(compiler.run());
  compiled->tree().root = root.value();
  return std::shared_ptr<const CompiledSchema>(std::move(compiled));
}

}  // namespace bastion::json
