#include "mcp/registry.h"

#include <algorithm>

#include "mcp/server.h"

namespace bastion::mcp {
namespace {

Error regError(RegistrationError code, std::string message) {
  return Error(code, std::move(message));
}

void putIfNotEmpty(boost::json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) {
    o.emplace(key, value);
  }
}

boost::json::object annotationsJson(const ToolAnnotations& a) {
  boost::json::object o;
  if (a.title) {
    o.emplace("title", *a.title);
  }
  auto hint = [&](std::string_view key, const std::optional<bool>& v) {
    if (v) {
      o.emplace(key, *v);
    }
  };
  hint("readOnlyHint", a.read_only);
  hint("destructiveHint", a.destructive);
  hint("idempotentHint", a.idempotent);
  hint("openWorldHint", a.open_world);
  return o;
}

Result<std::shared_ptr<const json::CompiledSchema>> compileSchema(const boost::json::value& schema,
                                                                  std::string_view which) {
  auto compiled = json::CompiledSchema::compile(schema);
  if (!compiled) {
    return regError(RegistrationError::InvalidSchema,
                    std::string(which) + " schema does not compile: " + compiled.error().message);
  }
  return std::move(compiled).value();
}

bool validUri(std::string_view uri) {
  return !uri.empty() && uri.size() <= 2048 && std::none_of(uri.begin(), uri.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
  });
}

}  // namespace

bool validName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

Registry::Registry(ServerInfo info) : info_(std::move(info)) {}

Result<void> Registry::addTool(ToolSpec spec) {
  if (!validName(spec.name)) {
    return regError(RegistrationError::InvalidName, "tool name must be 1-128 of [A-Za-z0-9_.-]");
  }
  if (tool_index_.contains(spec.name)) {
    return regError(RegistrationError::Duplicate, "duplicate tool name: " + spec.name);
  }
  if (!spec.handler) {
    return regError(RegistrationError::MissingHandler, "tool has no handler: " + spec.name);
  }
  const auto* input_obj = spec.input_schema.if_object();
  const auto* type = input_obj != nullptr ? input_obj->if_contains("type") : nullptr;
  if (type == nullptr || !type->is_string() || type->get_string() != "object") {
    return regError(RegistrationError::InvalidSchema, "inputSchema must be an object schema");
  }
  if (spec.output_schema && !spec.output_schema->is_object()) {
    return regError(RegistrationError::InvalidSchema, "outputSchema must be a JSON object");
  }
  // Strict arguments: unknown keys are rejected unless the author opted out, and clients are
  // told so by the advertised (closed) schema.
  auto header_params = collectHeaderParams(spec.input_schema);
  if (!header_params) {
    return header_params.error();
  }
  boost::json::value input =
      spec.open_arguments ? spec.input_schema : json::closeObjectSchemas(spec.input_schema);
  auto input_compiled = compileSchema(input, "input");
  if (!input_compiled) {
    return input_compiled.error();
  }
  std::shared_ptr<const json::CompiledSchema> output_compiled;
  if (spec.output_schema) {
    auto out = compileSchema(*spec.output_schema, "output");
    if (!out) {
      return out.error();
    }
    output_compiled = std::move(out).value();
  }
  boost::json::object def;
  def.emplace("name", spec.name);
  putIfNotEmpty(def, "title", spec.title);
  putIfNotEmpty(def, "description", spec.description);
  def.emplace("inputSchema", std::move(input));
  if (spec.output_schema) {
    def.emplace("outputSchema", *spec.output_schema);
  }
  if (auto ann = annotationsJson(spec.annotations); !ann.empty()) {
    def.emplace("annotations", std::move(ann));
  }
  tool_index_.emplace(spec.name, tools_.size());
  tools_.push_back(CompiledTool{std::move(spec), std::move(input_compiled).value(),
                                std::move(output_compiled), std::move(def),
                                std::move(header_params).value()});
  return {};
}

