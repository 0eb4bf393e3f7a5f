#include "mcp/server.h"

#include "mcp/registry.h"

namespace bastion::mcp {

Server::Server(ServerInfo info) : registry_(std::make_unique<Registry>(std::move(info))) {}
Server::~Server() = default;

Result<void> Server::addTool(ToolSpec spec) { return registry_->addTool(std::move(spec)); }
Result<void> Server::addResource(ResourceSpec spec) {
  return registry_->addResource(std::move(spec));
}
Result<void> Server::addResourceTemplate(ResourceTemplateSpec spec) {
  return registry_->addResourceTemplate(std::move(spec));
}
Result<void> Server::addPrompt(PromptSpec spec) { return registry_->addPrompt(std::move(spec)); }

const ServerInfo& Server::info() const { return registry_->info(); }
const Registry& Server::registry() const { return *registry_; }

}  // namespace bastion::mcp
