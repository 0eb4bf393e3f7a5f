#pragma once
// The demo tool set `bastion serve` offers by default: small, genuinely useful, read-only tools
// built only on the public C++ API (mcp::Server, ToolSpec), so they double as an example of it.
//
// Tools: validate_json, hash_text, base64, uuid, now, count_text. Resources:
// bastion://server/info and the template bastion://tools/{name} (a demo tool's definition).
// Prompt: explain_schema(schema). Every input schema is closed (additionalProperties: false)
// with bounded string lengths; every tool has an outputSchema and returns structuredContent.
//
// The clock and the random source are injected so tests can pin `now` and `uuid`. Every demo
// tool requires the same scopes (default: the baseline "mcp:tools"), so an OAuth client that
// asks for the baseline scope can use them all; config [demo] scopes changes them.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "mcp/server.h"
#include "mcp/types.h"

namespace bastion::tools {

struct DemoOptions {
  std::function<std::chrono::system_clock::time_point()> clock;  // empty: system_clock::now
  RandomSource* rng = nullptr;                                   // null: systemRandom()
  std::vector<std::string> scopes{"mcp:tools"};                  // required by every demo tool
};

// The longest text any demo tool accepts (bytes of UTF-8).
inline constexpr std::size_t kMaxDemoText = std::size_t{1} << 20;

// The demo tools as specs, in a stable order (for tests and for custom servers).
std::vector<mcp::ToolSpec> demoTools(const DemoOptions& options = {});

// Registers the demo tools, resources, resource template and prompt on `server`.
[[nodiscard]] Result<void> addDemo(mcp::Server& server, const DemoOptions& options = {});

}  // namespace bastion::tools
