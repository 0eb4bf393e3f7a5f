#pragma once
// The public vocabulary of a Bastion MCP server: what a C++ author registers and what a handler
// receives. Transport-independent and era-independent: the dispatcher maps these to each
// protocol version's wire shape.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "core/error.h"

namespace bastion::mcp {

using auth::Principal;

// RFC 5424 severities, as MCP logging names them.
enum class LogLevel { Debug, Info, Notice, Warning, Error, Critical, Alert, Emergency };
std::optional<LogLevel> parseLogLevel(std::string_view name);
std::string_view logLevelName(LogLevel level);

// Errors a handler may return. Anything else becomes a tool execution error (isError: true)
// carrying the error's message.
enum class HandlerError {
  InputRequired = 1000,     // modern era: the client must answer inputRequests and retry (MRTR)
  Cancelled,                // the client cancelled or went away
  ClientRequestFailed,      // a sampling/elicitation request got an error or timed out
  InvalidParams,            // prompts/resources: arguments rejected (JSON-RPC -32602)
  NotFound,                 // resources: no such resource (era-specific error code)
  MissingClientCapability,  // request() needs a capability the client did not declare:
                            // modern era -32021, legacy era a tool execution error
};

// Hints about a tool's behaviour, advertised to clients. The server never trusts them itself.
struct ToolAnnotations {
  std::optional<std::string> title;
  std::optional<bool> read_only;
  std::optional<bool> destructive;
  std::optional<bool> idempotent;
  std::optional<bool> open_world;
};

struct ToolResult {
  boost::json::array content;                    // content blocks (text, image, audio, resource...)
  std::optional<boost::json::value> structured;  // structuredContent; checked vs outputSchema
  bool is_error = false;

  static ToolResult text(std::string text);
  static ToolResult error(std::string message);
};

// Content block helpers.
boost::json::object textContent(std::string_view text);
boost::json::object imageContent(std::string_view base64_data, std::string_view mime_type);
boost::json::object audioContent(std::string_view base64_data, std::string_view mime_type);

// What a handler can do besides returning: report progress, log to the client, ask the client
// (sampling, elicitation), notice cancellation, and learn who is calling. Valid only during the
// handler call. Implementations are thread-safe for use from the handler's own thread.
class CallContext {
 public:
  virtual ~CallContext() = default;

  virtual const Principal& principal() const = 0;
  virtual std::string_view protocolVersion() const = 0;
  virtual const boost::json::object& clientCapabilities() const = 0;

  // True once the client cancelled the request or disconnected; handlers should check it.
  virtual bool cancelled() const = 0;

  // notifications/progress, only if the request carried a progressToken (else a no-op).
  virtual void progress(double progress, std::optional<double> total = std::nullopt,
                        std::string_view message = {}) = 0;

  // notifications/message at `level`, sent only if the client asked for that level.
  virtual void log(LogLevel level, const boost::json::value& data,
                   std::string_view logger = {}) = 0;

  // A server-to-client request (`sampling/createMessage`, `elicitation/create`, `roots/list`).
  // Legacy era: sent on the request's stream; blocks until the client answers, the timeout
  // passes, or the request is cancelled. Modern era (MRTR): returns the client's matching
  // input response when the retried request carries one; otherwise records the input request
  // and returns HandlerError::InputRequired, which the handler must return unchanged.
  // The client must have declared the matching capability (sampling, elicitation, roots), else
  // HandlerError::MissingClientCapability. request() names its MRTR input keys "input-1",
  // "input-2", ... in call order; a handler whose calls vary between rounds uses requestAs().
  virtual Result<boost::json::value> request(
      std::string_view method, boost::json::object params,
      std::chrono::milliseconds timeout = std::chrono::seconds(60)) = 0;

  // As request(), with the MRTR key (modern era: the inputRequests/inputResponses key) chosen
  // by the handler. Answers from earlier rounds are carried in the integrity-protected
  // requestState, so a handler simply asks again for everything it needs on each round.
  virtual Result<boost::json::value> requestAs(
      std::string_view key, std::string_view method, boost::json::object params,
      std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Legacy Streamable HTTP only: ends the current SSE response early (after its priming event)
  // so the client reconnects with Last-Event-ID and receives the rest. No-op elsewhere.
  virtual void closeStream() = 0;
};

using ToolHandler =
    std::function<Result<ToolResult>(const boost::json::object& arguments, CallContext& ctx)>;

struct ToolSpec {
  std::string name;  // 1-128 chars of [A-Za-z0-9_.-]
  std::string title;
  std::string description;
  boost::json::value input_schema = boost::json::object{{"type", "object"}};
  std::optional<boost::json::value> output_schema;
  ToolAnnotations annotations;
  std::vector<std::string> scopes;  // required scopes (enforced by the policy step)
  bool open_arguments = false;      // opt out of closing object schemas (unknown keys allowed)
  // The handler is short, bounded and CPU-only: no I/O, no sleeping, no client requests, no
  // progress. A transport may then run the call on its I/O thread (no worker hop, no SSE).
  // The pipeline (authorization, validation, output checks) is the same either way.
  bool non_blocking = false;
  // The handler waits on a peer it does not control: a downstream API, a remote database, a
  // child process. Transports run such calls on a separate, larger pool, so that slow peers
  // cannot take every thread from local tools (files, SQLite), which run on a pool sized to
  // the cores.
  bool waits_on_peers = false;
  // Top-level argument names whose values the audit log records verbatim (identifiers such as
  // a path or a record id); the rest of the arguments appear only as a digest.
  std::vector<std::string> audit_fields;
  ToolHandler handler;
};

struct ResourceContents {
  std::string uri;
  std::string mime_type;
  std::optional<std::string> text;
  std::optional<std::string> blob;  // base64
};

using ResourceHandler =
    std::function<Result<std::vector<ResourceContents>>(const std::string& uri, CallContext& ctx)>;

struct ResourceSpec {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ResourceHandler handler;
};

// Values bound to a template's variables on a match.
using TemplateVars = std::map<std::string, std::string, std::less<>>;

using ResourceTemplateHandler = std::function<Result<std::vector<ResourceContents>>(
    const std::string& uri, const TemplateVars& vars, CallContext& ctx)>;

// Suggestions for one argument: (argument name, partial value, other arguments) -> values.
using CompletionHandler = std::function<std::vector<std::string>(
    std::string_view argument, std::string_view value, const TemplateVars& context)>;

struct ResourceTemplateSpec {
  std::string uri_template;  // RFC 6570 level 1 ({var} only)
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ResourceTemplateHandler handler;
  CompletionHandler complete;  // optional
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

struct PromptMessage {
  std::string role;  // "user" | "assistant"
  boost::json::object content;
};

struct PromptResult {
  std::string description;
  std::vector<PromptMessage> messages;
};

using PromptHandler =
    std::function<Result<PromptResult>(const TemplateVars& arguments, CallContext& ctx)>;

struct PromptSpec {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  PromptHandler handler;
  CompletionHandler complete;  // optional
};

struct ServerInfo {
  std::string name = "bastion";
  std::string version;
  std::string title;
  std::string instructions;
};

}  // namespace bastion::mcp
