#include "mcp/server.h"

namespace bastion::mcp {

ToolBuilder::ToolBuilder(std::string name) { spec_.name = std::move(name); }
ToolBuilder& ToolBuilder::title(std::string t) {
  spec_.title = std::move(t);
  return *this;
}
ToolBuilder& ToolBuilder::description(std::string d) {
  spec_.description = std::move(d);
  return *this;
}
ToolBuilder& ToolBuilder::input(boost::json::value schema) {
  spec_.input_schema = std::move(schema);
  return *this;
}
ToolBuilder& ToolBuilder::output(boost::json::value schema) {
  spec_.output_schema = std::move(schema);
  return *this;
}
ToolBuilder& ToolBuilder::annotations(ToolAnnotations a) {
  spec_.annotations = std::move(a);
  return *this;
}
ToolBuilder& ToolBuilder::readOnly(bool v) {
  spec_.annotations.read_only = v;
  return *this;
}
ToolBuilder& ToolBuilder::destructive(bool v) {
  spec_.annotations.destructive = v;
  return *this;
}
ToolBuilder& ToolBuilder::idempotent(bool v) {
  spec_.annotations.idempotent = v;
  return *this;
}
ToolBuilder& ToolBuilder::openWorld(bool v) {
  spec_.annotations.open_world = v;
  return *this;
}
ToolBuilder& ToolBuilder::scopes(std::vector<std::string> s) {
  spec_.scopes = std::move(s);
  return *this;
}
ToolBuilder& ToolBuilder::openArguments(bool v) {
  spec_.open_arguments = v;
  return *this;
}

ToolBuilder& ToolBuilder::waitsOnPeers(bool v) {
  spec_.waits_on_peers = v;
  return *this;
}

ToolBuilder& ToolBuilder::nonBlocking(bool v) {
  spec_.non_blocking = v;
  return *this;
}
ToolBuilder& ToolBuilder::auditFields(std::vector<std::string> names) {
  spec_.audit_fields = std::move(names);
  return *this;
}
ToolBuilder& ToolBuilder::handler(ToolHandler h) {
  spec_.handler = std::move(h);
  return *this;
}
ToolSpec ToolBuilder::build() && { return std::move(spec_); }
ToolSpec ToolBuilder::build() const& { return spec_; }

}  // namespace bastion::mcp
