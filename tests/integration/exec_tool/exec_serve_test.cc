// `bastion serve --stdio` with exec tools, the real binary and the real sandbox: a call runs
// the program and its output passes the server's redactor; a tool requiring a layer the host
// cannot give the server's user stops the server at start, naming the tool and the layer.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "integration/cli/child.h"

namespace bastion::testing {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

constexpr auto kBound = 20s;

// A directory others can read (the server may run as nobody), removed at the end.
class ConfigDir {
 public:
  ConfigDir() {
    std::string pattern = std::filesystem::temp_directory_path().string() + "/exec-serve-XXXXXX";
    path_ = ::mkdtemp(pattern.data());
    ::chmod(path_.c_str(), 0755);
  }
  ~ConfigDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string write(const std::string& text) const {
    const std::string file = path_ + "/bastion.toml";
    std::ofstream(file) << text;
    ::chmod(file.c_str(), 0644);
    return file;
  }

 private:
  std::string path_;
};

// True when every directory above `path` and the file itself can be searched/executed by
// others (so nobody can run it).
bool othersCanExecute(const std::filesystem::path& path) {
  for (std::filesystem::path p = path; p != p.parent_path(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) {
      return false;
    }
  }
  return true;
}

std::string canary() {
  if (const char* v = std::getenv("BASTION_TEST_CANARY"); v != nullptr && *v != '\0') {
    return v;
  }
  ::setenv("BASTION_TEST_CANARY", "exec-canary-4f9d2c71b8e05a36", 1);
  return std::getenv("BASTION_TEST_CANARY");
}

bj::object callTool(Child& child, int id, std::string_view name, bj::object args) {
  child.write(bj::serialize(bj::object{
                  {"jsonrpc", "2.0"},
                  {"id", id},
                  {"method", "tools/call"},
                  {"params", bj::object{{"name", name}, {"arguments", std::move(args)}}}}) +
              "\n");
  auto line = child.readLine(kBound);
  EXPECT_TRUE(line) << "no answer; stderr:\n" << child.stderrText();
  if (!line) {
    return {};
  }
  EXPECT_EQ(line->find(canary()), std::string::npos) << *line;
  return bj::parse(*line).as_object();
}

TEST(ExecServe, ProgramOutputIsRedactedAndArgumentsStayLiteral) {
  // A secret the server knows (an http tool's header) printed by a sandboxed program reaches
  // the client masked; "a b; $(id)" is one literal argument; "-rf" is refused before running.
  const std::string secret = canary();
  ConfigDir dir;
  const std::string config = dir.write(R"(
[[tools]]
name = "api"
kind = "http"
url = "https://api.example.com/v1"
headers = { Authorization = "Bearer ${env:BASTION_TEST_CANARY}" }

[[tools]]
name = "echo"
kind = "exec"
command = ["/usr/bin/printf", "[%s]\n", "{msg}"]
params.msg = { type = "string", maxLength = 200 }
)");
  Child child({BASTION_EXE, "serve", "--stdio", "--config", config});
  child.write(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
      R"("capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}})"
      "\n");
  ASSERT_TRUE(child.readLine(kBound)) << child.stderrText();
  child.write(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
              "\n");

  bj::object leaked = callTool(child, 1, "echo", {{"msg", "token " + secret}});
  const bj::object& result = leaked.at("result").as_object();
  EXPECT_EQ(result.at("structuredContent").at("stdout"), "[token [REDACTED]]\n")
      << bj::serialize(leaked);
  EXPECT_FALSE(result.contains("isError")) << bj::serialize(leaked);

  bj::object literal = callTool(child, 2, "echo", {{"msg", "a b; $(id) `id`"}});
  EXPECT_EQ(literal.at("result").at("structuredContent").at("stdout"), "[a b; $(id) `id`]\n");

  bj::object injected = callTool(child, 3, "echo", {{"msg", "-rf"}});
  EXPECT_EQ(injected.at("result").at("isError"), true);
  EXPECT_FALSE(injected.at("result").as_object().contains("structuredContent"));
  child.closeStdin();
  EXPECT_EQ(child.wait(kBound), 0) << child.stderrText();
}

TEST(ExecServe, MissingRequiredLayerRefusedAtStart) {
  // `memory` written in the file requires cgroup-memory, which an unprivileged server cannot
  // use here (v1 groups are root's, v2 delegates no memory controller): the server does not
  // start and says which tool and which layer. As root the test runs the server as nobody.
  ConfigDir dir;
  const std::string config = dir.write(R"(
[[tools]]
name = "limited"
kind = "exec"
command = ["/bin/true"]
sandbox = { memory = "64MiB" }
)");
  std::vector<std::string> argv{BASTION_EXE, "serve", "--stdio", "--config", config};
  if (::geteuid() == 0) {
    if (!othersCanExecute(BASTION_EXE)) {  // a build tree nobody cannot reach: run a copy
      argv[0] = dir.path() + "/bastion";
      std::filesystem::copy_file(BASTION_EXE, argv[0]);
      ::chmod(argv[0].c_str(), 0755);
    }
    argv.insert(argv.begin(),
                {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  }
  RunResult r = run(argv);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot start: tools[0] (limited): sandbox: required sandbox layer "
                       "'cgroup-memory' is unavailable on this host"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");

  // `bastion check` on the same host says so before anyone starts the server: an error finding
  // at the tool's sandbox key, exit 1.
  const auto serve = std::find(argv.begin(), argv.end(), std::string("serve"));
  ASSERT_NE(serve, argv.end());
  *serve = "check";
  argv.erase(std::find(argv.begin(), argv.end(), std::string("--stdio")));
  RunResult checked = run(argv);
  EXPECT_EQ(checked.exit_code, 1) << checked.out << checked.err;
  EXPECT_NE(checked.out.find(":6:1: error: tools[0].sandbox: cannot run on this host: required "
                             "sandbox layer 'cgroup-memory' is unavailable on this host"),
            std::string::npos)
      << checked.out;
  EXPECT_NE(checked.out.find("[sandbox-unavailable]"), std::string::npos) << checked.out;
}

}  // namespace
}  // namespace bastion::testing
