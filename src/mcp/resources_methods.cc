// resources/list, resources/templates/list and resources/read for both eras.

#include "mcp/jsonrpc.h"
#include "mcp/methods.h"

namespace bastion::mcp {
namespace {

RpcError notFound(Era era, std::string_view uri) {
  // 2025-11-25 and earlier: -32002; 2026-07-28 replaced it with -32602. Both eras name the
  // requested URI in `data` (the spec's example; SEP-2164 makes it a SHOULD).
  return RpcError{era == Era::Legacy ? rpc::kResourceNotFoundLegacy : rpc::kInvalidParams,
                  "Resource not found", boost::json::object{{"uri", uri}}, 200};
}

template <class T>
MethodResult listPage(const MethodCall& call, std::string_view kind, std::string_view field,
                      const std::vector<T>& items) {
  Page page;
  if (auto error = paginate(kind, items.size(), call.params, call.options.page_size, page)) {
    return *error;
  }
  boost::json::array list;
  list.reserve(page.end - page.begin);
  for (std::size_t i = page.begin; i < page.end; ++i) {
    list.push_back(items[i].definition);
  }
  boost::json::object out;
  out.emplace(field, std::move(list));
  if (page.next_cursor) {
    out.emplace("nextCursor", *page.next_cursor);
  }
  return out;
}

MethodResult contentsResult(Result<std::vector<ResourceContents>> r, Era era,
                            std::string_view uri) {
  if (!r) {
    if (auto outcome = handlerOutcome(r.error())) {
      return *outcome;
    }
    switch (static_cast<HandlerError>(r.error().code)) {
      case HandlerError::NotFound:
        return notFound(era, uri);
      case HandlerError::InvalidParams:
        return invalidParams("Invalid params: " + r.error().message);
      default:
        return RpcError{rpc::kInternalError, "Internal error: resource read failed", std::nullopt,
                        200};
    }
  }
  std::vector<ResourceContents>& list = r.value();
  boost::json::array contents;
  contents.reserve(list.size());
  for (auto& c : list) {
    boost::json::object item;
    item.emplace("uri", std::move(c.uri));
    if (!c.mime_type.empty()) {
      item.emplace("mimeType", std::move(c.mime_type));
    }
    if (c.text) {
      item.emplace("text", std::move(*c.text));
    } else if (c.blob) {
      item.emplace("blob", std::move(*c.blob));
    } else {
      item.emplace("text", "");
    }
    contents.push_back(std::move(item));
  }
  return boost::json::object{{"contents", std::move(contents)}};
}

}  // namespace

MethodResult resourcesList(const MethodCall& call) {
  return listPage(call, "resources", "resources", call.registry.resources());
}

MethodResult resourceTemplatesList(const MethodCall& call) {
  return listPage(call, "templates", "resourceTemplates", call.registry.templates());
}

MethodResult resourcesRead(const MethodCall& call) {
  const auto* uri_value = call.params.if_contains("uri");
  if (uri_value == nullptr || !uri_value->is_string()) {
    return invalidParams("Invalid params: resources/read needs a string uri");
  }
  const std::string uri(uri_value->get_string());
  if (const CompiledResource* res = call.registry.findResource(uri)) {
    return contentsResult(res->spec.handler(uri, call.ctx), call.era, uri);
  }
  for (const auto& t : call.registry.templates()) {
    if (auto vars = t.uri_template.match(uri)) {
      return contentsResult(t.spec.handler(uri, *vars, call.ctx), call.era, uri);
    }
  }
  return notFound(call.era, uri);
}

}  // namespace bastion::mcp
