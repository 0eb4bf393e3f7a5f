#pragma once
// 2026-07-28 Streamable HTTP request headers mirrored from the body (SEP-2243): decoding of the
// `=?base64?...?=` sentinel, the x-mcp-header annotations a tool's inputSchema declares, and the
// check that each Mcp-Param-{Name} header says what the arguments say. Internal to bastion::mcp.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mcp/dispatcher.h"

namespace bastion::mcp {

// One x-mcp-header annotation: header Mcp-Param-{name}, mirroring the argument at `path`
// (a chain of `properties` keys from the schema root).
struct HeaderParam {
  std::string name;
  std::vector<std::string> path;
};

// The annotations in `input_schema`, validated as the spec requires of a tool definition:
// names are non-empty RFC 9110 tokens, unique ignoring case, on string/integer/boolean
// properties reachable through `properties` alone. Annotations elsewhere are not looked for.
[[nodiscard]] Result<std::vector<HeaderParam>> collectHeaderParams(
    const boost::json::value& input_schema);

// A header value as the client meant it: the sentinel decoded (strict standard base64), or a
// plain value of visible ASCII, space and tab. nullopt when malformed.
std::optional<std::string> decodeHeaderValue(std::string_view raw);

// Why the Mcp-Param headers disagree with `arguments`, or nullopt when they agree. A value
// present in the body needs its header; a header for an absent value is also a mismatch.
std::optional<std::string> paramHeaderMismatch(const std::vector<HeaderParam>& params,
                                               const boost::json::object& arguments,
                                               const HttpMetadata& http);

}  // namespace bastion::mcp
