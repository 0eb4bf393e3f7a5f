#pragma once
// Tool kind `http`: one call to an allow-listed downstream HTTP API. OWNED BY THE HTTP HELPER:
// complete the options and the factory.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "mcp/types.h"
#include "tools/tool_common.h"

namespace bastion::guard {
class Secrets;
}

namespace bastion::tools {

struct HttpParam {
  std::string name;
  boost::json::value schema;  // JSON Schema for this argument
};

struct HttpToolOptions {
  std::string method = "GET";
  std::string url;  // template: {name} placeholders in path and query, percent-encoded
  std::map<std::string, std::string, std::less<>> headers;  // may hold ${env:NAME}
  std::vector<HttpParam> params;
  std::vector<std::string> allow_hosts;  // host or host:port allowed (the url's host by default)
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::size_t max_bytes = std::size_t{1} << 20;
};

[[nodiscard]] Result<mcp::ToolSpec> makeHttpTool(const ToolIdentity& identity,
                                                 const HttpToolOptions& options,
                                                 guard::Secrets& secrets);

}  // namespace bastion::tools
