#include "mcp/types.h"

#include <array>

namespace bastion::mcp {
namespace {

constexpr std::array<std::string_view, 8> kLevelNames = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

}  // namespace

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) {
      return static_cast<LogLevel>(i);
    }
  }
  return std::nullopt;
}

std::string_view logLevelName(LogLevel level) {
  return kLevelNames.at(static_cast<std::size_t>(level));
}

Result<boost::json::value> CallContext::requestAs(std::string_view /*key*/, std::string_view method,
                                                  boost::json::object params,
                                                  std::chrono::milliseconds timeout) {
  return request(method, std::move(params), timeout);
}

ToolResult ToolResult::text(std::string text) {
  ToolResult r;
  r.content.push_back(textContent(text));
  return r;
}

ToolResult ToolResult::error(std::string message) {
  ToolResult r = text(std::move(message));
  r.is_error = true;
  return r;
}

boost::json::object textContent(std::string_view text) {
  return boost::json::object{{"type", "text"}, {"text", text}};
}

boost::json::object imageContent(std::string_view base64_data, std::string_view mime_type) {
  return boost::json::object{{"type", "image"}, {"data", base64_data}, {"mimeType", mime_type}};
}

boost::json::object audioContent(std::string_view base64_data, std::string_view mime_type) {
  return boost::json::object{{"type", "audio"}, {"data", base64_data}, {"mimeType", mime_type}};
}

}  // namespace bastion::mcp
