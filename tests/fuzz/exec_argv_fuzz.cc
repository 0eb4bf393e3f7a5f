// Any bytes as an exec tool's argv templates (first line, split on '\t') and an argument value
// (the rest): the argv handed to the launcher always has exactly the configured number of
// elements, each grows by exactly the value's length per placeholder (nothing split, dropped or
// interpreted), and a call is refused exactly when the value holds NUL or would start an
// element with '-'.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_call_context.h"
#include "tools/exec.h"

namespace {

using namespace bastion;

class CaptureLauncher final : public sandbox::Launcher {
 public:
  Result<sandbox::RunResult> run(const sandbox::Command& command, const sandbox::Policy&,
                                 const sandbox::RunOptions&) override {
    argv = command.argv;
    sandbox::RunResult r;
    r.exit_code = 0;
    return r;
  }
  std::vector<std::string> argv;
};

using NullContext = bastion::testing::TestCallContext;

// The argv for `value`, or empty when the call was refused.
std::vector<std::string> argvFor(const mcp::ToolSpec& spec, CaptureLauncher& launcher,
                                 const std::string& value) {
  NullContext ctx;
  launcher.argv.clear();
  auto r = spec.handler(boost::json::object{{"v", value}}, ctx);
  if (!r) {
    __builtin_trap();  // refusals are tool results, never handler errors
  }
  return launcher.argv;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string_view line = input.substr(0, nl);
  const std::string value(nl == std::string_view::npos ? "" : input.substr(nl + 1));
  tools::ExecToolOptions o;
  o.command.push_back("/bin/prog");
  for (std::size_t at = 0; at <= line.size();) {
    const std::size_t tab = std::min(line.find('\t', at), line.size());
    o.command.emplace_back(line.substr(at, tab - at));
    at = tab + 1;
  }
  o.params.push_back({"v", boost::json::object{{"type", "string"}}});
  auto launcher = std::make_shared<CaptureLauncher>();
  tools::ToolIdentity id;
  id.name = "fuzz";
  auto spec = tools::makeExecTool(id, o, launcher);
  if (!spec) {
    return 0;  // not a valid template set (or {v} unused)
  }
  const auto empty = argvFor(spec.value(), *launcher, "");
  const auto z = argvFor(spec.value(), *launcher, "Z");
  const auto y = argvFor(spec.value(), *launcher, "Y");
  const auto got = argvFor(spec.value(), *launcher, value);
  if (empty.size() != o.command.size() || z.size() != o.command.size() ||
      y.size() != o.command.size()) {
    __builtin_trap();  // "", "Z" and "Y" are always accepted
  }
  bool dash = false;
  for (std::size_t i = 0; i < o.command.size(); ++i) {
    const std::size_t uses = z[i].size() - empty[i].size();  // placeholders in element i
    const bool placeholder_first = z[i].starts_with('Z') && y[i].starts_with('Y');
    dash = dash || (placeholder_first && value.starts_with('-'));
    if (!got.empty() && got[i].size() != empty[i].size() + uses * value.size()) {
      __builtin_trap();
    }
  }
  const bool refused = value.find('\0') != std::string::npos || dash;
  if (refused != got.empty()) {
    __builtin_trap();
  }
  return 0;
}
