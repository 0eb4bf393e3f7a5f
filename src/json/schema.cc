// Temporary skeleton so that other layers link against bastion::json; the compiler and
// validator replace it shortly.
#include "json/schema.h"

#include <map>

namespace bastion::json {

struct SchemaRegistry::Impl {
  std::map<std::string, boost::json::value> documents;
};

SchemaRegistry::SchemaRegistry() : impl_(std::make_unique<Impl>()) {}
SchemaRegistry::~SchemaRegistry() = default;
SchemaRegistry::SchemaRegistry(SchemaRegistry&&) noexcept = default;
SchemaRegistry& SchemaRegistry::operator=(SchemaRegistry&&) noexcept = default;

Result<void> SchemaRegistry::add(const std::string& uri, const boost::json::value& schema) {
  impl_->documents[uri] = schema;
  return {};
}

namespace {
class SkeletonSchema final : public CompiledSchema {
 public:
  ValidationResult validate(const boost::json::value&) const override { return {}; }
};
}  // namespace

Result<std::shared_ptr<const CompiledSchema>> CompiledSchema::compile(
    const boost::json::value& schema, const SchemaRegistry*, const CompileOptions&) {
  if (!schema.is_object() && !schema.is_bool()) {
    return Error(SchemaError::InvalidSchema, "a schema must be an object or a boolean");
  }
  return std::shared_ptr<const CompiledSchema>(std::make_shared<SkeletonSchema>());
}

boost::json::value closeObjectSchemas(const boost::json::value& schema) { return schema; }

}  // namespace bastion::json
