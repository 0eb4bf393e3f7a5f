// `bastion sandbox probe [--json]`: which containment layers work on this host, found by trying
// each one in a short-lived child (sandbox::probe). One line per layer: name, yes/no, detail.
// Exit 0 whatever the answer: a missing layer is information here; `bastion check` and `serve`
// refuse a tool that requires it.

#include "sandbox/sandbox.h"

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <iomanip>
#include <iostream>

#include "cli/commands.h"

namespace bastion::cli {
namespace {

constexpr int kNameWidth = 18;

void printText(const std::vector<sandbox::LayerStatus>& layers) {
  for (const auto& s : layers) {
    std::cout << std::left << std::setw(kNameWidth) << sandbox::layerName(s.layer)
              << (s.available ? "yes  " : "no   ") << s.detail << "\n";
  }
}

void printJson(const std::vector<sandbox::LayerStatus>& layers) {
  boost::json::array out;
  for (const auto& s : layers) {
    out.push_back(boost::json::object{
        {"layer", sandbox::layerName(s.layer)}, {"available", s.available}, {"detail", s.detail}});
  }
  std::cout << boost::json::serialize(out) << "\n";
}

}  // namespace

CLI::App* addSandboxCommand(CLI::App& app, SandboxOptions& options) {
  CLI::App* sandbox = app.add_subcommand("sandbox", "Inspect the process sandbox");
  sandbox->require_subcommand(1);
  CLI::App* probe = sandbox->add_subcommand(
      "probe",
      "Try each sandbox layer on this host (namespaces, mounts, no-new-privs, seccomp,\n"
      "Landlock, rlimits, cgroup memory/pids) and print one line per layer. Exit 0.");
  probe->add_flag("--json", options.json, "Print a JSON array instead of text");
  return sandbox;
}

int runSandboxProbe(const SandboxOptions& options) {
  const std::vector<sandbox::LayerStatus> layers = sandbox::probe();
  if (options.json) {
    printJson(layers);
  } else {
    printText(layers);
  }
  return kExitOk;
}

}  // namespace bastion::cli
