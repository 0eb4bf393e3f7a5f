// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

// The [[tools]] keys of the exec kind: every key read, the templates' rules reported at load at
// the key they name, limits and layers checked, unknown keys refused.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <variant>

#include "config/config.h"

namespace bastion::tools {
namespace {

using sandbox::Layer;

class ExecConfig : public ::testing::Test {
 protected:
  static std::string tool(std::string_view extra) {
    return "[[tools]]\nname = \"run\"\nkind = \"exec\"\n" + std::string(extra);
  }
  ExecToolOptions options(const std::string& toml) {
    auto r = config::parse(toml, "t.toml");
    EXPECT_TRUE(r) << (r ? "" : r.error().toString());
    if (!r || r.value()->tools.size() != 1) {
      return {};
    }
    return std::get<ExecToolOptions>(r.value()->tools[0].options);
  }
  std::string errorsOf(const std::string& toml) {
    auto r = config::parse(toml, "t.toml");
    EXPECT_FALSE(r) << "expected the config to be rejected";
    return r ? std::string() : r.error().toString();
  }
};

TEST_F(ExecConfig, ReadsEveryKey) {
  // Each documented key lands in the options; setting memory and pids requires their cgroups.
  ExecToolOptions o = options(tool(R"(
command = ["/bin/cat", "--number={start}", "--", "{name}"]
stdin = "{body}"
params.name = { type = "string", maxLength = 64 }
params.start = { type = "integer", default = 1 }
params.body = { type = "string", maxLength = 4096 }
inputs = ["/usr/share", "/etc/hostname"]
allow_leading_dash = true
sandbox = { memory = "128MiB", cpu = "2s", timeout = "10s", pids = 16, output = "64KiB", tmp = "8MiB", require = ["landlock", "seccomp"], network = false }
)"));
  EXPECT_EQ(o.command, (std::vector<std::string>{"/bin/cat", "--number={start}", "--", "{name}"}));
  EXPECT_EQ(o.stdin_template, "{body}");
  ASSERT_EQ(o.params.size(), 3u);
  EXPECT_EQ(o.params[0].name, "name");  // file order, not key order
  EXPECT_EQ(o.params[0].schema, boost::json::parse(R"({"type":"string","maxLength":64})"));
  EXPECT_EQ(o.params[1].name, "start");
  EXPECT_EQ(o.params[2].name, "body");
  EXPECT_EQ(o.inputs, (std::vector<std::string>{"/usr/share", "/etc/hostname"}));
  EXPECT_TRUE(o.allow_leading_dash);
  EXPECT_EQ(o.limits.memory_bytes, std::uint64_t{128} << 20);
  EXPECT_EQ(o.limits.cpu, std::chrono::seconds(2));
  EXPECT_EQ(o.limits.timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.limits.pids, 16u);
  EXPECT_EQ(o.limits.output_bytes, std::uint64_t{64} << 10);
  EXPECT_EQ(o.limits.tmp_bytes, std::uint64_t{8} << 20);
  EXPECT_EQ(o.require, (std::vector<Layer>{Layer::Landlock, Layer::Seccomp, Layer::CgroupMemory,
                                           Layer::CgroupPids}));
}

TEST_F(ExecConfig, DefaultsAreSafe) {
  // No inputs, option injection refused, the launcher's limits with a 128KiB output cap, no
  // extra layers (the baseline is always required).
  ExecToolOptions o = options(tool("command = [\"/bin/true\"]\n"));
  EXPECT_FALSE(o.stdin_template);
  EXPECT_TRUE(o.inputs.empty());
  EXPECT_FALSE(o.allow_leading_dash);
  EXPECT_EQ(o.limits.timeout, std::chrono::seconds(30));
  EXPECT_EQ(o.limits.output_bytes, std::uint64_t{128} << 10);
  EXPECT_TRUE(o.require.empty());
  const std::vector<Layer> required = requiredLayers(o);
  EXPECT_NE(std::find(required.begin(), required.end(), Layer::Seccomp), required.end());
  EXPECT_NE(std::find(required.begin(), required.end(), Layer::Landlock), required.end());
}

TEST_F(ExecConfig, DesignExampleLoads) {
  // The run_python example of DESIGN.md, as written there.
  ExecToolOptions o = options(tool(R"(
command = ["/usr/bin/python3", "-"]
stdin = "{script}"
params.script = { type = "string", maxLength = 65536 }
sandbox = { network = false, memory = "256MiB", cpu = "5s", timeout = "30s" }
)"));
  EXPECT_EQ(o.limits.memory_bytes, std::uint64_t{256} << 20);
  EXPECT_EQ(o.require, std::vector<Layer>{Layer::CgroupMemory});
}

TEST_F(ExecConfig, UnknownPlaceholderRefusedAtLoad) {
  // A placeholder without a params entry, and an entry no template uses, name their keys.
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/echo\", \"{msg}\"]\n")),
            "t.toml:4:25: tools[0].command[1]: uses {msg} but params.msg is not declared\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/cat\"]\nstdin = \"{body}\"\n")),
            "t.toml:5:9: tools[0].stdin: uses {body} but params.body is not declared\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/echo\"]\nparams.x = { type = \"string\" }\n")),
            "t.toml:5:12: tools[0].params.x: declared but neither command nor stdin uses {x}\n");
}

