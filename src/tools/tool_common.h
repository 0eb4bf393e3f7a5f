#pragma once
// What every tool declared in configuration has, whatever its kind (the common keys of a
// [[tools]] table), and the builder every kind starts from.

#include <string>
#include <vector>

#include "mcp/server.h"

namespace bastion::tools {

struct ToolIdentity {
  std::string name;         // the MCP tool name
  std::string title;        // optional human title
  std::string description;  // shown to the model
  std::vector<std::string> scopes;        // required scopes (policy step)
  std::vector<std::string> audit_fields;  // top-level argument names the audit log may record
                                          // verbatim (identifiers); everything else is digested
};

// A ToolBuilder with the identity's name, title, description, scopes and audit fields set.
mcp::ToolBuilder builderFor(const ToolIdentity& identity);

}  // namespace bastion::tools
