// Evaluating a compiled schema tree against an instance, within Limits.
#include <boost/json/string.hpp>

#include <algorithm>
#include <cmath>

#include "json/pointer.h"
#include "json/schema_internal.h"

namespace bastion::json::detail {
namespace {

bool isIntegral(const boost::json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::isfinite(v.get_double()) &&
         std::floor(v.get_double()) == v.get_double();
}

std::size_t codePoints(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Evaluated-member and evaluated-item marks for the unevaluated* keywords, by position.
struct Annotations {
  std::vector<bool> keys;
  std::vector<bool> items;
  void markKey(std::size_t i, std::size_t n) {
    if (keys.size() < n) keys.resize(n);
    keys[i] = true;
  }
  void markItem(std::size_t i, std::size_t n) {
    if (items.size() < n) items.resize(n);
    items[i] = true;
  }
  void merge(const Annotations& o) {
    if (keys.size() < o.keys.size()) keys.resize(o.keys.size());
    for (std::size_t i = 0; i < o.keys.size(); ++i) keys[i] = keys[i] || o.keys[i];
    if (items.size() < o.items.size()) items.resize(o.items.size());
    for (std::size_t i = 0; i < o.items.size(); ++i) items[i] = items[i] || o.items[i];
  }
};

// Errors past this count are dropped: a hostile instance cannot grow the report without bound.
constexpr std::size_t kMaxErrors = 32;
// Evaluation recursion (through $ref chains and nesting) stays well inside the thread's stack.
constexpr std::size_t kMaxEvalDepth = 1024;

struct PathElem {
  std::string_view key;
  std::size_t index;
  bool is_key;
};
struct RefFrame {
  const Node* target;
  const boost::json::value* instance;
};

// Per-thread stacks reused across validate() calls, so that a valid instance costs no heap
// allocation once a thread has warmed up. validate() never re-enters itself on one thread.
struct Scratch {
  std::vector<PathElem> path;
  std::vector<const Node*> scope;
  std::vector<RefFrame> refs;
};

class Validator {
 public:
  Validator(const CompiledTree& tree, ValidationResult& result, Scratch& scratch)
      : tree_(tree), result_(result), path_(scratch.path), scope_(scratch.scope),
        refs_(scratch.refs) {
    path_.clear();
    scope_.clear();
    refs_.clear();
  }

  bool checkInstance(const boost::json::value& v, std::size_t depth) {
    if (++nodes_ > tree_.limits.max_instance_nodes) {
      return limit("the instance has more than " + std::to_string(tree_.limits.max_instance_nodes) +
                   " values");
    }
    if (depth > tree_.limits.max_instance_depth) {
      return limit("the instance nests deeper than " +
                   std::to_string(tree_.limits.max_instance_depth) + " levels");
    }
    if (const auto* a = v.if_array()) {
      for (const auto& item : *a) {
        if (!checkInstance(item, depth + 1)) return false;
      }
    } else if (const auto* o = v.if_object()) {
      for (const auto& member : *o) {
        if (!checkInstance(member.value(), depth + 1)) return false;
      }
    }
    return true;
  }

  bool eval(const Node& n, const boost::json::value& inst, Annotations* ann, bool report);

 private:

  bool limit(std::string message) {
    if (!stopped_) {
      stopped_ = true;
      result_.limit_exceeded = true;
      result_.errors.push_back(ValidationError{instancePointer(), "", "", std::move(message)});
    }
    return false;
  }

  std::string instancePointer() const {
    std::string ptr;
    for (const auto& e : path_) {
      if (e.is_key) {
        pointer::appendToken(ptr, e.key);
      } else {
        pointer::appendIndex(ptr, e.index);
      }
    }
    return ptr;
  }

  void fail(const Node& n, std::string_view keyword, bool report, std::string_view message) {
    if (!report || stopped_ || result_.errors.size() >= kMaxErrors) return;
    std::string schema_ptr = n.location;
    if (!keyword.empty()) pointer::appendToken(schema_ptr, keyword);
    result_.errors.push_back(ValidationError{instancePointer(), std::move(schema_ptr),
                                             std::string(keyword), std::string(message)});
  }

  bool step() {
    if (++steps_ > tree_.limits.max_steps) {
      return limit("validation needed more than " + std::to_string(tree_.limits.max_steps) +
                   " steps");
    }
    return true;
  }

  // Evaluates `child` for a member or item of the current instance, tracking the location.
  bool evalAt(const Node& child, const boost::json::value& v, std::string_view key,
              std::size_t index, bool is_key, bool report) {
    path_.push_back(PathElem{key, index, is_key});
    const bool ok = eval(child, v, nullptr, report);
    path_.pop_back();
    return ok;
  }

  // An in-place reference: guards against recursion that never consumes the instance.
  bool evalRef(const Node& target, const boost::json::value& inst, Annotations* ann, bool report) {
    for (auto it = refs_.rbegin(); it != refs_.rend() && it->instance == &inst; ++it) {
      if (it->target == &target) {
        return limit("the schema recurses into itself without consuming the instance");
      }
    }
    refs_.push_back(RefFrame{&target, &inst});
    const bool ok = eval(target, inst, ann, report);
    refs_.pop_back();
    return ok;
  }

  const Node* dynamicTarget(const Node& n) const {
    if (n.dynamic_name.empty()) return n.dynamic_ref;
    for (const Node* resource : scope_) {  // outermost first
      for (const auto& anchor : resource->dynamic_anchors) {
        if (anchor.name == n.dynamic_name) return anchor.node;
      }
    }
    return n.dynamic_ref;
  }

  bool evalBody(const Node& n, const boost::json::value& inst, Annotations* ann, bool report);
  bool evalObject(const Node& n, const boost::json::value& inst, Annotations* track, bool report);
  bool evalArray(const Node& n, const boost::json::value& inst, Annotations* track, bool report);
  bool evalScalar(const Node& n, const boost::json::value& inst, bool report);

  const CompiledTree& tree_;
  ValidationResult& result_;
  std::size_t nodes_ = 0;
  std::size_t steps_ = 0;
  std::size_t depth_ = 0;
  bool stopped_ = false;
  std::vector<PathElem>& path_;
  std::vector<const Node*>& scope_;
  std::vector<RefFrame>& refs_;
};

bool Validator::eval(const Node& n, const boost::json::value& inst, Annotations* ann,
                     bool report) {
  if (stopped_ || !step()) return false;
  if (n.always) {
    if (!*n.always) fail(n, "", report, "no value is allowed here (the schema is false)");
    return *n.always;
  }
  if (depth_ >= kMaxEvalDepth) return limit("schema evaluation nests too deeply");
  ++depth_;
  const bool enters = n.resource != nullptr && (scope_.empty() || scope_.back() != n.resource);
  if (enters) scope_.push_back(n.resource);
  bool ok = false;
  if (n.unevaluated_properties != nullptr || n.unevaluated_items != nullptr) {
    // unevaluated* sees only what this schema's own keywords evaluated, so it collects into a
    // fresh set and hands it up afterwards.
    Annotations mine;
    ok = evalBody(n, inst, &mine, report);
    if (ok && ann != nullptr) ann->merge(mine);
  } else {
    ok = evalBody(n, inst, ann, report);
  }
  if (enters) scope_.pop_back();
  --depth_;
  return ok;
}

bool Validator::evalBody(const Node& n, const boost::json::value& inst, Annotations* track,
                         bool report) {
  bool ok = true;
#define BASTION_CHECK(cond)             \
  do {                                  \
    if (!(cond)) {                      \
      ok = false;                       \
      if (!report || stopped_) return false; \
    }                                   \
  } while (false)

  if (n.ref != nullptr) BASTION_CHECK(evalRef(*n.ref, inst, track, report));
  if (n.dynamic_ref != nullptr) BASTION_CHECK(evalRef(*dynamicTarget(n), inst, track, report));
  BASTION_CHECK(evalScalar(n, inst, report));

  for (const Node* s : n.all_of) BASTION_CHECK(eval(*s, inst, track, report));
  if (!n.any_of.empty()) {
    bool any = false;
    for (const Node* s : n.any_of) {
      if (track == nullptr) {
        if (eval(*s, inst, nullptr, false)) {
          any = true;
          break;
        }
      } else {
        Annotations branch;
        if (eval(*s, inst, &branch, false)) {
          any = true;
          track->merge(branch);
        }
      }
      if (stopped_) return false;
    }
    if (!any) fail(n, "anyOf", report, "must match at least one schema of anyOf");
    BASTION_CHECK(any);
  }
  if (!n.one_of.empty()) {
    std::size_t matches = 0;
    Annotations first;
    for (const Node* s : n.one_of) {
      Annotations branch;
      if (eval(*s, inst, track != nullptr ? &branch : nullptr, false)) {
        if (++matches == 1) first = std::move(branch);
        if (matches > 1) break;
      }
      if (stopped_) return false;
    }
    if (matches == 1 && track != nullptr) track->merge(first);
    if (matches != 1) {
      fail(n, "oneOf", report,
           matches == 0 ? "must match exactly one schema of oneOf (matches none)"
                        : "must match exactly one schema of oneOf (matches more than one)");
    }
    BASTION_CHECK(matches == 1);
  }
  if (n.not_ != nullptr) {
    const bool matched = eval(*n.not_, inst, nullptr, false);
    if (stopped_) return false;
    if (matched) fail(n, "not", report, "must not match the schema in not");
    BASTION_CHECK(!matched);
  }
  if (n.if_ != nullptr) {
    Annotations cond;
    const bool holds = eval(*n.if_, inst, track != nullptr ? &cond : nullptr, false);
    if (stopped_) return false;
    if (holds && track != nullptr) track->merge(cond);
    if (holds && n.then_ != nullptr) BASTION_CHECK(eval(*n.then_, inst, track, report));
    if (!holds && n.else_ != nullptr) BASTION_CHECK(eval(*n.else_, inst, track, report));
  }
  if (inst.is_object()) BASTION_CHECK(evalObject(n, inst, track, report));
  if (inst.is_array()) BASTION_CHECK(evalArray(n, inst, track, report));
#undef BASTION_CHECK
  return ok;
}

bool Validator::evalScalar(const Node& n, const boost::json::value& inst, bool report) {
  bool ok = true;
  if (n.types != 0) {
    std::uint8_t bit = 0;
    switch (inst.kind()) {
      case boost::json::kind::null: bit = kNull; break;
      case boost::json::kind::bool_: bit = kBoolean; break;
      case boost::json::kind::object: bit = kObject; break;
      case boost::json::kind::array: bit = kArray; break;
      case boost::json::kind::string: bit = kString; break;
      default: bit = isIntegral(inst) ? kNumber | kInteger : kNumber; break;
    }
    if ((n.types & bit) == 0) {
      fail(n, "type", report, "has the wrong type");
      ok = false;
    }
  }
  if (n.const_value && !jsonEqual(*n.const_value, inst)) {
    fail(n, "const", report, "must equal the constant value of the schema");
    ok = false;
  }
  if (n.enum_values) {
    bool found = false;
    for (const auto& e : *n.enum_values) {
      if (jsonEqual(e, inst)) {
        found = true;
        break;
      }
    }
    if (!found) {
      fail(n, "enum", report, "must be one of the values listed in enum");
      ok = false;
    }
  }
  if (const auto num = Number::from(inst)) {
    const auto check = [&](const std::optional<Number>& bound, std::string_view kw, auto pred,
                           std::string_view message) {
      if (bound && !pred(compareNumbers(*num, *bound))) {
        fail(n, kw, report, message);
        ok = false;
      }
    };
    check(n.minimum, "minimum", [](int c) { return c >= 0; }, "must be >= minimum");
    check(n.maximum, "maximum", [](int c) { return c <= 0; }, "must be <= maximum");
    check(n.exclusive_minimum, "exclusiveMinimum", [](int c) { return c > 0; },
          "must be > exclusiveMinimum");
    check(n.exclusive_maximum, "exclusiveMaximum", [](int c) { return c < 0; },
          "must be < exclusiveMaximum");
    if (n.multiple_of && !isMultipleOf(*num, *n.multiple_of)) {
      fail(n, "multipleOf", report, "must be a multiple of multipleOf");
      ok = false;
    }
  } else if (const auto* str = inst.if_string()) {
    if (n.min_length || n.max_length) {
      const std::size_t len = codePoints(*str);
      if (n.min_length && len < *n.min_length) {
        fail(n, "minLength", report, "must have at least minLength characters");
        ok = false;
      }
      if (n.max_length && len > *n.max_length) {
        fail(n, "maxLength", report, "must have at most maxLength characters");
        ok = false;
      }
    }
    if (n.pattern && !n.pattern->search(*str)) {
      fail(n, "pattern", report, "must match the pattern");
      ok = false;
    }
    if (n.format != nullptr && !n.format(*str)) {
      fail(n, "format", report, "must be a valid " + n.format_name);
      ok = false;
    }
  }
  return ok;
}

bool Validator::evalObject(const Node& n, const boost::json::value& inst, Annotations* track,
                           bool report) {
  const auto& obj = inst.get_object();
  bool ok = true;
  const auto bad = [&](std::string_view kw, std::string_view message) {
    fail(n, kw, report, message);
    ok = false;
    return !report;  // true: stop early
  };
  if (n.min_properties && obj.size() < *n.min_properties &&
      bad("minProperties", "must have at least minProperties properties")) {
    return false;
  }
  if (n.max_properties && obj.size() > *n.max_properties &&
      bad("maxProperties", "must have at most maxProperties properties")) {
    return false;
  }
  for (const auto& name : n.required) {
    if (!obj.contains(name) && bad("required", "required property '" + name + "' is missing")) {
      return false;
    }
  }
  for (const auto& dep : n.dependent_required) {
    if (!obj.contains(dep.name)) continue;
    for (const auto& name : dep.required) {
      if (!obj.contains(name) &&
          bad("dependentRequired", "property '" + name + "' is required when '" + dep.name +
                                       "' is present")) {
        return false;
      }
    }
  }
  const bool per_member = !n.properties.empty() || !n.pattern_properties.empty() ||
                          n.additional_properties != nullptr || n.property_names != nullptr;
  if (per_member) {
    std::size_t index = 0;
    for (const auto& member : obj) {
      const std::string_view key = member.key();
      bool evaluated = false;
      if (!n.properties.empty()) {
        const auto it = std::lower_bound(
            n.properties.begin(), n.properties.end(), key,
            [](const NamedNode& p, std::string_view k) { return std::string_view(p.name) < k; });
        if (it != n.properties.end() && it->name == key) {
          evaluated = true;
          if (!evalAt(*it->node, member.value(), key, 0, true, report)) {
            ok = false;
            if (!report || stopped_) return false;
          }
        }
      }
      for (const auto& pp : n.pattern_properties) {
        if (!step()) return false;
        if (!pp.regex.search(key)) continue;
        evaluated = true;
        if (!evalAt(*pp.node, member.value(), key, 0, true, report)) {
          ok = false;
          if (!report || stopped_) return false;
        }
      }
      if (!evaluated && n.additional_properties != nullptr) {
        evaluated = true;
        const Node& add = *n.additional_properties;
        bool member_ok = true;
        if (add.always && !*add.always) {
          path_.push_back(PathElem{key, 0, true});
          fail(n, "additionalProperties", report, "additional property is not allowed");
          path_.pop_back();
          member_ok = false;
        } else {
          member_ok = evalAt(add, member.value(), key, 0, true, report);
        }
        if (!member_ok) {
          ok = false;
          if (!report || stopped_) return false;
        }
      }
      if (n.property_names != nullptr) {
        const boost::json::value name(key);
        if (!evalAt(*n.property_names, name, key, 0, true, false)) {
          if (stopped_) return false;
          path_.push_back(PathElem{key, 0, true});
          fail(n, "propertyNames", report, "property name does not match propertyNames");
          path_.pop_back();
          ok = false;
          if (!report) return false;
        }
      }
      if (evaluated && track != nullptr) track->markKey(index, obj.size());
      ++index;
    }
  }
  for (const auto& dep : n.dependent_schemas) {
    if (obj.contains(dep.name) && !eval(*dep.node, inst, track, report)) {
      ok = false;
      if (!report || stopped_) return false;
    }
  }
  if (n.unevaluated_properties != nullptr) {
    const Node& unevaluated = *n.unevaluated_properties;
    std::size_t index = 0;
    for (const auto& member : obj) {
      const std::size_t i = index++;
      if (i < track->keys.size() && track->keys[i]) continue;
      bool member_ok = true;
      if (unevaluated.always && !*unevaluated.always) {
        path_.push_back(PathElem{member.key(), 0, true});
        fail(n, "unevaluatedProperties", report, "unevaluated property is not allowed");
        path_.pop_back();
        member_ok = false;
      } else {
        member_ok = evalAt(unevaluated, member.value(), member.key(), 0, true, report);
      }
      if (!member_ok) {
        ok = false;
        if (!report || stopped_) return false;
      }
      track->markKey(i, obj.size());
    }
  }
  return ok;
}

bool Validator::evalArray(const Node& n, const boost::json::value& inst, Annotations* track,
                          bool report) {
  const auto& arr = inst.get_array();
  bool ok = true;
  const auto bad = [&](std::string_view kw, std::string_view message) {
    fail(n, kw, report, message);
    ok = false;
    return !report;  // true: stop early
  };
  if (n.min_items && arr.size() < *n.min_items &&
      bad("minItems", "must have at least minItems items")) {
    return false;
  }
  if (n.max_items && arr.size() > *n.max_items &&
      bad("maxItems", "must have at most maxItems items")) {
    return false;
  }
  if (n.unique_items) {
    bool unique = true;
    for (std::size_t i = 0; i < arr.size() && unique; ++i) {
      for (std::size_t j = i + 1; j < arr.size(); ++j) {
        if (!step()) return false;
        if (jsonEqual(arr[i], arr[j])) {
          unique = false;
          break;
        }
      }
    }
    if (!unique && bad("uniqueItems", "items must be unique")) return false;
  }
  const auto item = [&](const Node& s, std::size_t i, std::string_view kw,
                        std::string_view refusal) {
    bool item_ok = true;
    if (s.always && !*s.always) {
      path_.push_back(PathElem{{}, i, false});
      fail(n, kw, report, refusal);
      path_.pop_back();
      item_ok = false;
    } else {
      item_ok = evalAt(s, arr[i], {}, i, false, report);
    }
    if (item_ok && track != nullptr) track->markItem(i, arr.size());
    if (!item_ok) ok = false;
    return item_ok || (report && !stopped_);  // false: stop early
  };
  const std::size_t prefix = std::min(n.prefix_items.size(), arr.size());
  for (std::size_t i = 0; i < prefix; ++i) {
    if (!item(*n.prefix_items[i], i, "prefixItems", "item is not allowed")) return false;
  }
  if (n.items != nullptr) {
    for (std::size_t i = n.prefix_items.size(); i < arr.size(); ++i) {
      if (!item(*n.items, i, "items", "additional item is not allowed")) return false;
    }
  }
  if (n.contains != nullptr) {
    std::size_t matches = 0;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (evalAt(*n.contains, arr[i], {}, i, false, false)) {
        ++matches;
        if (track != nullptr) track->markItem(i, arr.size());
      }
      if (stopped_) return false;
    }
    const std::size_t min = n.min_contains.value_or(1);
    if (matches < min && bad(n.min_contains ? "minContains" : "contains",
                             "must contain enough items matching contains")) {
      return false;
    }
    if (n.max_contains && matches > *n.max_contains &&
        bad("maxContains", "must contain at most maxContains items matching contains")) {
      return false;
    }
  }
  if (n.unevaluated_items != nullptr) {
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (i < track->items.size() && track->items[i]) continue;
      if (!item(*n.unevaluated_items, i, "unevaluatedItems", "unevaluated item is not allowed")) {
        return false;
      }
    }
  }
  return ok;
}

}  // namespace

ValidationResult validateTree(const CompiledTree& tree, const boost::json::value& instance) {
  ValidationResult result;
  thread_local Scratch scratch;
  Validator validator(tree, result, scratch);
  if (!validator.checkInstance(instance, 0) || !validator.eval(*tree.root, instance, nullptr, true)) {
    result.valid = false;
  }
  return result;
}

}  // namespace bastion::json::detail