TEST_F(ExecConfig, PlaceholderCannotTemplateCommandPath) {
  // command[0] is a literal absolute path that exists and is executable here.
  EXPECT_EQ(errorsOf(tool("command = [\"{prog}\"]\nparams.prog = { type = \"string\" }\n")),
            "t.toml:4:12: tools[0].command[0]: the program must be a literal absolute path, not "
            "a template\n");
  EXPECT_EQ(errorsOf(tool("command = [\"python3\", \"-\"]\n")),
            "t.toml:4:12: tools[0].command[0]: the program must be an absolute path (no search "
            "path is used)\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/usr/bin/no-such-program-x\"]\n")),
            "t.toml:4:12: tools[0].command[0]: /usr/bin/no-such-program-x is not an executable "
            "file\n");
  char plain[] = "/tmp/bastion-exec-config-XXXXXX";  // a file without execute bits
  const int fd = ::mkstemp(plain);
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_EQ(
      errorsOf(tool("command = [\"" + std::string(plain) + "\"]\n")),
      "t.toml:4:12: tools[0].command[0]: " + std::string(plain) + " is not an executable file\n");
  ::unlink(plain);
  EXPECT_EQ(errorsOf(tool("command = [\"/usr/bin\"]\n")),
            "t.toml:4:12: tools[0].command[0]: /usr/bin is not an executable file\n");
  EXPECT_EQ(errorsOf(tool("")), "t.toml:1:1: tools[0].command: required\n");
  EXPECT_EQ(errorsOf(tool("command = []\n")),
            "t.toml:4:11: tools[0].command: must name the program (an absolute path)\n");
}

TEST_F(ExecConfig, MalformedTemplateIsRefused) {
  // A stray brace is an error, not a literal.
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/echo\", \"a}\"]\n")),
            "t.toml:4:25: tools[0].command[1]: unmatched '}' (write '}}' for a literal brace)\n");
}

TEST_F(ExecConfig, BadSizesAndDurationsAreRefused) {
  // Each sandbox limit is parsed with its unit and bounded.
  EXPECT_NE(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { memory = \"256MB\" }\n"))
                .find("tools[0].sandbox.memory: "),
            std::string::npos);
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { memory = \"64KiB\" }\n")),
            "t.toml:5:22: tools[0].sandbox.memory: must be at least 1MiB\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { timeout = \"0s\" }\n")),
            "t.toml:5:23: tools[0].sandbox.timeout: must be longer than 0s\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { cpu = \"2h\" }\n")),
            "t.toml:5:19: tools[0].sandbox.cpu: must be at most 1h\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { pids = 0 }\n")),
            "t.toml:5:20: tools[0].sandbox.pids: must be between 1 and 32768\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { output = \"1GiB\" }\n")),
            "t.toml:5:22: tools[0].sandbox.output: must be at most 64MiB\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { tmp = \"5GiB\" }\n")),
            "t.toml:5:19: tools[0].sandbox.tmp: must be at most 4GiB\n");
}

