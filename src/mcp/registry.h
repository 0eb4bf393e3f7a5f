#pragma once
// The compiled, immutable form of what a Server exposes. Built once at registration: names
// validated, schemas closed and compiled, wire definitions precomputed. Dispatch only reads it,
// from any thread, without locks.

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "json/schema.h"
#include "mcp/header_params.h"
#include "mcp/types.h"
#include "mcp/uri_template.h"

namespace bastion::mcp {

struct CompiledTool {
  ToolSpec spec;
  std::shared_ptr<const json::CompiledSchema> input;   // closed unless open_arguments
  std::shared_ptr<const json::CompiledSchema> output;  // null when no outputSchema
  boost::json::object definition;                      // the tools/list entry
  std::vector<HeaderParam> header_params;  // x-mcp-header annotations of the input schema
};

struct CompiledResource {
  ResourceSpec spec;
  boost::json::object definition;
};

struct CompiledTemplate {
  ResourceTemplateSpec spec;
  UriTemplate uri_template;
  boost::json::object definition;
};

struct CompiledPrompt {
  PromptSpec spec;
  boost::json::object definition;
};

// True for 1-128 characters of [A-Za-z0-9_.-] (tool and prompt names).
bool validName(std::string_view name);

class Registry {
 public:
  explicit Registry(ServerInfo info);

  [[nodiscard]] Result<void> addTool(ToolSpec spec);
  [[nodiscard]] Result<void> addResource(ResourceSpec spec);
  [[nodiscard]] Result<void> addResourceTemplate(ResourceTemplateSpec spec);
  [[nodiscard]] Result<void> addPrompt(PromptSpec spec);

  const ServerInfo& info() const { return info_; }

  // Registration order, which is the order lists advertise.
  const std::vector<CompiledTool>& tools() const { return tools_; }
  const std::vector<CompiledResource>& resources() const { return resources_; }
  const std::vector<CompiledTemplate>& templates() const { return templates_; }
  const std::vector<CompiledPrompt>& prompts() const { return prompts_; }

  const CompiledTool* findTool(std::string_view name) const;
  const CompiledResource* findResource(std::string_view uri) const;
  const CompiledPrompt* findPrompt(std::string_view name) const;
  const CompiledTemplate* findTemplate(std::string_view uri_template) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;

  ServerInfo info_;
  std::vector<CompiledTool> tools_;
  std::vector<CompiledResource> resources_;
  std::vector<CompiledTemplate> templates_;
  std::vector<CompiledPrompt> prompts_;
  Index tool_index_;
  Index resource_index_;
  Index prompt_index_;
  Index template_index_;
};

}  // namespace bastion::mcp
