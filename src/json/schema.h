#pragma once
// JSON Schema 2020-12 validator: schemas are compiled once, then validate many instances.
//
// Contract: compile() resolves every $ref/$dynamicRef against the schema itself and the
// registry; nothing is ever fetched over the network. An unknown remote reference, a `pattern`
// RE2 cannot express, or a schema past the configured limits is a compile error, never a
// silent pass. validate() is thread-safe on a shared CompiledSchema and its cost is bounded by
// Limits: exceeding a limit is reported as a failure with LimitExceeded set, never a crash.

#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace bastion::json {

enum class SchemaError {
  InvalidSchema = 1,   // not a schema (wrong keyword type, bad $ref syntax, ...)
  UnresolvedRef,       // $ref to a URI neither the schema nor the registry holds
  BadPattern,          // `pattern`/`patternProperties` RE2 rejects
  TooDeep,             // schema nesting past Limits::max_schema_depth
  UnsupportedDialect,  // $schema names a draft we do not implement
};

struct Limits {
  std::size_t max_schema_depth = 64;
  std::size_t max_instance_depth = 64;
  std::size_t max_instance_nodes = 100000;  // values in the instance, counted recursively
  std::size_t max_steps = 1000000;          // keyword evaluations per validate() call
};

struct CompileOptions {
  bool assert_formats = false;  // format-assertion vocabulary: email, uri, date-time, ...
  Limits limits;
};

// One reason an instance failed. `instance_pointer` is an RFC 6901 JSON Pointer into the
// instance; `schema_pointer` the keyword location; `message` names the rule ("required property
// 'x' is missing", "must be <= 10") and never repeats the rejected value itself.
struct ValidationError {
  std::string instance_pointer;
  std::string schema_pointer;
  std::string keyword;
  std::string message;
};

struct ValidationResult {
  bool valid = true;
  bool limit_exceeded = false;  // validation stopped at a Limits bound (so valid == false)
  std::vector<ValidationError> errors;
};

// Schemas known by absolute URI ($id or the URI they were added under); used for $ref
// resolution at compile time only. Not thread-safe while being filled.
class SchemaRegistry {
 public:
  SchemaRegistry();
  ~SchemaRegistry();
  SchemaRegistry(SchemaRegistry&&) noexcept;
  SchemaRegistry& operator=(SchemaRegistry&&) noexcept;

  // Adds a schema document under `uri` (and under any $id/$anchor it declares).
  [[nodiscard]] Result<void> add(const std::string& uri, const boost::json::value& schema);

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

class CompiledSchema {
 public:
  // `registry` may be null. The compiled schema keeps what it needs; the registry may go away.
  [[nodiscard]] static Result<std::shared_ptr<const CompiledSchema>> compile(
      const boost::json::value& schema, const SchemaRegistry* registry = nullptr,
      const CompileOptions& options = {});

  virtual ~CompiledSchema() = default;

  [[nodiscard]] virtual ValidationResult validate(const boost::json::value& instance) const = 0;

 protected:
  CompiledSchema() = default;
};

// Strict arguments: returns a copy of `schema` in which every object schema that leaves both
// `additionalProperties` and `unevaluatedProperties` unset becomes closed. Plain object schemas
// get `additionalProperties: false`; object schemas that combine subschemas (allOf, anyOf,
// oneOf, if/then/else, $ref, dependentSchemas) get `unevaluatedProperties: false` at that level
// so properties declared by their parts still count. Subschemas that are parts of such a
// combination are left open (their parent closes them). An explicit `true`/schema is kept.
[[nodiscard]] boost::json::value closeObjectSchemas(const boost::json::value& schema);

}  // namespace bastion::json
