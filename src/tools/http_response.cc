// Downstream answer -> tool result. Everything returned passes through the tool's redactor
// first (the pipeline's redactor scrubs again): a server that echoes the request (headers with
// the API key included) must not hand the key to the model.

#include "tools/http_response.h"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "guard/secrets.h"
#include "tools/http.h"
#include "tools/text.h"

namespace bastion::tools {
namespace {

constexpr std::size_t kMaxMediaTypeShown = 100;

Error badResponse(std::string message) {
  return Error(HttpToolError::BadResponse, std::move(message));
}

void scrub(const ResponseRules& rules, std::string& text) {
  if (rules.redactor != nullptr) {
    rules.redactor->redact(text);
  }
}

bool isJson(std::string_view media) {
  return media == "application/json" ||
         (media.starts_with("application/") && media.ends_with("+json"));
}

// `s` cut to at most `max` bytes without splitting a UTF-8 sequence (s is valid UTF-8).
std::string_view utf8Cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) {
    return s;
  }
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

// Printable ASCII only, bounded: a media type named in an error message.
std::string shown(std::string_view media) {
  std::string out;
  for (char c : media.substr(0, kMaxMediaTypeShown)) {
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return out;
}

Error statusError(const net::FetchResponse& r, std::string body, const ResponseRules& rules) {
  std::string message = "HTTP " + std::to_string(r.status) + " from " + rules.host;
  scrub(rules, body);  // before cutting: a secret split by the cut would survive a later scrub
  if (body.empty()) {
    return Error(HttpToolError::UpstreamStatus, std::move(message));
  }
  if (!isUtf8(body)) {
    return Error(HttpToolError::UpstreamStatus, message + " (binary body omitted)");
  }
  const std::string_view excerpt = utf8Cut(body, kExcerptBytes);
  message += ": ";
  message += excerpt;
  if (excerpt.size() < body.size()) {
    message += "...";
  }
  return Error(HttpToolError::UpstreamStatus, std::move(message));
}

Result<mcp::ToolResult> jsonResult(std::string body, const ResponseRules& rules) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !isUtf8(body)) {
    return badResponse("the response from " + rules.host + " is not valid JSON");
  }
  mcp::ToolResult result;
  scrub(rules, body);
  result.content.push_back(mcp::textContent(body));
  if (parsed.is_object()) {
    if (rules.redactor != nullptr) {
      rules.redactor->redact(parsed);
    }
    result.structured = std::move(parsed);
  }
  return result;
}

Result<mcp::ToolResult> binaryResult(std::string body, const std::string& media,
                                     const ResponseRules& rules) {
  scrub(rules, body);
  const std::string data = base64Encode(body, false);
  mcp::ToolResult result;
  if (media.starts_with("image/")) {
    result.content.push_back(mcp::imageContent(data, media));
  } else if (media.starts_with("audio/")) {
    result.content.push_back(mcp::audioContent(data, media));
  } else {
    boost::json::object resource{{"uri", "bastion-http:" + rules.tool},
                                 {"mimeType", media.empty() ? "application/octet-stream" : media},
                                 {"blob", data}};
    result.content.push_back(boost::json::object{{"type", "resource"}, {"resource", resource}});
  }
  return result;
}

}  // namespace

std::string mediaType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
    media.remove_prefix(1);
  }
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
    media.remove_suffix(1);
  }
  std::string out(media);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

Result<mcp::ToolResult> toToolResult(net::FetchResponse response, const ResponseRules& rules) {
  if (response.status < 200 || response.status > 299) {
    return statusError(response, std::move(response.body), rules);
  }
  // Nothing asked for compression; a compressed body would be passed on as if it were text.
  const std::string encoding = mediaType(response.header("content-encoding"));
  if (!encoding.empty() && encoding != "identity") {
    return badResponse("unsupported content encoding " + shown(encoding));
  }
  const std::string media = mediaType(response.header("content-type"));
  if (response.body.empty()) {
    return mcp::ToolResult::text("");
  }
  if (isJson(media)) {
    return jsonResult(std::move(response.body), rules);
  }
  if (media.starts_with("text/")) {
    if (!isUtf8(response.body)) {
      return badResponse("the response from " + rules.host + " is not valid UTF-8 text");
    }
    scrub(rules, response.body);
    return mcp::ToolResult::text(std::move(response.body));
  }
  if (rules.binary) {
    return binaryResult(std::move(response.body), media, rules);
  }
  return badResponse("unsupported content type " + (media.empty() ? "(none)" : shown(media)));
}

}  // namespace bastion::tools