TEST_F(ExecConfig, UnknownLayerIsRefused) {
  // require names layers as `bastion sandbox probe` prints them.
  const std::string e =
      errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { require = [\"seccomp\", \"apparmor\"] "
                    "}\n"));
  EXPECT_EQ(e.find("t.toml:5:35: tools[0].sandbox.require[1]: unknown layer \"apparmor\" (known: "
                   "user-namespace, pid-namespace, "),
            0u)
      << e;
}

TEST_F(ExecConfig, NetworkCannotBeTurnedOn) {
  // network exists only to be false.
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { network = true }\n")),
            "t.toml:5:23: tools[0].sandbox.network: exec tools never have a network (only a "
            "downed loopback); remove it or set false\n");
}

TEST_F(ExecConfig, UnknownKeysAreRefused) {
  // Typos are errors, in the tool and in its sandbox table.
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nshell = true\n")),
            "t.toml:5:1: tools[0].shell: unknown key\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\nsandbox = { memroy = \"1GiB\" }\n")),
            "t.toml:5:13: tools[0].sandbox.memroy: unknown key\n");
}

TEST_F(ExecConfig, InputsMustBeAbsoluteNormalAndExist) {
  // Input paths are bound as written: relative, dot-dot and missing paths are refused.
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\ninputs = [\"data\"]\n")),
            "t.toml:5:11: tools[0].inputs[0]: must be an absolute path\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\ninputs = [\"/usr/../etc\"]\n")),
            "t.toml:5:11: tools[0].inputs[0]: must be normalized (no . or .. components, // or "
            "trailing /)\n");
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\ninputs = [\"/usr/\"]\n")),
            "t.toml:5:11: tools[0].inputs[0]: must be normalized (no . or .. components, // or "
            "trailing /)\n");
  for (const char* own : {"/proc/1", "/tmp", "/dev", "/sys/kernel"}) {
    EXPECT_EQ(
        errorsOf(tool("command = [\"/bin/true\"]\ninputs = [\"" + std::string(own) + "\"]\n")),
        "t.toml:5:11: tools[0].inputs[0]: cannot be bound: /tmp, /proc, /sys and /dev are "
        "the sandbox's own\n")
        << own;
  }
  EXPECT_EQ(errorsOf(tool("command = [\"/bin/true\"]\ninputs = [\"/usr\", \"/no/such/dir\"]\n")),
            "t.toml:5:19: tools[0].inputs[1]: does not exist\n");
}

TEST_F(ExecConfig, SecretReferenceIsRefused) {
  // ${env:NAME} never reaches a command line (it would land in the child and in its output).
  EXPECT_NE(errorsOf(tool("command = [\"/bin/echo\", \"${env:API_KEY}\"]\n"))
                .find("${env:NAME} is allowed only in keys that take secrets"),
            std::string::npos);
}

TEST_F(ExecConfig, ExampleFileExecEntryLoads) {
  // The commented exec entry of examples/bastion.toml (every key) loads once uncommented, with
  // its input directory pointed at one that exists here.
  std::ifstream in(std::string(BASTION_SOURCE_DIR) + "/examples/bastion.toml");
  ASSERT_TRUE(in);
  std::string line;
  std::string entry;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.starts_with("# An exec tool")) {
      inside = true;
    } else if (inside && line.starts_with("# ")) {
      entry += line.substr(2) + "\n";
    }
  }
  ASSERT_FALSE(entry.empty());
  for (std::size_t at; (at = entry.find("/srv/data")) != std::string::npos;) {
    entry.replace(at, 9, "/usr/share");
  }
  auto r = config::parse(entry, "example.toml");
  ASSERT_TRUE(r) << r.error().toString() << entry;
  const auto& o = std::get<ExecToolOptions>(r.value()->tools.at(0).options);
  EXPECT_EQ(o.command.front(), "/usr/bin/wc");
  EXPECT_EQ(o.inputs, std::vector<std::string>{"/usr/share"});
  EXPECT_EQ(o.require, (std::vector<Layer>{Layer::CgroupMemory, Layer::CgroupPids}));
}

}  // namespace
}  // namespace bastion::tools
