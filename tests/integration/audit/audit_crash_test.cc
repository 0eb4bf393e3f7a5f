// kill -9 under load with fsync=always: every event whose record() returned (the writer printed
// its acknowledgement) is in the log, and the chain verifies up to the last complete record,
// across several crashes and restarts of the same file (one of them with a torn last line).

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "audit/signing_key.h"
#include "audit/verify.h"
#include "integration/cli/child.h"

namespace bastion::audit {
namespace {

using Ack = std::tuple<std::string, std::int64_t, std::int64_t>;  // run, thread, i

constexpr int kRounds = 3;
constexpr int kAcksBeforeKill = 150;
constexpr auto kBound = std::chrono::seconds(60);

void addAcks(std::set<Ack>& acks, const std::string& run, const std::string& text) {
  std::istringstream in(text);
  std::int64_t thread = 0;
  std::int64_t i = 0;
  while (in >> thread >> i) {
    acks.emplace(run, thread, i);
  }
}

// The events of every complete, verified line (the torn tail, if any, is excluded).
std::set<Ack> recordedEvents(const std::string& path, std::size_t last_good_line) {
  std::ifstream f(path, std::ios::binary);
  std::set<Ack> out;
  std::string line;
  for (std::size_t n = 1; n <= last_good_line && std::getline(f, line); ++n) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || v.at("type") != "tool_call") {
      continue;  // debris accounted for by a resume record, checkpoints, resumes
    }
    out.emplace(std::string(v.at("run").as_string()), v.at("thread").as_int64(),
                v.at("i").as_int64());
  }
  return out;
}

TEST(AuditCrashTest, EveryAcknowledgedEventSurvivesKill9) {
  // Three rounds of: start the writer on the same file, let 4 threads record, kill -9.
  std::string tmpl = ::testing::TempDir() + "/bastion-audit-crash-XXXXXX";
  const std::string dir = mkdtemp(tmpl.data());
  const std::string log = dir + "/audit.log";
  const std::string key = dir + "/audit.key";
  std::set<Ack> acks;
  for (int round = 0; round < kRounds; ++round) {
    const std::string run = "r" + std::to_string(round);
    testing::Child child({AUDIT_WRITER_EXE, log, key, "4", run});
    for (int n = 0; n < kAcksBeforeKill; ++n) {
      auto line = child.readLine(kBound);
      ASSERT_TRUE(line) << "writer stopped: " << child.stderrText();
      addAcks(acks, run, *line + "\n");
    }
    child.signal(SIGKILL);
    ASSERT_EQ(child.wait(kBound), 128 + SIGKILL);
    addAcks(acks, run, child.readAll(kBound));  // printed before the kill, still in the pipe
    if (round == 0) {
      // What a write cut short by a crash leaves: the next start must keep and account for it.
      std::ofstream(log, std::ios::binary | std::ios::app) << R"({"hash":"5e0a","i":7,"pa)";
    }
  }
  auto pub = VerifyKey::load(key + ".pub");
  ASSERT_TRUE(pub) << pub.error().message;
  auto result = verifyLogFile(log, onlyKey(&pub.value()));
  ASSERT_TRUE(result);
  const VerifyResult& r = result.value();
  ASSERT_TRUE(r.ok) << "line " << r.bad_line << ": " << r.problem;
  EXPECT_GE(r.resumes, 1u);
  const std::set<Ack> recorded = recordedEvents(log, r.last_good_line);
  std::size_t missing = 0;
  for (const Ack& ack : acks) {
    missing += recorded.count(ack) == 0 ? 1u : 0u;
  }
  EXPECT_EQ(missing, 0u) << "of " << acks.size() << " acknowledged events";
  EXPECT_GE(acks.size(), static_cast<std::size_t>(kRounds * kAcksBeforeKill));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bastion::audit
