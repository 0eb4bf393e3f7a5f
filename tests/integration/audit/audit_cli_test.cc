// `bastion audit verify` on real logs: the summary, FILE:LINE for the first bad line, the torn
// tail warning, and exit codes 0, 1, 2.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json/object.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/audit_log.h"
#include "integration/cli/child.h"

namespace bastion::audit {
namespace {

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/bastion-audit-cli-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    AuditOptions o;
    o.path = log_ = dir_ + "/audit.log";
    o.key_path = dir_ + "/audit.key";
    o.fsync = Fsync::Never;
    ManualClock clock;
    auto log = AuditLog::open(o, clock);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 0; i < 5; ++i) {
      log.value()->record({{"type", "tool_call"}, {"tool", "files.read"}, {"i", i}});
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string text() const {
    std::ifstream f(log_, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  void rewrite(const std::string& bytes) const {
    std::ofstream(log_, std::ios::binary | std::ios::trunc) << bytes;
  }
  testing::RunResult verify(std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv{BASTION_EXE, "audit", "verify", log_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::run(argv);
  }

  std::string dir_;
  std::string log_;
};

TEST_F(AuditCliTest, IntactLogVerifiesWithKey) {
  // Exit 0 and the summary line with the checkpoint count.
  auto r = verify({"--key", dir_ + "/audit.key.pub"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok: 6 records, 1 checkpoints verified\n");
}

TEST_F(AuditCliTest, WithoutKeySignaturesAreReportedUnchecked) {
  // No --key: still exit 0, but the output says the signatures were not checked.
  auto r = verify();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok: 6 records, 1 checkpoints (signatures not checked: no --key)\n");
}

TEST_F(AuditCliTest, EditedRecordNamesFileAndLine) {
  // An edit in line 3: exit 1 and "FILE:3: ..." on stderr.
  std::string t = text();
  std::size_t third = t.find('\n', t.find('\n') + 1) + 1;
  t.replace(t.find("files.read", third), 10, "files.writ");
  rewrite(t);
  auto r = verify({"--key", dir_ + "/audit.key.pub"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind(log_ + ":3: hash does not match", 0), 0u) << r.err;
}

TEST_F(AuditCliTest, TornLastLineIsAWarning) {
  // A crash mid-write: exit 0, a warning naming the incomplete line and the last good one.
  std::string t = text();
  rewrite(t.substr(0, t.size() - 20));
  auto r = verify();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(":6: warning: line 6 is incomplete (crash?); the chain verifies up to "
                       "line 5"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "ok: 5 records, 0 checkpoints (signatures not checked: no --key)\n");
}

TEST_F(AuditCliTest, RotatedKeyVerifiesWithBothKeysOldestFirst) {
  // The operator replaced the signing key between runs: `--key old.pub --key new.pub` verifies
  // every checkpoint; the old key alone stops at the first checkpoint of the new one.
  AuditOptions o;
  o.path = log_;
  o.key_path = dir_ + "/new.key";
  o.fsync = Fsync::Never;
  ManualClock clock;
  {
    auto log = AuditLog::open(o, clock);
    ASSERT_TRUE(log) << log.error().message;
    log.value()->record({{"type", "tool_call"}, {"tool", "files.read"}, {"i", 5}});
  }
  auto both = verify({"--key", dir_ + "/audit.key.pub", "--key", dir_ + "/new.key.pub"});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(both.out, "ok: 8 records, 2 checkpoints verified\n");
  auto old_only = verify({"--key", dir_ + "/audit.key.pub"});
  EXPECT_EQ(old_only.exit_code, 1);
  EXPECT_NE(old_only.err.find(":8: checkpoint signed by key "), std::string::npos) << old_only.err;
}

TEST_F(AuditCliTest, UnreadableFileOrKeyIsExit2) {
  // A missing log or a key that is not Ed25519 PEM is unusable input.
  auto missing = testing::run({BASTION_EXE, "audit", "verify", dir_ + "/nope.log"});
  EXPECT_EQ(missing.exit_code, 2);
  auto bad_key = verify({"--key", log_});
  EXPECT_EQ(bad_key.exit_code, 2);
  EXPECT_NE(bad_key.err.find("not a PEM Ed25519 public key"), std::string::npos) << bad_key.err;
}

}  // namespace
}  // namespace bastion::audit
