#pragma once
// Tool kind `files.*`: read, list, search and (only when declared) write files confined to one
// root directory. OWNED BY THE FILES HELPER: complete the options and the factory.

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.h"
#include "mcp/types.h"
#include "tools/tool_common.h"

namespace bastion::tools {

struct FilesToolOptions {
  enum class Operation { Read, List, Search, Write };
  Operation operation = Operation::Read;
  std::string root;  // the confinement root (absolute after load)
  std::vector<std::string> deny{".env*", "*.pem", "*.key", "id_*", ".git/"};
  bool no_symlinks = false;
  std::size_t max_bytes = std::size_t{1} << 20;
};

[[nodiscard]] Result<mcp::ToolSpec> makeFilesTool(const ToolIdentity& identity,
                                                  const FilesToolOptions& options);

}  // namespace bastion::tools
