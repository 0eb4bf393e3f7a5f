#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdlib>

#include "mcp/base64.h"
#include "mcp/jsonrpc.h"
#include "mcp/methods.h"

namespace bastion::mcp {

void throw_exception_from_error(const RpcError& /*e*/, const boost::source_location& /*loc*/) {
  // Reading the value of a failed MethodResult is a programming error, not input-driven.
  std::abort();
}

RpcError invalidParams(std::string message) {
  return RpcError{rpc::kInvalidParams, std::move(message), std::nullopt, 200};
}

RpcError insufficientScope(const std::vector<std::string>& required) {
  boost::json::array scopes;
  for (const std::string& s : required) {
    scopes.emplace_back(s);
  }
  return RpcError{kInsufficientScope, "Forbidden: insufficient scope",
                  boost::json::object{{"requiredScopes", std::move(scopes)}}, 403};
}

std::vector<std::string> requiredScopesOf(const RpcError& e) {
  std::vector<std::string> out;
  const auto* data = e.code == kInsufficientScope && e.data ? e.data->if_object() : nullptr;
  const auto* scopes = data != nullptr ? data->if_contains("requiredScopes") : nullptr;
  if (scopes != nullptr && scopes->is_array()) {
    for (const auto& s : scopes->get_array()) {
      if (s.is_string()) {
        out.emplace_back(s.get_string());
      }
    }
  }
  return out;
}

std::optional<RpcError> handlerOutcome(const Error& e) {
  switch (static_cast<HandlerError>(e.code)) {
    case HandlerError::InputRequired:
      return RpcError{kOutcomeInputRequired, e.message, std::nullopt, 200};
    case HandlerError::Cancelled:
      return RpcError{kOutcomeCancelled, e.message, std::nullopt, 200};
    case HandlerError::MissingClientCapability:
      return RpcError{kOutcomeMissingCapability, e.message, std::nullopt, 400};
    default:
      return std::nullopt;
  }
}

std::optional<RpcError> paginate(std::string_view kind, std::size_t total,
                                 const boost::json::object& params, std::size_t page_size,
                                 Page& page) {
  page = Page{};
  if (const auto* cursor = params.if_contains("cursor")) {
    const auto* text = cursor->if_string();
    const auto decoded = text != nullptr ? base64Decode(*text, Base64Alphabet::Url) : std::nullopt;
    const std::string prefix = std::string(kind) + ":";
    std::size_t offset = 0;
    bool ok = decoded && decoded->starts_with(prefix);
    if (ok) {
      const char* first = decoded->data() + prefix.size();
      const char* last = decoded->data() + decoded->size();
      const auto [ptr, ec] = std::from_chars(first, last, offset);
      ok = ec == std::errc() && ptr == last && first != last && offset > 0 && offset < total;
    }
    if (!ok) {
      return invalidParams("Invalid params: unknown cursor");
    }
    page.begin = offset;
  }
  page.end = std::min(total, page.begin + std::max<std::size_t>(page_size, 1));
  if (page.end < total) {
    page.next_cursor =
        base64Encode(std::string(kind) + ":" + std::to_string(page.end), Base64Alphabet::Url);
  }
  return std::nullopt;
}

}  // namespace bastion::mcp
