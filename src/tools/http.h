#pragma once
// Tool kind `http`: one call to an allow-listed downstream HTTP API.
//
// What the model controls: the values of the declared parameters, and nothing else. The scheme,
// host and port come from the configured URL template; arguments are percent-encoded into path
// segments and query values (tools/url_template.h) or become members of a JSON request body.
// What the model never sees: the configured headers and the secret query parameters, whose
// `${env:NAME}` references are expanded once, when the tool is made, through guard::Secrets
// (which registers each value for redaction). The tool never copies request headers, the
// request URL or the secret query into its results or error messages, and it redacts what the
// downstream server sends back with the redactor of those secrets.
// The caller's own credentials (its bearer token) never reach the tool: a handler sees only
// the arguments, so nothing the caller presented can be forwarded.
//
// Requests go through net::Fetcher, the SSRF guard: the host is resolved and every address
// checked (loopback, private, link-local, metadata and IPv4-mapped forms refused; with
// `allow_private` loopback and private ones are allowed, link-local and metadata never), then
// the connection goes to a checked address.
// Redirects (at most `follow_redirects`) are followed only to the template's own origin, each
// hop through the guard again; a redirect to any other origin is refused, not followed without
// credentials (simpler, and nothing is sent to a host the configuration did not name).
//
// Results: application/json (and +json) -> the parsed value as structuredContent (objects;
// other JSON values as text only) plus the body as text; text/* -> text; anything else is
// refused ("unsupported content type X") unless `binary`, which returns it base64-encoded
// (image/audio content, else an embedded resource). A non-2xx answer is a tool execution error
// "HTTP <status>" with at most 512 bytes of the (redacted) body.

#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "mcp/types.h"
#include "tools/tool_common.h"

namespace bastion::guard {
class Secrets;
}
namespace bastion::net {
class Fetcher;
}

namespace bastion::tools {

struct HttpParam {
  // Where the argument goes. Auto: a placeholder of the URL if it names one, else the JSON body
  // for POST/PUT/PATCH and the query for GET/DELETE.
  enum class In { Auto, Path, Query, Body };
  std::string name;
  boost::json::value schema;  // JSON Schema for this argument
  In in = In::Auto;
  bool required = true;  // path parameters are always required
};

struct HttpToolOptions {
  std::string method = "GET";  // GET, POST, PUT, PATCH or DELETE
  std::string url;  // template: {name} placeholders in path segments and query values only
  std::map<std::string, std::string, std::less<>> headers;       // values may hold ${env:NAME}
  std::map<std::string, std::string, std::less<>> secret_query;  // appended; may hold ${env:NAME}
  std::vector<HttpParam> params;
  // Hosts ("host" or "host:port") the tool may reach. Default: the url's host. The url's host
  // must be listed; an http:// url needs its host written here explicitly.
  std::vector<std::string> allow_hosts;
  bool allow_private = false;  // the url's host may resolve to loopback/private (not link-local)
  std::string ca_file;  // trust anchors (PEM) for the url's host; empty: the system store
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // the whole call, all hops
  std::size_t max_bytes = std::size_t{1} << 20;                 // response body cap
  int follow_redirects = 0;  // same-origin redirects followed (0: a 3xx is an error)
  bool binary = false;       // return non-text, non-JSON bodies base64-encoded
  bool read_only = false;    // a POST/PUT/PATCH/DELETE that only reads (annotations only)
};

enum class HttpToolError {
  BadOptions = 1,  // make: invalid template, method, header, param or allow-list
  BadArgument,     // call: an argument cannot be placed (wrong type, dot-segment, ...)
  Refused,         // call: the SSRF guard or the redirect rule refused the target
  Unreachable,     // call: resolve, connect or TLS failed
  Timeout,         // call: the deadline passed
  TooLarge,        // call: response larger than max_bytes
  UpstreamStatus,  // call: non-2xx answer
  BadResponse,     // call: malformed HTTP, invalid JSON or text, unsupported content type
};

// Everything makeHttpTool checks except the secrets (their variables are checked when the
// server starts): the template, method, allow-list, headers and where each parameter goes.
// Used at config load. The error message starts with the offending key ("url: ...",
// "params.id: ...", "headers.X: ...").
[[nodiscard]] Result<void> checkHttpTool(const HttpToolOptions& options);

// The tool, using its own SSRF-guarded fetcher (https; http only for an explicitly allowed
// host; private addresses only with allow_private). Expands the secrets now: an unset variable
// is an error naming it. Errors: BadOptions (message names the key), or the Secrets error.
[[nodiscard]] Result<mcp::ToolSpec> makeHttpTool(const ToolIdentity& identity,
                                                 const HttpToolOptions& options,
                                                 guard::Secrets& secrets);

// As above with a given fetcher (tests; or a shared one). The fetcher's policy is not
// consulted: the caller is responsible for it matching the options.
[[nodiscard]] Result<mcp::ToolSpec> makeHttpTool(const ToolIdentity& identity,
                                                 const HttpToolOptions& options,
                                                 guard::Secrets& secrets,
                                                 std::shared_ptr<net::Fetcher> fetcher);

}  // namespace bastion::tools
