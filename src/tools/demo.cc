#include "tools/demo.h"

#include <openssl/evp.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "json/schema.h"
#include "tools/text.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;
using mcp::CallContext;
using mcp::ToolResult;

constexpr std::size_t kMaxErrorsReported = 100;
constexpr std::size_t kMaxPromptSchema = 64 * 1024;

// Parses a schema literal written in this file. A typo here is a programming error: abort.
bj::value literal(std::string_view text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec) {
    std::abort();
  }
  return v;
}

// Structured results also travel as text, for clients that ignore structuredContent.
ToolResult structured(bj::object value) {
  ToolResult result;
  result.content.push_back(mcp::textContent(bj::serialize(value)));
  result.structured = std::move(value);
  return result;
}

// Arguments were validated against the tool's closed schema before the handler runs, so these
// lookups succeed in a correctly wired server. They still fail softly (a tool error, never a
// crash) in case a server is built with validation weakened, e.g. open_arguments.
const bj::string* stringArg(const bj::object& args, std::string_view key) {
  const bj::value* v = args.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

ToolResult badArgument(std::string_view key) {
  return ToolResult::error("argument '" + std::string(key) + "' is missing or has the wrong type");
}

mcp::ToolSpec validateJsonTool() {
  return mcp::ToolBuilder("validate_json")
      .title("Validate JSON against a JSON Schema")
      .description(
          "Validates a JSON instance against a JSON Schema (draft 2020-12) and lists every "
          "failure with its JSON Pointer and the rule broken. Remote $refs are never fetched.")
      .input(literal(R"j({
        "type": "object",
        "properties": {
          "schema": {"type": ["object", "boolean"], "additionalProperties": true,
                     "description": "The JSON Schema (draft 2020-12)"},
          "instance": {"additionalProperties": true, "description": "Any JSON value to check"},
          "assert_formats": {"type": "boolean", "default": false,
                             "description": "Treat `format` as an assertion (email, uri, ...)"}
        },
        "required": ["schema", "instance"],
        "additionalProperties": false})j"))
      .output(literal(R"j({
        "type": "object",
        "properties": {
          "valid": {"type": "boolean"},
          "errors": {"type": "array", "maxItems": 100, "items": {
            "type": "object",
            "properties": {"pointer": {"type": "string"}, "keyword": {"type": "string"},
                           "message": {"type": "string"}},
            "required": ["pointer", "keyword", "message"],
            "additionalProperties": false}},
          "truncated": {"type": "boolean"},
          "limit_exceeded": {"type": "boolean"}
        },
        "required": ["valid", "errors", "truncated", "limit_exceeded"],
        "additionalProperties": false})j"))
      .readOnly()
      .destructive(false)
      .idempotent()
      .openWorld(false)
      .handler([](const bj::object& args, CallContext&) -> Result<ToolResult> {
        bastion::json::CompileOptions options;
        const bj::value* formats = args.if_contains("assert_formats");
        options.assert_formats = formats != nullptr && formats->is_bool() && formats->get_bool();
        const bj::value* schema_json = args.if_contains("schema");
        const bj::value* instance = args.if_contains("instance");
        if (schema_json == nullptr || instance == nullptr) {
          return badArgument(schema_json == nullptr ? "schema" : "instance");
        }
        auto schema = bastion::json::CompiledSchema::compile(*schema_json, nullptr, options);
        if (!schema) {
          return ToolResult::error("the schema is unusable: " + schema.error().message);
        }
        bastion::json::ValidationResult result = (*schema)->validate(*instance);
        bj::array errors;
        for (const bastion::json::ValidationError& e : result.errors) {
          if (errors.size() == kMaxErrorsReported) {
            break;
          }
          errors.push_back(bj::object{
              {"pointer", e.instance_pointer}, {"keyword", e.keyword}, {"message", e.message}});
        }
        return structured({{"valid", result.valid},
                           {"errors", std::move(errors)},
                           {"truncated", result.errors.size() > kMaxErrorsReported},
                           {"limit_exceeded", result.limit_exceeded}});
      })
      .build();
}

mcp::ToolSpec hashTextTool() {
  return mcp::ToolBuilder("hash_text")
      .title("Hash text")
      .description("SHA-256 or SHA-512 digest of a UTF-8 text, as lowercase hex.")
      .input(literal(R"j({
        "type": "object",
        "properties": {
          "text": {"type": "string", "maxLength": 1048576},
          "algorithm": {"enum": ["sha256", "sha512"], "default": "sha256"}
        },
        "required": ["text"],
        "additionalProperties": false})j"))
      .output(literal(R"j({
        "type": "object",
        "properties": {"algorithm": {"enum": ["sha256", "sha512"]},
                       "hex": {"type": "string", "pattern": "^[0-9a-f]+$"}},
        "required": ["algorithm", "hex"],
        "additionalProperties": false})j"))
      .readOnly()
      .destructive(false)
      .idempotent()
      .openWorld(false)
      .nonBlocking()  // bounded CPU work, no I/O: may run on the I/O thread
      .handler([](const bj::object& args, CallContext&) -> Result<ToolResult> {
        const bj::value* a = args.if_contains("algorithm");
        std::string algorithm =
            a != nullptr && a->is_string() ? std::string(a->get_string()) : "sha256";
        const bj::string* text = stringArg(args, "text");
        if (text == nullptr) {
          return badArgument("text");
        }
        std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
        unsigned int length = 0;
        const EVP_MD* md = algorithm == "sha512" ? EVP_sha512() : EVP_sha256();
        if (EVP_Digest(text->data(), text->size(), digest.data(), &length, md, nullptr) != 1) {
          return ToolResult::error("the digest could not be computed");
        }
        return structured({{"algorithm", algorithm}, {"hex", toHex({digest.data(), length})}});
      })
      .build();
}

mcp::ToolSpec base64Tool() {
  return mcp::ToolBuilder("base64")
      .title("Base64 encode or decode")
      .description(
          "Encodes UTF-8 text as base64 (RFC 4648, standard or URL-safe alphabet) or decodes "
          "base64 back to text. Decoding is strict: bad characters, padding or non-UTF-8 "
          "results are errors.")
      .input(literal(R"j({
        "type": "object",
        "properties": {
          "operation": {"enum": ["encode", "decode"]},
          "text": {"type": "string", "maxLength": 1048576},
          "url_safe": {"type": "boolean", "default": false,
                       "description": "base64url alphabet; encoding omits padding"}
        },
        "required": ["operation", "text"],
        "additionalProperties": false})j"))
      .output(literal(R"j({
        "type": "object",
        "properties": {"operation": {"enum": ["encode", "decode"]},
                       "result": {"type": "string"}},
        "required": ["operation", "result"],
        "additionalProperties": false})j"))
      .readOnly()
      .destructive(false)
      .idempotent()
      .openWorld(false)
      .nonBlocking()  // bounded CPU work, no I/O: may run on the I/O thread
      .handler([](const bj::object& args, CallContext&) -> Result<ToolResult> {
        const bj::value* u = args.if_contains("url_safe");
        bool url_safe = u != nullptr && u->is_bool() && u->get_bool();
        const bj::string* text_arg = stringArg(args, "text");
        const bj::string* operation = stringArg(args, "operation");
        if (text_arg == nullptr || operation == nullptr) {
          return badArgument(text_arg == nullptr ? "text" : "operation");
        }
        std::string_view text = *text_arg;
        if (*operation != "encode" && *operation != "decode") {
          return badArgument("operation");
        }
        if (*operation == "encode") {
          return structured({{"operation", "encode"}, {"result", base64Encode(text, url_safe)}});
        }
        auto decoded = base64Decode(text, url_safe);
        if (!decoded) {
          return ToolResult::error(decoded.error().message);
        }
        if (!isUtf8(*decoded)) {
          return ToolResult::error("the decoded bytes are not UTF-8 text");
        }
        return structured({{"operation", "decode"}, {"result", std::move(*decoded)}});
      })
      .build();
}

mcp::ToolSpec uuidTool(RandomSource& rng) {
  return mcp::ToolBuilder("uuid")
      .title("Random UUIDs")
      .description("Version 4 UUIDs from the system CSPRNG.")
      .input(literal(R"j({
        "type": "object",
        "properties": {"count": {"type": "integer", "minimum": 1, "maximum": 100,
                                 "default": 1}},
        "additionalProperties": false})j"))
      .output(literal(R"j({
        "type": "object",
        "properties": {"uuids": {"type": "array", "items": {"type": "string",
          "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"}}},
        "required": ["uuids"],
        "additionalProperties": false})j"))
      .readOnly()
      .destructive(false)
      .idempotent(false)
      .openWorld(false)
      .nonBlocking()  // bounded CPU work, no I/O: may run on the I/O thread
      .handler([&rng](const bj::object& args, CallContext&) -> Result<ToolResult> {
        const bj::value* c = args.if_contains("count");
        std::int64_t count = c == nullptr ? 1 : c->is_int64() ? c->get_int64() : 0;
        if (count < 1 || count > 100) {
          return badArgument("count");
        }
        bj::array uuids;
        for (std::int64_t i = 0; i < count; ++i) {
          uuids.push_back(bj::string(uuidV4(rng)));
        }
        return structured({{"uuids", std::move(uuids)}});
      })
      .build();
}

mcp::ToolSpec nowTool(std::function<std::chrono::system_clock::time_point()> clock) {
  return mcp::ToolBuilder("now")
      .title("Current time")
      .description("The current UTC time as RFC 3339 and as Unix seconds.")
      .input(literal(R"j({"type": "object", "properties": {}, "additionalProperties": false})j"))
      .output(literal(R"j({
        "type": "object",
        "properties": {"utc": {"type": "string", "format": "date-time"},
                       "unix": {"type": "integer"}},
        "required": ["utc", "unix"],
        "additionalProperties": false})j"))
      .readOnly()
      .destructive(false)
      .idempotent(false)
      .openWorld(false)
      .nonBlocking()  // bounded CPU work, no I/O: may run on the I/O thread
      .handler([clock = std::move(clock)](const bj::object&, CallContext&) -> Result<ToolResult> {
        auto now = std::chrono::floor<std::chrono::seconds>(clock());
        return structured({{"utc", rfc3339(now)}, {"unix", now.time_since_epoch().count()}});
      })
      .build();
}

mcp::ToolSpec countTextTool() {
  return mcp::ToolBuilder("count_text")
      .title("Count text")
      .description("Counts characters (Unicode code points), words, lines and UTF-8 bytes.")
      .input(literal(R"j({
        "type": "object",
        "properties": {"text": {"type": "string", "maxLength": 1048576}},
        "required": ["text"],
        "additionalProperties": false})j"))
      .output(literal(R"j({
        "type": "object",
        "properties": {"characters": {"type": "integer", "minimum": 0},
                       "words": {"type": "integer", "minimum": 0},
                       "lines": {"type": "integer", "minimum": 0},
                       "bytes": {"type": "integer", "minimum": 0}},
        "required": ["characters", "words", "lines", "bytes"],
        "additionalProperties": false})j"))
      .readOnly()
      .destructive(false)
      .idempotent()
      .openWorld(false)
      .nonBlocking()  // bounded CPU work, no I/O: may run on the I/O thread
      .handler([](const bj::object& args, CallContext&) -> Result<ToolResult> {
        const bj::string* text = stringArg(args, "text");
        if (text == nullptr) {
          return badArgument("text");
        }
        TextCounts counts = countText(*text);
        // Counts are bounded by kMaxDemoText, far inside int64.
        auto n = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
        return structured({{"characters", n(counts.characters)},
                           {"words", n(counts.words)},
                           {"lines", n(counts.lines)},
                           {"bytes", n(counts.bytes)}});
      })
      .build();
}

// What tools/list shows for a tool: the definition the bastion://tools/{name} template returns.
bj::object definitionOf(const mcp::ToolSpec& spec) {
  bj::object annotations;
  const mcp::ToolAnnotations& a = spec.annotations;
  auto put = [&annotations](std::string_view key, const std::optional<bool>& v) {
    if (v) {
      annotations[key] = *v;
    }
  };
  put("readOnlyHint", a.read_only);
  put("destructiveHint", a.destructive);
  put("idempotentHint", a.idempotent);
  put("openWorldHint", a.open_world);
  bj::object def{
      {"name", spec.name},
      {"title", spec.title},
      {"description", spec.description},
      {"inputSchema", spec.open_arguments ? spec.input_schema
                                          : bastion::json::closeObjectSchemas(spec.input_schema)},
      {"annotations", std::move(annotations)}};
  if (spec.output_schema) {
    def["outputSchema"] = *spec.output_schema;
  }
  return def;
}

using Catalog = std::map<std::string, bj::object, std::less<>>;

Result<void> addResources(mcp::Server& server, std::shared_ptr<const Catalog> catalog) {
  bj::array names;
  for (const auto& [name, def] : *catalog) {
    names.push_back(bj::string(name));
  }
  const mcp::ServerInfo& info = server.info();
  std::string server_info = bj::serialize(
      bj::object{{"name", info.name}, {"version", info.version}, {"tools", std::move(names)}});
  auto r = server.addResource(mcp::ResourceSpec{
      .uri = "bastion://server/info",
      .name = "server-info",
      .title = "Server information",
      .description = "This server's name, version and demo tools.",
      .mime_type = "application/json",
      .handler = [server_info](const std::string& uri,
                               CallContext&) -> Result<std::vector<mcp::ResourceContents>> {
        return std::vector<mcp::ResourceContents>{{uri, "application/json", server_info, {}}};
      }});
  if (!r) {
    return r;
  }
  return server.addResourceTemplate(mcp::ResourceTemplateSpec{
      .uri_template = "bastion://tools/{name}",
      .name = "tool-definition",
      .title = "Tool definition",
      .description = "The definition (schemas and annotations) of one demo tool.",
      .mime_type = "application/json",
      .handler = [catalog](const std::string& uri, const mcp::TemplateVars& vars,
                           CallContext&) -> Result<std::vector<mcp::ResourceContents>> {
        auto name = vars.find("name");
        auto it = name == vars.end() ? catalog->end() : catalog->find(name->second);
        if (it == catalog->end()) {
          return Error(mcp::HandlerError::NotFound, "no such tool");
        }
        return std::vector<mcp::ResourceContents>{
            {uri, "application/json", bj::serialize(it->second), {}}};
      },
      .complete =
          [catalog](std::string_view argument, std::string_view value, const mcp::TemplateVars&) {
            std::vector<std::string> out;
            for (const auto& [name, def] : *catalog) {
              if (argument == "name" && name.starts_with(value)) {
                out.push_back(name);
              }
            }
            return out;
          }});
}

Result<mcp::PromptResult> explainSchema(const mcp::TemplateVars& arguments) {
  auto it = arguments.find("schema");
  if (it == arguments.end()) {
    return Error(mcp::HandlerError::InvalidParams, "missing required argument 'schema'");
  }
  if (it->second.size() > kMaxPromptSchema) {
    return Error(mcp::HandlerError::InvalidParams, "argument 'schema' exceeds 64 KiB");
  }
  boost::system::error_code ec;
  bj::value schema = bj::parse(it->second, ec);
  if (ec || !(schema.is_object() || schema.is_bool())) {
    return Error(mcp::HandlerError::InvalidParams, "argument 'schema' is not a JSON Schema");
  }
  std::string text =
      "Explain in plain language what the following JSON Schema (draft 2020-12) accepts and "
      "rejects. For each property say whether it is required, its type and its constraints; "
      "then give one valid and one invalid example instance.\n\n```json\n" +
      bj::serialize(schema) + "\n```";
  return mcp::PromptResult{
      .description = "Explain a JSON Schema",
      .messages = {mcp::PromptMessage{.role = "user", .content = mcp::textContent(text)}}};
}

}  // namespace

