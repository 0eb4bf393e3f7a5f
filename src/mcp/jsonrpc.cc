#include "mcp/jsonrpc.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/result.hpp>

#include "mcp/dispatcher.h"

namespace bastion::mcp {
namespace rpc {
namespace {

Envelope invalid(const boost::json::value* id, int code, std::string_view message) {
  Envelope e;
  e.id = id;
  e.error_code = code;
  e.error_message = message;
  return e;
}

bool validId(const boost::json::value& id) {
  return id.is_string() || id.is_int64() || id.is_uint64();
}

}  // namespace

Envelope inspect(const boost::json::value& message) {
  const auto* obj = message.if_object();
  if (obj == nullptr) {
    return invalid(nullptr, kInvalidRequest, "Invalid Request: a message must be an object");
  }
  const boost::json::value* id = obj->if_contains("id");
  const boost::json::value* usable_id = (id != nullptr && validId(*id)) ? id : nullptr;
  const auto* version = obj->if_contains("jsonrpc");
  if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
    return invalid(usable_id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\"");
  }
  if (id != nullptr && usable_id == nullptr) {
    return invalid(nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer");
  }
  const auto* method = obj->if_contains("method");
  if (method == nullptr) {
    if (id != nullptr && (obj->contains("result") || obj->contains("error"))) {
      Envelope e;
      e.kind = MessageKind::Response;
      e.id = id;
      return e;
    }
    return invalid(usable_id, kInvalidRequest, "Invalid Request: method is missing");
  }
  if (!method->is_string()) {
    return invalid(usable_id, kInvalidRequest, "Invalid Request: method must be a string");
  }
  Envelope e;
  e.id = usable_id;
  e.method = method->get_string();
  if (const auto* params = obj->if_contains("params")) {
    if (!params->is_object()) {
      return invalid(usable_id, kInvalidParams, "Invalid params: params must be an object");
    }
    e.params = &params->get_object();
  }
  e.kind = id != nullptr ? MessageKind::Request : MessageKind::Notification;
  return e;
}

std::string idKey(const boost::json::value& id) {
  if (id.is_string()) {
    return "s:" + std::string(id.get_string());
  }
  return "n:" + boost::json::serialize(id);
}

boost::json::value result(const boost::json::value& id, boost::json::object result) {
  boost::json::object out;
  out.reserve(3);
  out.emplace("jsonrpc", "2.0");
  out.emplace("id", id);
  out.emplace("result", std::move(result));
  return out;
}

boost::json::value error(const boost::json::value* id, int code, std::string_view message,
                         std::optional<boost::json::value> data) {
  boost::json::object err;
  err.emplace("code", code);
  err.emplace("message", message);
  if (data) {
    err.emplace("data", std::move(*data));
  }
  boost::json::object out;
  out.emplace("jsonrpc", "2.0");
  out.emplace("id", id != nullptr ? *id : boost::json::value(nullptr));
  out.emplace("error", std::move(err));
  return out;
}

boost::json::value notification(std::string_view method, boost::json::object params) {
  boost::json::object out;
  out.emplace("jsonrpc", "2.0");
  out.emplace("method", method);
  out.emplace("params", std::move(params));
  return out;
}

}  // namespace rpc

boost::system::result<boost::json::value, boost::json::value> parseMessage(std::string_view bytes,
                                                                           std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  // Invalid UTF-8 and non-standard extensions (comments, trailing commas) stay errors.
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(bytes, ec, {}, options);
  if (ec) {
    const bool too_deep = ec == boost::json::error::too_deep;
    return {boost::system::in_place_error,
            rpc::error(nullptr, rpc::kParseError,
                       too_deep ? "Parse error: nesting too deep" : "Parse error: malformed JSON")};
  }
  if (v.is_array()) {
    return {
        boost::system::in_place_error,
        rpc::error(nullptr, rpc::kInvalidRequest, "Invalid Request: batches are not supported")};
  }
  if (!v.is_object()) {
    return {
        boost::system::in_place_error,
        rpc::error(nullptr, rpc::kInvalidRequest, "Invalid Request: a message must be an object")};
  }
  return {boost::system::in_place_value, std::move(v)};
}

}  // namespace bastion::mcp
