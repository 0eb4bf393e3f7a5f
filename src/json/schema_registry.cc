// Indexing schema documents by URI ($id, $anchor, $dynamicAnchor) and the public registry.
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "json/pointer.h"
#include "json/schema_internal.h"

namespace bastion::json {
namespace detail {
namespace {

// Keywords whose value is one subschema / an array of them / an object of them. Only these are
// walked: an "$id" inside `const`, `enum` or an unknown keyword identifies nothing.
constexpr std::string_view kSingleSchema[] = {
    "additionalProperties", "unevaluatedProperties", "items", "contains", "propertyNames",
    "not", "if", "then", "else", "unevaluatedItems"};
constexpr std::string_view kSchemaArray[] = {"allOf", "anyOf", "oneOf", "prefixItems"};
constexpr std::string_view kSchemaMap[] = {"$defs", "properties", "patternProperties",
                                     "dependentSchemas", "definitions"};

}  // namespace

bool resolveUri(std::string_view base, std::string_view ref, std::string& absolute,
                std::string& fragment) {
  const auto b = boost::urls::parse_uri(base);
  const auto r = boost::urls::parse_uri_reference(ref);
  if (!b || !r) return false;
  boost::urls::url dest;
  if (!boost::urls::resolve(*b, *r, dest)) return false;
  dest.normalize();
  fragment = dest.has_fragment() ? std::string(dest.fragment()) : std::string();
  dest.remove_fragment();
  absolute = std::string(dest.buffer());
  return true;
}

Result<void> SchemaIndex::addDocument(const std::string& uri, const boost::json::value& doc,
                                      std::size_t max_depth, bool is_compile_root) {
  std::string base;
  std::string fragment;
  if (!resolveUri(uri, "", base, fragment) || !fragment.empty()) {
    return Error(SchemaError::InvalidSchema, "schema URI '" + uri + "' is not an absolute URI");
  }
  by_uri_.try_emplace(base, IndexedSchema{&doc, base});
  return walk(doc, base, is_compile_root ? "#" : base + "#", 0, max_depth, true);
}

Result<void> SchemaIndex::walk(const boost::json::value& v, std::string base, std::string location,
                               std::size_t depth, std::size_t max_depth, bool is_root) {
  if (depth > max_depth) {
    return Error(SchemaError::TooDeep, "schema nesting exceeds the limit of " +
                                           std::to_string(max_depth) + " at " + location);
  }
  const auto* obj = v.if_object();
  bool resource_root = is_root;
  if (obj != nullptr) {
    if (const auto* id = obj->if_contains("$id"); id != nullptr && id->is_string()) {
      std::string abs;
      std::string fragment;
      if (!resolveUri(base, id->get_string(), abs, fragment)) {
        return Error(SchemaError::InvalidSchema, "$id at " + location + " is not a valid URI");
      }
      // A fragment $id ("#foo", older drafts) identifies nothing in 2020-12; compile() rejects
      // it when it is reached, documents of older drafts may still sit in a registry.
      if (fragment.empty()) {
        base = std::move(abs);
        by_uri_.try_emplace(base, IndexedSchema{&v, base});
        resource_root = true;
      }
    }
    if (const auto* a = obj->if_contains("$anchor"); a != nullptr && a->is_string()) {
      by_uri_.try_emplace(base + "#" + std::string(a->get_string()), IndexedSchema{&v, base});
    }
    if (const auto* a = obj->if_contains("$dynamicAnchor"); a != nullptr && a->is_string()) {
      std::string name(a->get_string());
      by_uri_.try_emplace(base + "#" + name, IndexedSchema{&v, base});
      dynamic_.insert(base + "#" + name);
      dynamic_by_resource_[base].emplace_back(std::move(name), &v);
    }
  }
  info_.try_emplace(&v, SubschemaInfo{base, location, resource_root});
  if (obj == nullptr) return {};

  for (const auto kw : kSingleSchema) {
    if (const auto* s = obj->if_contains(kw)) {
      std::string loc = location;
      pointer::appendToken(loc, kw);
      if (auto r = walk(*s, base, std::move(loc), depth + 1, max_depth, false); !r) return r;
    }
  }
  for (const auto kw : kSchemaArray) {
    if (const auto* s = obj->if_contains(kw); s != nullptr && s->is_array()) {
      std::size_t i = 0;
      for (const auto& item : s->get_array()) {
        std::string loc = location;
        pointer::appendToken(loc, kw);
        pointer::appendIndex(loc, i++);
        if (auto r = walk(item, base, std::move(loc), depth + 1, max_depth, false); !r) return r;
      }
    }
  }
  for (const auto kw : kSchemaMap) {
    if (const auto* s = obj->if_contains(kw); s != nullptr && s->is_object()) {
      for (const auto& member : s->get_object()) {
        std::string loc = location;
        pointer::appendToken(loc, kw);
        pointer::appendToken(loc, member.key());
        if (auto r = walk(member.value(), base, std::move(loc), depth + 1, max_depth, false); !r) {
          return r;
        }
      }
    }
  }
  return {};
}

void SchemaIndex::mergeFrom(SchemaIndex&& other) {
  by_uri_.merge(other.by_uri_);
  info_.merge(other.info_);
  dynamic_.merge(other.dynamic_);
  for (auto& [base, anchors] : other.dynamic_by_resource_) {
    auto& mine = dynamic_by_resource_[base];
    mine.insert(mine.end(), anchors.begin(), anchors.end());
  }
}

}  // namespace detail

SchemaRegistry::SchemaRegistry() : impl_(std::make_unique<Impl>()) {}
SchemaRegistry::~SchemaRegistry() = default;
SchemaRegistry::SchemaRegistry(SchemaRegistry&&) noexcept = default;
SchemaRegistry& SchemaRegistry::operator=(SchemaRegistry&&) noexcept = default;

namespace {
// Registry documents are not bounded by a caller's Limits yet; this cap only keeps the indexing
// recursion finite. Compilation applies the caller's limits to what it reaches.
constexpr std::size_t kRegistryMaxDepth = 512;
}  // namespace

Result<void> SchemaRegistry::add(const std::string& uri, const boost::json::value& schema) {
  if (!schema.is_object() && !schema.is_bool()) {
    return Error(SchemaError::InvalidSchema, "a schema must be an object or a boolean");
  }
  // Indexed on the side first so that a rejected document leaves the registry unchanged.
  impl_->documents.push_back(schema);
  detail::SchemaIndex fresh;
  if (auto r = fresh.addDocument(uri, impl_->documents.back(), kRegistryMaxDepth, false); !r) {
    impl_->documents.pop_back();
    return r;
  }
  impl_->index.mergeFrom(std::move(fresh));
  return {};
}

}  // namespace bastion::json
