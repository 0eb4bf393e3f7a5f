// The keys of `http` tools. OWNED BY THE HTTP HELPER.

#include "config/config_internal.h"

namespace bastion::config::detail {

void readHttpTool(TableReader& r, tools::HttpToolOptions& /*out*/) {
  r.error(r.node(), "kind", "http tools are not available yet");
}

}  // namespace bastion::config::detail