std::vector<mcp::ToolSpec> demoTools(const DemoOptions& options) {
  RandomSource& rng = options.rng != nullptr ? *options.rng : systemRandom();
  auto clock = options.clock ? options.clock : [] { return std::chrono::system_clock::now(); };
  std::vector<mcp::ToolSpec> tools;
  tools.push_back(validateJsonTool());
  tools.push_back(hashTextTool());
  tools.push_back(base64Tool());
  tools.push_back(uuidTool(rng));
  tools.push_back(nowTool(std::move(clock)));
  tools.push_back(countTextTool());
  for (mcp::ToolSpec& t : tools) {
    t.scopes = options.scopes;
  }
  return tools;
}

Result<void> addDemo(mcp::Server& server, const DemoOptions& options) {
  auto catalog = std::make_shared<Catalog>();
  for (mcp::ToolSpec& spec : demoTools(options)) {
    bj::object def = definitionOf(spec);
    std::string name = spec.name;
    if (auto r = server.addTool(std::move(spec)); !r) {
      return r;
    }
    catalog->emplace(std::move(name), std::move(def));
  }
  if (auto r = addResources(server, catalog); !r) {
    return r;
  }
  return server.addPrompt(mcp::PromptSpec{
      .name = "explain_schema",
      .title = "Explain a JSON Schema",
      .description = "Asks the model to explain what a JSON Schema accepts, with examples.",
      .arguments = {mcp::PromptArgument{
          .name = "schema", .description = "The JSON Schema, as JSON text", .required = true}},
      .handler = [](const mcp::TemplateVars& arguments,
                    CallContext&) { return explainSchema(arguments); },
      .complete = {}});
}

}  // namespace bastion::tools
