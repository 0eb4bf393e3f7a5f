// The keys of `files.*` tools. OWNED BY THE FILES HELPER.

#include "config/config_internal.h"

namespace bastion::config::detail {

void readFilesTool(TableReader& r, std::string_view /*kind*/, tools::FilesToolOptions& /*out*/) {
  r.error(r.node(), "kind", "files tools are not available yet");
}

}  // namespace bastion::config::detail
