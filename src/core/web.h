#pragma once
// A transport-neutral HTTP exchange: what the non-MCP routes (Protected Resource Metadata, the
// embedded authorization server's endpoints and pages) see and return. The Streamable HTTP
// transport converts Beast messages to and from these, so layers below transport never include
// Beast. Header names are stored lower-case; values verbatim.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bastion::web {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;          // "GET", "POST", ...
  std::string target;          // origin-form: path and optional ?query, undecoded
  Headers headers;             // lower-case names; a repeated header appears repeatedly
  std::string body;            // bounded by the transport before it gets here
  std::string remote_address;  // peer IP literal, for per-IP limits and logs
  bool tls = false;            // arrived over TLS (cookie prefixes, redirect schemes)

  // The first value of header `lower_name`, if present.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // How many times header `lower_name` occurs (a duplicated Authorization is an attack).
  std::size_t headerCount(std::string_view lower_name) const;
  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', or empty
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type included; the transport adds framing and common headers
  std::string body;

  void set(std::string name, std::string value);  // replaces an existing header of that name
};

// A group of exact paths served beside the MCP endpoint. The transport admits the request
// (Host check, size limits), then calls handle() on a worker thread: handlers may block on the
// store or on an outbound fetch. Implementations must be thread-safe.
class Routes {
 public:
  virtual ~Routes() = default;
  // True if `path` (no query) is served here. Cheap; called on an I/O thread.
  virtual bool serves(std::string_view path) const = 0;
  virtual Response handle(const Request& req) = 0;
};

// Decodes an application/x-www-form-urlencoded string (query or form body) into pairs; nullopt
// on malformed percent-encoding. Repeated names are kept (callers reject duplicates where the
// spec says a parameter must not repeat).
std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(std::string_view s);

// Decodes one application/x-www-form-urlencoded component ('+' is a space); nullopt on
// malformed percent-encoding.
std::optional<std::string> formDecode(std::string_view s);

// Percent-encodes `s` for use in a query component or form body.
std::string formEncode(std::string_view s);

}  // namespace bastion::web
