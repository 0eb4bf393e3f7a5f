// `bastion sandbox probe`: one line per layer with yes/no and a detail, or a JSON array; exit 0.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration/cli/child.h"

namespace bastion::testing {
namespace {

const std::string kExe = BASTION_EXE;

const std::vector<std::string> kLayers{
    "user-namespace", "pid-namespace",    "mount-namespace", "net-namespace", "ipc-namespace",
    "uts-namespace",  "cgroup-namespace", "no-new-privs",    "seccomp",       "landlock",
    "rlimits",        "cgroup-memory",    "cgroup-pids"};

// Text: every layer once, in order, each "name yes|no detail"; exit 0.
TEST(CliSandboxProbe, PrintsOneLinePerLayer) {
  auto r = run({kExe, "sandbox", "probe"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::size_t i = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, kLayers.size()) << line;
    std::istringstream fields(line);
    std::string name, answer, detail;
    fields >> name >> answer;
    std::getline(fields, detail);
    EXPECT_EQ(name, kLayers[i]);
    EXPECT_TRUE(answer == "yes" || answer == "no") << line;
    EXPECT_FALSE(detail.empty()) << line;
    ++i;
  }
  EXPECT_EQ(i, kLayers.size());
}

// --json: an array of {layer, available, detail} in the same order.
TEST(CliSandboxProbe, JsonListsEveryLayer) {
  auto r = run({kExe, "sandbox", "probe", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  boost::system::error_code ec;
  auto value = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << r.out;
  ASSERT_TRUE(value.is_array());
  const auto& layers = value.as_array();
  ASSERT_EQ(layers.size(), kLayers.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& o = layers[i].as_object();
    EXPECT_EQ(o.at("layer").as_string(), kLayers[i]);
    EXPECT_TRUE(o.at("available").is_bool());
    EXPECT_TRUE(o.at("detail").is_string());
  }
}

// The probe needs a subcommand: `bastion sandbox` alone is a usage error.
TEST(CliSandboxProbe, SandboxWithoutSubcommandIsUsageError) {
  EXPECT_EQ(run({kExe, "sandbox"}).exit_code, 2);
}

}  // namespace
}  // namespace bastion::testing
