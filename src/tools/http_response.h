#pragma once
// How an `http` tool turns the downstream answer into a tool result (internal to the tools
// layer; unit-tested without a network). Pure: no I/O.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"
#include "mcp/types.h"
#include "net/fetcher.h"

namespace bastion::guard {
class Redactor;
}

namespace bastion::tools {

struct ResponseRules {
  std::string host;     // named in error messages (the template's host, from config)
  std::string tool;     // names the embedded resource of a binary answer
  bool binary = false;  // base64 for bodies that are neither JSON nor text
  const guard::Redactor* redactor = nullptr;  // applied to everything returned; may be null
};

// The most of a non-2xx body an error message carries.
constexpr std::size_t kExcerptBytes = 512;

// A 2xx answer as a result (see tools/http.h for the mapping), or an HttpToolError:
// UpstreamStatus for a non-2xx status ("HTTP <status> from <host>" and a redacted excerpt of at
// most kExcerptBytes), BadResponse for invalid JSON or UTF-8 or an unsupported content type.
// Does not handle redirects (the caller does) and never looks at request headers.
[[nodiscard]] Result<mcp::ToolResult> toToolResult(net::FetchResponse response,
                                                   const ResponseRules& rules);

// The media type of a Content-Type value: lower-case, parameters and whitespace removed.
std::string mediaType(std::string_view content_type);

}  // namespace bastion::tools
