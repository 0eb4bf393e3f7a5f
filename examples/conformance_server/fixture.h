#pragma once
// The conformance fixture: the tools, resources and prompts that the official MCP conformance
// suite's server scenarios call by name (@modelcontextprotocol/conformance 0.1.16 for the
// 2025-11-25 era, 0.2.0-alpha.12 for 2026-07-28). Names, schemas and contents follow each
// scenario's stated requirements exactly; everything is built on the public API only.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/error.h"
#include "mcp/server.h"

namespace fixture {

// A 1x1 red PNG and a short silent 8 kHz mono WAV, base64-encoded (made for this fixture).
inline constexpr std::string_view kPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQD3A0"
    "FDAAAAAElFTkSuQmCC";
inline constexpr std::string_view kWavBase64 =
    "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQgAAAAAAAAAAAAAAA==";

// Parses a JSON literal written in the fixture's source. A typo there is a programming error: the
// process aborts rather than serve a wrong fixture.
boost::json::value literal(std::string_view text);

// sampling/createMessage params: one user text message.
boost::json::object samplingParams(std::string_view prompt, int max_tokens);
// elicitation/create params: a message and the requested schema (a JSON literal).
boost::json::object elicitationParams(std::string_view message, std::string_view schema);
// The string field `field` of an accepted elicitation result, or "(decline)"/"(cancel)";
// HandlerError::InvalidParams when the answer is not an ElicitResult carrying it.
bastion::Result<std::string> acceptedField(const boost::json::value& result,
                                           std::string_view field);

// Content tools: test_simple_text, test_image_content, test_audio_content, test_embedded_resource,
// test_multiple_content_types, test_error_handling, test_tool_with_logging,
// test_tool_with_progress, test_reconnection, json_schema_2020_12_tool, test_logging_tool,
// test_custom_header_param.
[[nodiscard]] bastion::Result<void> addContentTools(bastion::mcp::Server& server);

// Tools that ask the client (sampling, elicitation, roots): test_sampling, test_elicitation,
// test_elicitation_sep1034_defaults, test_elicitation_sep1330_enums, test_missing_capability,
// test_streaming_elicitation.
[[nodiscard]] bastion::Result<void> addClientRequestTools(bastion::mcp::Server& server);

// The 2026-07-28 InputRequiredResult tools (SEP-2322): test_input_required_result_elicitation,
// _sampling, _list_roots, _request_state, _multiple_inputs, _multi_round, _tampered_state and
// _capabilities. Each asks again for everything it needs on every round (CallContext::requestAs).
[[nodiscard]] bastion::Result<void> addInputRequiredTools(bastion::mcp::Server& server);

// Resources test://static-text, test://static-binary, test://watched-resource, the template
// test://template/{id}/data, and the prompts test_simple_prompt, test_prompt_with_arguments,
// test_prompt_with_embedded_resource, test_prompt_with_image, test_input_required_result_prompt.
[[nodiscard]] bastion::Result<void> addResourcesAndPrompts(bastion::mcp::Server& server);

}  // namespace fixture
