#include "tools/tool_common.h"

namespace bastion::tools {

mcp::ToolBuilder builderFor(const ToolIdentity& identity) {
  mcp::ToolBuilder b(identity.name);
  b.title(identity.title).description(identity.description).scopes(identity.scopes);
  b.auditFields(identity.audit_fields);
  return b;
}

}  // namespace bastion::tools