Result<void> Registry::addResource(ResourceSpec spec) {
  if (!validUri(spec.uri)) {
    return regError(RegistrationError::InvalidName, "resource URI is empty or has spaces/controls");
  }
  if (spec.name.empty()) {
    return regError(RegistrationError::InvalidName, "resource needs a name: " + spec.uri);
  }
  if (resource_index_.contains(spec.uri)) {
    return regError(RegistrationError::Duplicate, "duplicate resource URI: " + spec.uri);
  }
  if (!spec.handler) {
    return regError(RegistrationError::MissingHandler, "resource has no handler: " + spec.uri);
  }
  boost::json::object def;
  def.emplace("uri", spec.uri);
  def.emplace("name", spec.name);
  putIfNotEmpty(def, "title", spec.title);
  putIfNotEmpty(def, "description", spec.description);
  putIfNotEmpty(def, "mimeType", spec.mime_type);
  resource_index_.emplace(spec.uri, resources_.size());
  resources_.push_back(CompiledResource{std::move(spec), std::move(def)});
  return {};
}

Result<void> Registry::addResourceTemplate(ResourceTemplateSpec spec) {
  auto parsed = UriTemplate::parse(spec.uri_template);
  if (!parsed) {
    return parsed.error();
  }
  if (spec.name.empty()) {
    return regError(RegistrationError::InvalidName, "resource template needs a name");
  }
  if (template_index_.contains(spec.uri_template)) {
    return regError(RegistrationError::Duplicate,
                    "duplicate resource template: " + spec.uri_template);
  }
  if (!spec.handler) {
    return regError(RegistrationError::MissingHandler, "resource template has no handler");
  }
  boost::json::object def;
  def.emplace("uriTemplate", spec.uri_template);
  def.emplace("name", spec.name);
  putIfNotEmpty(def, "title", spec.title);
  putIfNotEmpty(def, "description", spec.description);
  putIfNotEmpty(def, "mimeType", spec.mime_type);
  template_index_.emplace(spec.uri_template, templates_.size());
  templates_.push_back(
      CompiledTemplate{std::move(spec), std::move(parsed).value(), std::move(def)});
  return {};
}

Result<void> Registry::addPrompt(PromptSpec spec) {
  if (!validName(spec.name)) {
    return regError(RegistrationError::InvalidName, "prompt name must be 1-128 of [A-Za-z0-9_.-]");
  }
  if (prompt_index_.contains(spec.name)) {
    return regError(RegistrationError::Duplicate, "duplicate prompt name: " + spec.name);
  }
  if (!spec.handler) {
    return regError(RegistrationError::MissingHandler, "prompt has no handler: " + spec.name);
  }
  boost::json::array args;
  for (std::size_t i = 0; i < spec.arguments.size(); ++i) {
    const PromptArgument& a = spec.arguments[i];
    if (a.name.empty()) {
      return regError(RegistrationError::InvalidName, "prompt argument needs a name");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.arguments[j].name == a.name) {
        return regError(RegistrationError::Duplicate, "duplicate prompt argument: " + a.name);
      }
    }
    boost::json::object arg{{"name", a.name}, {"required", a.required}};
    putIfNotEmpty(arg, "description", a.description);
    args.push_back(std::move(arg));
  }
  boost::json::object def;
  def.emplace("name", spec.name);
  putIfNotEmpty(def, "title", spec.title);
  putIfNotEmpty(def, "description", spec.description);
  def.emplace("arguments", std::move(args));
  prompt_index_.emplace(spec.name, prompts_.size());
  prompts_.push_back(CompiledPrompt{std::move(spec), std::move(def)});
  return {};
}

const CompiledTool* Registry::findTool(std::string_view name) const {
  const auto it = tool_index_.find(name);
  return it == tool_index_.end() ? nullptr : &tools_[it->second];
}

const CompiledResource* Registry::findResource(std::string_view uri) const {
  const auto it = resource_index_.find(uri);
  return it == resource_index_.end() ? nullptr : &resources_[it->second];
}

const CompiledPrompt* Registry::findPrompt(std::string_view name) const {
  const auto it = prompt_index_.find(name);
  return it == prompt_index_.end() ? nullptr : &prompts_[it->second];
}

const CompiledTemplate* Registry::findTemplate(std::string_view uri_template) const {
  const auto it = template_index_.find(uri_template);
  return it == template_index_.end() ? nullptr : &templates_[it->second];
}

}  // namespace bastion::mcp
