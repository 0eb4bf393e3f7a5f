// Resources and prompts the scenarios read and get, with completions for the prompt arguments and
// the template variable.

#include <boost/json/serialize.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fixture.h"

namespace fixture {
namespace {

namespace bj = boost::json;
using bastion::Result;
using bastion::mcp::CallContext;
using bastion::mcp::PromptMessage;
using bastion::mcp::PromptResult;
using bastion::mcp::ResourceContents;
using bastion::mcp::TemplateVars;

ResourceContents textContents(std::string uri, std::string mime, std::string text) {
  ResourceContents c;
  c.uri = std::move(uri);
  c.mime_type = std::move(mime);
  c.text = std::move(text);
  return c;
}

PromptResult messages(std::vector<PromptMessage> list) {
  PromptResult r;
  r.messages = std::move(list);
  return r;
}

// The candidates starting with `prefix`, in their order.
std::vector<std::string> startingWith(const std::vector<std::string>& candidates,
                                      std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& c : candidates) {
    if (c.starts_with(prefix)) {
      out.push_back(c);
    }
  }
  return out;
}

bastion::mcp::ResourceSpec textResource(std::string uri, std::string name, std::string title,
                                        std::string description, std::string text) {
  bastion::mcp::ResourceSpec spec;
  spec.uri = uri;
  spec.name = std::move(name);
  spec.title = std::move(title);
  spec.description = std::move(description);
  spec.mime_type = "text/plain";
  spec.handler = [uri, text = std::move(text)](
                     const std::string&, CallContext&) -> Result<std::vector<ResourceContents>> {
    return std::vector<ResourceContents>{textContents(uri, "text/plain", text)};
  };
  return spec;
}

bastion::mcp::ResourceSpec binaryResource() {
  bastion::mcp::ResourceSpec spec;
  spec.uri = "test://static-binary";
  spec.name = "static-binary";
  spec.title = "Static Binary Resource";
  spec.description = "A static binary resource (a PNG image)";
  spec.mime_type = "image/png";
  spec.handler = [](const std::string&, CallContext&) -> Result<std::vector<ResourceContents>> {
    ResourceContents c;
    c.uri = "test://static-binary";
    c.mime_type = "image/png";
    c.blob = std::string(kPngBase64);
    return std::vector<ResourceContents>{std::move(c)};
  };
  return spec;
}

bastion::mcp::ResourceTemplateSpec dataTemplate() {
  bastion::mcp::ResourceTemplateSpec spec;
  spec.uri_template = "test://template/{id}/data";
  spec.name = "template";
  spec.title = "Resource Template";
  spec.description = "A resource template with parameter substitution";
  spec.mime_type = "application/json";
  spec.handler = [](const std::string& uri, const TemplateVars& vars,
                    CallContext&) -> Result<std::vector<ResourceContents>> {
    const std::string& id = vars.at("id");  // the template matched, so {id} is bound
    bj::object data{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
    return std::vector<ResourceContents>{
        textContents(uri, "application/json", bj::serialize(data))};
  };
  spec.complete = [](std::string_view, std::string_view value, const TemplateVars&) {
    return startingWith({"1", "123", "42", "7"}, value);
  };
  return spec;
}

PromptMessage userMessage(bj::object content) {
  return PromptMessage{.role = "user", .content = std::move(content)};
}

bastion::mcp::PromptSpec prompt(std::string name, std::string title, std::string description,
                                std::vector<bastion::mcp::PromptArgument> arguments,
                                bastion::mcp::PromptHandler handler) {
  bastion::mcp::PromptSpec spec;
  spec.name = std::move(name);
  spec.title = std::move(title);
  spec.description = std::move(description);
  spec.arguments = std::move(arguments);
  spec.handler = std::move(handler);
  return spec;
}

bastion::mcp::PromptSpec simplePrompt() {
  return prompt("test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments", {},
                [](const TemplateVars&, CallContext&) -> Result<PromptResult> {
                  return messages({userMessage(
                      bastion::mcp::textContent("This is a simple prompt for testing."))});
                });
}

bastion::mcp::PromptSpec argumentsPrompt() {
  auto spec = prompt("test_prompt_with_arguments", "Prompt With Arguments",
                     "A prompt with required arguments",
                     {{.name = "arg1", .description = "First test argument", .required = true},
                      {.name = "arg2", .description = "Second test argument", .required = true}},
                     [](const TemplateVars& args, CallContext&) -> Result<PromptResult> {
                       // Required arguments were checked by the dispatcher before this runs.
                       std::string text = "Prompt with arguments: arg1='" + args.at("arg1") +
                                          "', arg2='" + args.at("arg2") + "'";
                       return messages({userMessage(bastion::mcp::textContent(text))});
                     });
  spec.complete = [](std::string_view argument, std::string_view value, const TemplateVars&) {
    if (argument == "arg1") {
      return startingWith({"paris", "park", "party", "test", "testValue1"}, value);
    }
    return startingWith({"world", "wonder", "testValue2"}, value);
  };
  return spec;
}

bastion::mcp::PromptSpec embeddedResourcePrompt() {
  return prompt(
      "test_prompt_with_embedded_resource", "Prompt With Embedded Resource",
      "A prompt that includes an embedded resource",
      {{.name = "resourceUri", .description = "URI of the resource to embed", .required = true}},
      [](const TemplateVars& args, CallContext&) -> Result<PromptResult> {
        bj::object resource{{"uri", args.at("resourceUri")},
                            {"mimeType", "text/plain"},
                            {"text", "Embedded resource content for testing."}};
        return messages({userMessage({{"type", "resource"}, {"resource", std::move(resource)}}),
                         userMessage(bastion::mcp::textContent(
                             "Please process the embedded resource above."))});
      });
}

bastion::mcp::PromptSpec imagePrompt() {
  return prompt("test_prompt_with_image", "Prompt With Image",
                "A prompt that includes image content", {},
                [](const TemplateVars&, CallContext&) -> Result<PromptResult> {
                  return messages(
                      {userMessage(bastion::mcp::imageContent(kPngBase64, "image/png")),
                       userMessage(bastion::mcp::textContent("Please analyze the image above."))});
                });
}

// 2026-07-28 (SEP-2322): prompts/get may need input too.
bastion::mcp::PromptSpec inputRequiredPrompt() {
  return prompt(
      "test_input_required_result_prompt", "Prompt Needing Input",
      "A prompt that asks the user for context before it is built", {},
      [](const TemplateVars&, CallContext& ctx) -> Result<PromptResult> {
        auto answer = ctx.requestAs("user_context", "elicitation/create",
                                    elicitationParams("What context should the prompt use?",
                                                      R"j({"type": "object",
              "properties": {"context": {"type": "string"}}, "required": ["context"]})j"));
        if (!answer) {
          return answer.error();
        }
        auto context = acceptedField(*answer, "context");
        if (!context) {
          return context.error();
        }
        return messages({userMessage(bastion::mcp::textContent("Use this context: " + *context))});
      });
}

}  // namespace

Result<void> addResourcesAndPrompts(bastion::mcp::Server& server) {
  std::vector<bastion::mcp::ResourceSpec> resources;
  resources.push_back(textResource("test://static-text", "static-text", "Static Text Resource",
                                   "A static text resource for testing",
                                   "This is the content of the static text resource."));
  resources.push_back(binaryResource());
  resources.push_back(textResource("test://watched-resource", "watched-resource",
                                   "Watched Resource", "A resource clients may subscribe to",
                                   "Watched resource content"));
  for (auto& spec : resources) {
    if (auto added = server.addResource(std::move(spec)); !added) {
      return added;
    }
  }
  if (auto added = server.addResourceTemplate(dataTemplate()); !added) {
    return added;
  }
  std::vector<bastion::mcp::PromptSpec> prompts;
  prompts.push_back(simplePrompt());
  prompts.push_back(argumentsPrompt());
  prompts.push_back(embeddedResourcePrompt());
  prompts.push_back(imagePrompt());
  prompts.push_back(inputRequiredPrompt());
  for (auto& spec : prompts) {
    if (auto added = server.addPrompt(std::move(spec)); !added) {
      return added;
    }
  }
  return {};
}

}  // namespace fixture
