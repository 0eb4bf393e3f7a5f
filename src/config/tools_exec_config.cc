// The keys of `exec` tools (see tools/exec.h for what each means):
//
//   command = ["/usr/bin/wc", "-l", "--", "{file}"]   # command[0]: literal absolute path
//   stdin = "{script}"                  # optional template written to the program's stdin
//   params.file = { type = "string", maxLength = 200 }  # JSON Schema per placeholder
//   inputs = ["/srv/data"]              # absolute host paths bound read-only (must exist)
//   allow_leading_dash = false          # true: a value may start an element with '-'
//   sandbox = { memory = "256MiB", cpu = "5s", timeout = "30s", pids = 64, output = "128KiB",
//               tmp = "64MiB", require = ["cgroup-memory"], network = false }
//
// Setting `memory` requires the cgroup-memory layer and setting `pids` the cgroup-pids layer
// (a limit written in the file is enforced or the server does not start; unset, memory is
// still capped by RLIMIT_AS and processes by the pid namespace). `require` adds layers by name;
// the baseline (namespaces, no-new-privs, seccomp, Landlock, rlimits) is always required.
// `network` exists only to be false: exec tools never have a network.

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

#include "config/config_internal.h"
#include "tools/exec.h"

namespace bastion::config::detail {
namespace {

using sandbox::Layer;

// Upper bounds of the sandbox keys (larger values are almost certainly mistakes).
constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(1);
constexpr std::uint64_t kMinMemory = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxOutput = std::uint64_t{64} << 20;
constexpr std::uint64_t kMaxTmp = std::uint64_t{4} << 30;
constexpr std::array<std::string_view, 3> kNeverBound{"/proc", "/sys", "/dev"};

bool validParamName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }) && !(name[0] >= '0' && name[0] <= '9');
}

// params.NAME = { JSON Schema }, in file order (toml++ keeps a table's keys sorted).
void readParams(TableReader& r, std::vector<tools::ExecParam>& out) {
  const toml::table* params = r.table("params");
  if (params == nullptr) {
    return;
  }
  std::vector<std::pair<toml::source_position, tools::ExecParam>> found;
  for (auto&& [key, node] : *params) {
    const std::string name(key.str());
    if (!validParamName(name)) {
      r.error(node, "params." + name,
              "a parameter name is [A-Za-z_][A-Za-z0-9_]*, at most 64 characters");
    } else if (!node.is_table()) {
      r.error(node, "params." + name,
              "expected an inline JSON Schema table, e.g. { type = \"string\" }");
    } else {
      found.emplace_back(key.source().begin, tools::ExecParam{name, toJson(node)});
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first.line != b.first.line ? a.first.line < b.first.line
                                        : a.first.column < b.first.column;
  });
  for (auto& [where, param] : found) {
    out.push_back(std::move(param));
  }
}

// inputs: absolute, without "." or ".." components, existing now.
void readInputs(TableReader& r, std::vector<std::string>& out) {
  r.readStrings("inputs", out);
  const toml::node* node = r.node().get("inputs");
  for (std::size_t i = 0; i < out.size(); ++i) {
    const toml::node& item = *(*node->as_array()).get(i);
    const std::string key = "inputs[" + std::to_string(i) + "]";
    const std::filesystem::path path(out[i]);
    if (!path.is_absolute()) {
      r.error(item, key, "must be an absolute path");
      continue;
    }
    if (std::any_of(path.begin(), path.end(),
                    [](const auto& c) { return c == "." || c == ".."; }) ||
        out[i].find("//") != std::string::npos || (out[i].size() > 1 && out[i].back() == '/')) {
      r.error(item, key, "must be normalized (no . or .. components, // or trailing /)");
      continue;
    }
    // The sandbox has its own /tmp, /proc and /dev, and never shows /sys.
    if (out[i] == "/tmp" || std::any_of(kNeverBound.begin(), kNeverBound.end(), [&](auto tree) {
          return out[i] == tree || out[i].starts_with(std::string(tree) + "/");
        })) {
      r.error(item, key, "cannot be bound: /tmp, /proc, /sys and /dev are the sandbox's own");
      continue;
    }
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      r.error(item, key, "does not exist" + (ec ? " (" + ec.message() + ")" : std::string()));
    }
  }
}

void readSize(TableReader& s, std::string_view key, std::uint64_t& out, std::uint64_t min,
              std::uint64_t max, std::string_view bounds) {
  std::size_t bytes = 0;
  s.readSize(key, bytes);
  if (bytes == 0) {
    return;  // absent, or reported by readSize
  }
  if (bytes < min || bytes > max) {
    s.error(*s.node().get(key), key, std::string(bounds));
    return;
  }
  out = bytes;
}

