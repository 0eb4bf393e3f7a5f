#pragma once
// bastion::mcp::Server: the registry of tools, resources and prompts a server exposes.
// Fill it at start, then hand it (as shared_ptr<const Server>) to a Dispatcher; it is not
// modified while serving, so dispatch reads it without locks.
//
//   auto server = std::make_shared<Server>(ServerInfo{.name = "demo", .version = "1.0"});
//   server->addTool(ToolBuilder("echo")
//                       .description("Echo a message")
//                       .input(R"({"type":"object","properties":{"text":{"type":"string"}},
//                                  "required":["text"]})"_json)
//                       .readOnly()
//                       .handler([](const auto& args, CallContext&) -> Result<ToolResult> {
//                         return ToolResult::text(std::string(args.at("text").as_string()));
//                       })
//                       .build());

#include <memory>
#include <string>

#include "core/error.h"
#include "mcp/types.h"

namespace bastion::mcp {

enum class RegistrationError {
  InvalidName = 1,  // empty, too long, or characters outside the allowed set
  Duplicate,        // a tool/prompt/resource with that name or URI exists
  InvalidSchema,    // input or output schema does not compile (message says why)
  MissingHandler,
  InvalidTemplate,  // resource template is not RFC 6570 level 1
};

class Registry;  // compiled, immutable view used by the dispatcher (mcp/registry.h)

class Server {
 public:
  explicit Server(ServerInfo info);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] Result<void> addTool(ToolSpec spec);
  [[nodiscard]] Result<void> addResource(ResourceSpec spec);
  [[nodiscard]] Result<void> addResourceTemplate(ResourceTemplateSpec spec);
  [[nodiscard]] Result<void> addPrompt(PromptSpec spec);

  const ServerInfo& info() const;
  const Registry& registry() const;

 private:
  std::unique_ptr<Registry> registry_;
};

// Fluent construction of a ToolSpec; build() does no validation (addTool does).
class ToolBuilder {
 public:
  explicit ToolBuilder(std::string name);
  ToolBuilder& title(std::string t);
  ToolBuilder& description(std::string d);
  ToolBuilder& input(boost::json::value schema);
  ToolBuilder& output(boost::json::value schema);
  ToolBuilder& annotations(ToolAnnotations a);
  ToolBuilder& readOnly(bool v = true);
  ToolBuilder& destructive(bool v = true);
  ToolBuilder& idempotent(bool v = true);
  ToolBuilder& openWorld(bool v = true);
  ToolBuilder& scopes(std::vector<std::string> s);
  ToolBuilder& openArguments(bool v = true);
  ToolBuilder& nonBlocking(bool v = true);                   // see ToolSpec::non_blocking
  ToolBuilder& waitsOnPeers(bool v = true);                  // see ToolSpec::waits_on_peers
  ToolBuilder& auditFields(std::vector<std::string> names);  // see ToolSpec::audit_fields
  ToolBuilder& handler(ToolHandler h);
  ToolSpec build() &&;
  ToolSpec build() const&;

 private:
  ToolSpec spec_;
};

}  // namespace bastion::mcp
