// prompts/list, prompts/get and completion/complete for both eras.

#include <algorithm>

#include "mcp/jsonrpc.h"
#include "mcp/methods.h"

namespace bastion::mcp {
namespace {

constexpr std::size_t kMaxCompletionValues = 100;  // MCP completion: at most 100 per response

// Prompt arguments: an object of strings, every key declared, every required one present.
boost::system::result<TemplateVars, RpcError> promptArguments(const PromptSpec& spec,
                                                              const boost::json::object& params) {
  TemplateVars vars;
  if (const auto* args = params.if_contains("arguments"); args != nullptr && !args->is_null()) {
    if (!args->is_object()) {
      return invalidParams("Invalid params: arguments must be an object");
    }
    for (const auto& entry : args->get_object()) {
      const std::string_view key = entry.key();
      const boost::json::value& value = entry.value();
      const bool declared = std::any_of(spec.arguments.begin(), spec.arguments.end(),
                                        [&](const PromptArgument& a) { return a.name == key; });
      if (!declared) {
        return invalidParams("Invalid params: unknown prompt argument");
      }
      if (!value.is_string()) {
        return invalidParams("Invalid params: prompt argument '" + std::string(key) +
                             "' must be a string");
      }
      vars.emplace(std::string(key), std::string(value.get_string()));
    }
  }
  for (const auto& a : spec.arguments) {
    if (a.required && !vars.contains(a.name)) {
      return invalidParams("Invalid params: missing required argument '" + a.name + "'");
    }
  }
  return vars;
}

boost::json::object promptResultJson(PromptResult&& r) {
  boost::json::array messages;
  messages.reserve(r.messages.size());
  for (auto& m : r.messages) {
    messages.push_back(
        boost::json::object{{"role", std::move(m.role)}, {"content", std::move(m.content)}});
  }
  boost::json::object out;
  if (!r.description.empty()) {
    out.emplace("description", std::move(r.description));
  }
  out.emplace("messages", std::move(messages));
  return out;
}

// The completion handler named by params.ref, or an error for an unknown reference.
std::optional<RpcError> completionTarget(const MethodCall& call, const CompletionHandler*& out) {
  const auto* ref = call.params.if_contains("ref");
  const auto* ref_obj = ref != nullptr ? ref->if_object() : nullptr;
  const auto* type = ref_obj != nullptr ? ref_obj->if_contains("type") : nullptr;
  if (type == nullptr || !type->is_string()) {
    return invalidParams("Invalid params: completion/complete needs ref.type");
  }
  if (type->get_string() == "ref/prompt") {
    const auto* name = ref_obj->if_contains("name");
    const CompiledPrompt* p = name != nullptr && name->is_string()
                                  ? call.registry.findPrompt(name->get_string())
                                  : nullptr;
    if (p == nullptr) {
      return invalidParams("Invalid params: unknown prompt");
    }
    out = &p->spec.complete;
    return std::nullopt;
  }
  if (type->get_string() == "ref/resource") {
    const auto* uri = ref_obj->if_contains("uri");
    const CompiledTemplate* t = uri != nullptr && uri->is_string()
                                    ? call.registry.findTemplate(uri->get_string())
                                    : nullptr;
    if (t == nullptr) {
      return invalidParams("Invalid params: unknown resource template");
    }
    out = &t->spec.complete;
    return std::nullopt;
  }
  return invalidParams("Invalid params: ref.type must be ref/prompt or ref/resource");
}

}  // namespace

MethodResult promptsList(const MethodCall& call) {
  const auto& prompts = call.registry.prompts();
  Page page;
  if (auto error = paginate("prompts", prompts.size(), call.params, call.options.page_size, page)) {
    return *error;
  }
  boost::json::array list;
  for (std::size_t i = page.begin; i < page.end; ++i) {
    list.push_back(prompts[i].definition);
  }
  boost::json::object out{{"prompts", std::move(list)}};
  if (page.next_cursor) {
    out.emplace("nextCursor", *page.next_cursor);
  }
  return out;
}

MethodResult promptsGet(const MethodCall& call) {
  const auto* name = call.params.if_contains("name");
  if (name == nullptr || !name->is_string()) {
    return invalidParams("Invalid params: prompts/get needs a string name");
  }
  const CompiledPrompt* prompt = call.registry.findPrompt(name->get_string());
  if (prompt == nullptr) {
    return invalidParams("Invalid params: unknown prompt");
  }
  auto vars = promptArguments(prompt->spec, call.params);
  if (!vars) {
    return vars.error();
  }
  Result<PromptResult> r = prompt->spec.handler(*vars, call.ctx);
  if (!r) {
    if (auto outcome = handlerOutcome(r.error())) {
      return *outcome;
    }
    if (r.error().code == static_cast<int>(HandlerError::InvalidParams) ||
        r.error().code == static_cast<int>(HandlerError::NotFound)) {
      return invalidParams("Invalid params: " + r.error().message);
    }
    return RpcError{rpc::kInternalError, "Internal error: prompt failed", std::nullopt, 200};
  }
  return promptResultJson(std::move(*r));
}

MethodResult completionComplete(const MethodCall& call) {
  const CompletionHandler* target = nullptr;
  if (auto error = completionTarget(call, target)) {
    return *error;
  }
  const auto* arg = call.params.if_contains("argument");
  const auto* arg_obj = arg != nullptr ? arg->if_object() : nullptr;
  const auto* arg_name = arg_obj != nullptr ? arg_obj->if_contains("name") : nullptr;
  const auto* arg_value = arg_obj != nullptr ? arg_obj->if_contains("value") : nullptr;
  if (arg_name == nullptr || !arg_name->is_string() || arg_value == nullptr ||
      !arg_value->is_string()) {
    return invalidParams("Invalid params: completion/complete needs argument.name and .value");
  }
  TemplateVars context;
  if (const auto* ctx = call.params.if_contains("context"); ctx != nullptr && ctx->is_object()) {
    if (const auto* args = ctx->get_object().if_contains("arguments"); args && args->is_object()) {
      for (const auto& [k, v] : args->get_object()) {
        if (v.is_string()) {
          context.emplace(std::string(k), std::string(v.get_string()));
        }
      }
    }
  }
  std::vector<std::string> values;
  if (target != nullptr && *target) {
    values = (*target)(arg_name->get_string(), arg_value->get_string(), context);
  }
  const std::size_t total = values.size();
  boost::json::array out;
  for (std::size_t i = 0; i < std::min(total, kMaxCompletionValues); ++i) {
    out.push_back(boost::json::string(std::move(values[i])));
  }
  boost::json::object completion{
      {"values", std::move(out)}, {"total", total}, {"hasMore", total > kMaxCompletionValues}};
  return boost::json::object{{"completion", std::move(completion)}};
}

}  // namespace bastion::mcp
