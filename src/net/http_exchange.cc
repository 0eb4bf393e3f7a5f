// Request building and response conversion for the fetcher (see http_exchange.h).

#include "net/http_exchange.h"

#include <algorithm>
#include <string_view>

namespace bastion::net::detail {
namespace {

namespace http = boost::beast::http;

bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool isFieldValue(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Framing and routing are the fetcher's business; a caller setting them is a bug.
bool isReservedHeader(std::string_view name) {
  std::string low(name);
  std::transform(low.begin(), low.end(), low.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return low == "host" || low == "content-length" || low == "transfer-encoding" ||
         low == "connection" || low == "upgrade" || low == "te" || low == "trailer";
}

}  // namespace

Result<HttpRequest> buildRequest(const FetchTarget& t, const FetchRequest& req) {
  if (!isToken(req.method)) {
    return Error(FetchError::ProtocolError, "the request method is not an HTTP token");
  }
  HttpRequest msg;
  msg.method_string(req.method);
  msg.target(t.target);
  msg.version(11);
  msg.set(http::field::host, t.host_header);
  msg.set(http::field::user_agent, "bastion");
  msg.set(http::field::connection, "close");
  for (const auto& [name, value] : req.headers) {
    if (!isToken(name) || !isFieldValue(value) || isReservedHeader(name)) {
      return Error(FetchError::ProtocolError, "request header '" + name + "' is not allowed");
    }
    msg.insert(name, value);
  }
  msg.body() = req.body;
  msg.prepare_payload();
  return msg;
}

FetchResponse toResponse(http::response<http::string_body>&& msg) {
  FetchResponse out;
  out.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(msg.body());
  return out;
}

}  // namespace bastion::net::detail