void readDuration(TableReader& s, std::string_view key, std::chrono::milliseconds& out) {
  std::chrono::milliseconds d{0};
  s.readDuration(key, d);
  if (d.count() == 0) {
    return;  // absent or reported
  }
  if (d > kMaxDuration) {
    s.error(*s.node().get(key), key, "must be at most 1h");
    return;
  }
  out = d;
}

void addLayer(std::vector<Layer>& layers, Layer l) {
  if (std::find(layers.begin(), layers.end(), l) == layers.end()) {
    layers.push_back(l);
  }
}

void readRequire(TableReader& s, std::vector<Layer>& out) {
  std::vector<std::string> names;
  s.readStrings("require", names);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (auto layer = sandbox::layerFromName(names[i])) {
      addLayer(out, *layer);
      continue;
    }
    std::string known;
    for (Layer l : sandbox::allLayers()) {
      known += (known.empty() ? "" : ", ") + std::string(sandbox::layerName(l));
    }
    s.error(*s.node().get("require")->as_array()->get(i), "require[" + std::to_string(i) + "]",
            "unknown layer \"" + names[i] + "\" (known: " + known + ")");
  }
}

// sandbox = { ... }: the limits, extra required layers, and network (false only).
void readSandbox(TableReader& r, tools::ExecToolOptions& out) {
  const toml::table* table = r.table("sandbox");
  if (table == nullptr) {
    return;
  }
  TableReader s(*table, r.keyPath("sandbox"), r.diagnostics());
  sandbox::Limits& limits = out.limits;
  readSize(s, "memory", limits.memory_bytes, kMinMemory, UINT64_MAX, "must be at least 1MiB");
  readDuration(s, "cpu", limits.cpu);
  readDuration(s, "timeout", limits.timeout);
  s.readInteger("pids", limits.pids, 1, 32768);
  readSize(s, "output", limits.output_bytes, 1, kMaxOutput, "must be at most 64MiB");
  readSize(s, "tmp", limits.tmp_bytes, 1, kMaxTmp, "must be at most 4GiB");
  readRequire(s, out.require);
  bool network = false;
  s.readBool("network", network);
  if (network) {
    s.error(*table->get("network"), "network",
            "exec tools never have a network (only a downed loopback); remove it or set false");
  }
  // A limit written in the file must be enforced: the cgroup layer behind it is required.
  if (table->contains("memory")) {
    addLayer(out.require, Layer::CgroupMemory);
  }
  if (table->contains("pids")) {
    addLayer(out.require, Layer::CgroupPids);
  }
  s.finish();
}

// The tool's own rules (templates, params), reported at the key they name.
void reportCheck(TableReader& r, const tools::ExecToolOptions& options) {
  auto checked = tools::checkExecTool(options);
  if (!checked) {
    const std::string& message = checked.error().message;
    const std::size_t colon = message.find(": ");
    const std::string key = colon == std::string::npos ? "command" : message.substr(0, colon);
    const std::string text = colon == std::string::npos ? message : message.substr(colon + 2);
    const toml::node* node = r.node().at_path(key).node();
    r.error(node != nullptr ? *node : r.node(), key, text);
    return;
  }
  // The program is looked up inside the sandbox, where host paths appear at the same place:
  // one that is not an executable file here will not run there either.
  const std::string& program = options.command[0];
  struct stat st {};
  if (::stat(program.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
    r.error(*r.node().get("command")->as_array()->get(0), "command[0]",
            program + " is not an executable file");
  }
}

}  // namespace

void readExecTool(TableReader& r, tools::ExecToolOptions& out) {
  if (!r.node().contains("command")) {
    r.diagnostics().at(r.node().source(), r.keyPath("command"), "required");
  }
  r.readStrings("command", out.command);
  std::string stdin_template;
  if (r.readString("stdin", stdin_template)) {
    out.stdin_template = std::move(stdin_template);
  }
  readParams(r, out.params);
  readInputs(r, out.inputs);
  r.readBool("allow_leading_dash", out.allow_leading_dash);
  readSandbox(r, out);
  const toml::node* command = r.node().get("command");
  if (!out.command.empty()) {
    reportCheck(r, out);
  } else if (command != nullptr && command->is_array() && command->as_array()->empty()) {
    r.error(*command, "command", "must name the program (an absolute path)");
  }
}

}  // namespace bastion::config::detail
