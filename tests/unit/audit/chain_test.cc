// The hash chain end to end: the writer's file verifies, and every kind of tampering is found at
// the right line.

#include <gtest/gtest.h>

#include <boost/json/object.hpp>

#include "audit/audit_log.h"
#include "audit/verify.h"
#include "unit/audit/audit_test_util.h"

namespace bastion::audit {
namespace {

using testing::join;
using testing::lines;
using testing::parsed;
using testing::readFile;
using testing::rechain;
using testing::writeFile;

class ChainTest : public ::testing::Test {
 protected:
  AuditOptions options(std::size_t checkpoint_every = 1000) {
    AuditOptions o;
    o.path = dir_.file("audit.log");
    o.key_path = dir_.file("audit.key");
    o.fsync = Fsync::Never;
    o.checkpoint_every = checkpoint_every;
    return o;
  }

  // Writes `n` tool-call-like events (and the closing checkpoint) and returns the file's lines.
  std::vector<std::string> writeEvents(int n, std::size_t checkpoint_every = 1000) {
    {
      auto log = openAuditLog(options(checkpoint_every), clock_);
      EXPECT_TRUE(log) << log.error().message;
      for (int i = 0; i < n; ++i) {
        log.value()->record({{"type", "tool_call"}, {"tool", "files.read"}, {"n", i}});
        clock_.advance(std::chrono::milliseconds(1500));
      }
    }
    return lines(readFile(options().path));
  }

  VerifyKey key() {
    auto k = VerifyKey::load(dir_.file("audit.key.pub"));
    EXPECT_TRUE(k) << k.error().message;
    return std::move(k).value();
  }

  VerifyResult verifyWithKey(const std::string& text) {
    VerifyKey k = key();
    return verifyLog(text, onlyKey(&k));
  }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(ChainTest, WrittenLogVerifies) {
  // A fresh log: seq from 1, prev of the first record is zeros, times from the injected clock.
  std::vector<std::string> ls = writeEvents(5);
  ASSERT_EQ(ls.size(), 6u);  // 5 events + the checkpoint at close
  EXPECT_EQ(parsed(ls[0]).at("seq").as_int64(), 1);
  EXPECT_EQ(parsed(ls[0]).at("prev").as_string(), kZeroHash);
  EXPECT_EQ(parsed(ls[0]).at("time").as_string(), rfc3339Millis(ManualClock().now()));
  EXPECT_EQ(parsed(ls[1]).at("time").as_string(),
            rfc3339Millis(ManualClock().now() + std::chrono::milliseconds(1500)));
  EXPECT_EQ(parsed(ls[1]).at("prev"), parsed(ls[0]).at("hash"));
  EXPECT_EQ(parsed(ls[5]).at("type"), "checkpoint");
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_TRUE(r.ok) << r.bad_line << ": " << r.problem;
  EXPECT_EQ(r.records, 6u);
  EXPECT_EQ(r.checkpoints, 1u);
  EXPECT_TRUE(r.signatures_checked);
  EXPECT_EQ(r.torn_line, 0u);
}

TEST_F(ChainTest, EditedRecordIsDetected) {
  // Changing one value of line 3 breaks its hash: line 3 is named.
  std::vector<std::string> ls = writeEvents(6);
  const std::size_t at = ls[2].find("files.read");
  ls[2].replace(at, 10, "files.exec");
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
  EXPECT_NE(r.problem.find("hash"), std::string::npos) << r.problem;
}

TEST_F(ChainTest, WhitespaceEditIsDetected) {
  // The same content with one space added is not the canonical line any more.
  std::vector<std::string> ls = writeEvents(4);
  ls[1].insert(1, " ");
  VerifyResult r = verifyLog(join(ls), {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 2u);
}

TEST_F(ChainTest, EditedRecordWithRecomputedHashIsDetectedAtTheNextLine) {
  // An attacker who also recomputes line 3's hash breaks line 4's prev link.
  std::vector<std::string> ls = writeEvents(6);
  boost::json::object r3 = parsed(ls[2]);
  r3["tool"] = "files.write";
  r3.erase("hash");
  r3["hash"] = recordHash(r3);
  ls[2] = canonicalJson(r3);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);
  EXPECT_NE(r.problem.find("prev"), std::string::npos) << r.problem;
}

TEST_F(ChainTest, RemovedRecordIsDetected) {
  // Dropping line 3 makes the new line 3 (old 4) out of sequence.
  std::vector<std::string> ls = writeEvents(6);
  ls.erase(ls.begin() + 2);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
  EXPECT_NE(r.problem.find("seq 4 where 3"), std::string::npos) << r.problem;
}

TEST_F(ChainTest, RemovedFirstRecordIsDetected) {
  // Even the first record cannot go: the file must start at seq 1 from the zero hash.
  std::vector<std::string> ls = writeEvents(3);
  ls.erase(ls.begin());
  VerifyResult r = verifyLog(join(ls), {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 1u);
}

TEST_F(ChainTest, ReorderedRecordsAreDetected) {
  // Swapping lines 3 and 4 is found at line 3.
  std::vector<std::string> ls = writeEvents(6);
  std::swap(ls[2], ls[3]);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
}

TEST_F(ChainTest, InsertedRecordIsDetected) {
  // A copy of a genuine record inserted as line 4 is found at line 4.
  std::vector<std::string> ls = writeEvents(6);
  ls.insert(ls.begin() + 3, ls[1]);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4u);
}

TEST_F(ChainTest, InsertedForgedRecordThatChainsIsDetectedAtTheNextLine) {
  // A forged record that links correctly to line 3 still leaves line 5 out of sequence.
  std::vector<std::string> ls = writeEvents(6);
  boost::json::object forged = parsed(ls[2]);
  forged["seq"] = 4;
  forged["prev"] = parsed(ls[2]).at("hash");
  forged.erase("hash");
  forged["hash"] = recordHash(forged);
  ls.insert(ls.begin() + 3, canonicalJson(forged));
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 5u);
}

TEST_F(ChainTest, ForgedCheckpointSignatureIsDetected) {
  // A checkpoint signed by another key (chain recomputed around it) fails with the real key.
  std::vector<std::string> ls = writeEvents(3, 2);  // checkpoints at lines 3 and 5
  auto attacker = SigningKey::loadOrCreate(dir_.file("attacker.key"));
  ASSERT_TRUE(attacker);
  boost::json::object cp = parsed(ls[2]);
  ASSERT_EQ(cp.at("type"), "checkpoint");
  const std::string forged_sig = crypto::base64UrlEncode(
      attacker.value().sign(checkpointMessage(2, std::string(cp.at("prev").as_string()))));
  cp["sig"] = forged_sig;
  ls[2] = canonicalJson(cp);
  rechain(ls, 2);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
  EXPECT_NE(r.problem.find("signature does not verify"), std::string::npos) << r.problem;
  // Without a key only the structure is judged, and the result says so.
  VerifyResult unkeyed = verifyLog(join(ls), {});
  EXPECT_TRUE(unkeyed.ok);
  EXPECT_FALSE(unkeyed.signatures_checked);
}

TEST_F(ChainTest, EveryBitFlipOfACheckpointSignatureIsDetected) {
  // Each single-bit change of the signature (chain recomputed) fails verification.
  std::vector<std::string> ls = writeEvents(1);
  ASSERT_EQ(ls.size(), 2u);
  const boost::json::object cp = parsed(ls[1]);
  const std::string sig = crypto::base64UrlDecode(cp.at("sig").as_string()).value();
  VerifyKey k = key();
  for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
    std::string flipped = sig;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    boost::json::object edited = cp;
    edited["sig"] = crypto::base64UrlEncode(flipped);
    std::vector<std::string> copy = ls;
    copy[1] = canonicalJson(edited);
    rechain(copy, 1);
    VerifyResult r = verifyLog(join(copy), onlyKey(&k));
    ASSERT_FALSE(r.ok) << "bit " << bit;
    ASSERT_EQ(r.bad_line, 2u);
  }
}

TEST_F(ChainTest, RewrittenChainIsCaughtByTheSignedCheckpoint) {
  // An attacker who edits line 1 and re-chains the rest passes the hash checks, not the
  // signature of the checkpoint that covered the original.
  std::vector<std::string> ls = writeEvents(4, 2);
  boost::json::object r1 = parsed(ls[0]);
  r1["tool"] = "sql.exec";
  ls[0] = canonicalJson(r1);
  rechain(ls, 0);
  EXPECT_TRUE(verifyLog(join(ls), {}).ok);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
}

TEST_F(ChainTest, CheckpointFromAnotherKeyIsNamed) {
  // A log verified with the wrong public key names the key mismatch.
  std::vector<std::string> ls = writeEvents(2);
  auto other = SigningKey::loadOrCreate(dir_.file("other.key"));
  ASSERT_TRUE(other);
  auto other_pub = VerifyKey::load(dir_.file("other.key.pub"));
  ASSERT_TRUE(other_pub);
  VerifyResult r = verifyLog(join(ls), onlyKey(&other_pub.value()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
  EXPECT_NE(r.problem.find("not by a given key ("), std::string::npos) << r.problem;
}

// The public keys in `dir` with these file names, in this order (fewer if one fails to load).
std::vector<VerifyKey> loadKeys(const testing::TempDir& dir, std::vector<std::string> names) {
  std::vector<VerifyKey> keys;
  for (const std::string& name : names) {
    auto k = VerifyKey::load(dir.file(name));
    EXPECT_TRUE(k) << name;
    if (k) {
      keys.push_back(std::move(k).value());
    }
  }
  return keys;
}

// Appends `n` events to the log signed with the key at `key_path` (created if missing).
void appendWithKey(AuditOptions o, const std::string& key_path, int n, ManualClock& clock) {
  o.key_path = key_path;
  auto log = openAuditLog(o, clock);
  ASSERT_TRUE(log) << log.error().message;
  for (int i = 0; i < n; ++i) {
    log.value()->record({{"type", "tool_call"}, {"tool", "files.read"}, {"n", i}});
  }
}

TEST_F(ChainTest, RotatedKeyVerifiesWithBothKeysOldestFirst) {
  // The signing key is replaced between two runs: the file verifies with the retired key and
  // its successor given in that order, but not with either alone.
  appendWithKey(options(2), dir_.file("old.key"), 3, clock_);
  appendWithKey(options(2), dir_.file("new.key"), 3, clock_);
  const std::vector<VerifyKey> ring = loadKeys(dir_, {"old.key.pub", "new.key.pub"});
  ASSERT_EQ(ring.size(), 2u);
  const std::string text = readFile(options().path);
  VerifyResult both = verifyLog(text, ring);
  EXPECT_TRUE(both.ok) << both.problem;
  EXPECT_GE(both.checkpoints, 4u);
  EXPECT_FALSE(verifyLog(text, onlyKey(&ring[0])).ok) << "the new checkpoints need the new key";
  EXPECT_FALSE(verifyLog(text, onlyKey(&ring[1])).ok) << "the old checkpoints need the old key";
  const std::vector<VerifyKey> reversed = loadKeys(dir_, {"new.key.pub", "old.key.pub"});
  EXPECT_FALSE(verifyLog(text, reversed).ok) << "the order states which key came first";
}

TEST_F(ChainTest, RetiredKeyCannotSignAfterItsSuccessor) {
  // Someone holding the retired key (it may have leaked) appends records and a checkpoint signed
  // with it after the successor's checkpoints: refused at that checkpoint.
  appendWithKey(options(2), dir_.file("old.key"), 2, clock_);
  appendWithKey(options(2), dir_.file("new.key"), 2, clock_);
  const std::size_t honest_lines = lines(readFile(options().path)).size();
  appendWithKey(options(2), dir_.file("old.key"), 2, clock_);
  const std::vector<VerifyKey> ring = loadKeys(dir_, {"old.key.pub", "new.key.pub"});
  ASSERT_EQ(ring.size(), 2u);
  VerifyResult r = verifyLog(readFile(options().path), ring);
  EXPECT_FALSE(r.ok);
  EXPECT_GT(r.bad_line, honest_lines);
  EXPECT_NE(r.problem.find("signed by retired key " + ring[0].keyId() + " after its successor " +
                           ring[1].keyId()),
            std::string::npos)
      << r.problem;
}

TEST_F(ChainTest, CheckpointsComeEveryNRecordsAndAtClose) {
  // checkpoint_every = 3 over 7 events: after events 3 and 6, and at close.
  std::vector<std::string> ls = writeEvents(7, 3);
  ASSERT_EQ(ls.size(), 10u);
  EXPECT_EQ(parsed(ls[3]).at("type"), "checkpoint");
  EXPECT_EQ(parsed(ls[3]).at("covers").as_int64(), 3);
  EXPECT_EQ(parsed(ls[7]).at("type"), "checkpoint");
  EXPECT_EQ(parsed(ls[9]).at("type"), "checkpoint");
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checkpoints, 3u);
  EXPECT_EQ(r.last_checkpoint_covers, 9u);
}

TEST_F(ChainTest, TruncatedLogVerifiesUpToLastCompleteRecord) {
  // A crash mid-write leaves half a line at the end: a warning, not a failure.
  const std::string text = join(writeEvents(4));
  const std::string cut = text.substr(0, text.size() - 40);
  VerifyResult r = verifyWithKey(cut);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.torn_line, 5u);
  EXPECT_EQ(r.last_good_line, 4u);
  EXPECT_EQ(r.records, 4u);
}

TEST_F(ChainTest, RecordTruncatedInTheMiddleIsDetected) {
  // Half of line 3 removed with the rest of the file intact: line 3 is named.
  std::vector<std::string> ls = writeEvents(5);
  ls[2].resize(ls[2].size() / 2);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
}

TEST_F(ChainTest, GarbageBetweenRecordsIsDetected) {
  // A non-JSON line followed by a normal record is not crash debris.
  std::vector<std::string> ls = writeEvents(3);
  ls.insert(ls.begin() + 1, "not json");
  VerifyResult r = verifyLog(join(ls), {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 2u);
}

TEST_F(ChainTest, ContinuingAnExistingLogKeepsTheChain) {
  // Close, reopen, record more: seq and prev go on, and the whole file verifies.
  writeEvents(3);
  std::vector<std::string> ls = writeEvents(2);
  ASSERT_EQ(ls.size(), 7u);  // 3 + checkpoint + 2 + checkpoint
  EXPECT_EQ(parsed(ls[4]).at("seq").as_int64(), 5);
  EXPECT_EQ(parsed(ls[4]).at("prev"), parsed(ls[3]).at("hash"));
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_TRUE(r.ok) << r.bad_line << ": " << r.problem;
  EXPECT_EQ(r.records, 7u);
  EXPECT_EQ(r.resumes, 0u);
}

TEST_F(ChainTest, ResumingAfterATornLineKeepsTheEvidence) {
  // Torn bytes from a crash stay in the file; a resume record accounts for them.
  const std::string before = join(writeEvents(2));
  const std::string torn = R"({"seq":4,"time":"2027-01-01T00:00)";
  writeFile(options().path, before + torn);
  std::vector<std::string> ls = writeEvents(1);
  const std::string text = readFile(options().path);
  EXPECT_EQ(text.substr(0, before.size() + torn.size()), before + torn);
  const boost::json::object resume = parsed(ls[4]);
  EXPECT_EQ(resume.at("type"), "resume");
  EXPECT_EQ(resume.at("torn_bytes").as_int64(), static_cast<std::int64_t>(torn.size() + 1));
  EXPECT_EQ(resume.at("seq").as_int64(), 4);
  EXPECT_EQ(resume.at("prev"), parsed(ls[2]).at("hash"));
  VerifyResult r = verifyWithKey(text);
  EXPECT_TRUE(r.ok) << r.bad_line << ": " << r.problem;
  EXPECT_EQ(r.resumes, 1u);
  EXPECT_EQ(r.torn_line, 0u);
}

TEST_F(ChainTest, ResumingTwiceAfterRepeatedCrashesVerifies) {
  // Debris after debris (a crash during recovery) is accounted for by one later resume record.
  writeEvents(1);
  writeFile(options().path, readFile(options().path) + "{\"partial\n{\"again");
  writeEvents(1);
  writeFile(options().path, readFile(options().path) + "{\"third");
  writeEvents(1);
  VerifyResult r = verifyWithKey(readFile(options().path));
  EXPECT_TRUE(r.ok) << r.bad_line << ": " << r.problem;
  EXPECT_EQ(r.resumes, 2u);
}

TEST_F(ChainTest, WholeRecordMissingOnlyItsNewlineIsContinued) {
  // A write cut just before "\n": the record is whole, so the writer ends the line and goes on.
  std::string text = join(writeEvents(2));
  text.pop_back();
  writeFile(options().path, text);
  EXPECT_EQ(verifyWithKey(text).torn_line, 3u);
  std::vector<std::string> ls = writeEvents(1);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_TRUE(r.ok) << r.bad_line << ": " << r.problem;
  EXPECT_EQ(r.resumes, 0u);
  EXPECT_EQ(r.records, 5u);
}

TEST_F(ChainTest, ResumeRecordThatMisstatesTheTornBytesIsDetected) {
  // A resume record is accepted only if it accounts for exactly the bytes before it.
  writeEvents(1);
  writeFile(options().path, readFile(options().path) + "{\"torn");
  std::vector<std::string> ls = writeEvents(1);
  ls.insert(ls.begin() + 2, "{\"more");  // debris the resume record does not cover
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
}

TEST_F(ChainTest, ResumeRecordWithoutTornBytesIsDetected) {
  // Deleting the torn bytes (evidence) before a resume record is detected at the resume line.
  writeEvents(1);
  writeFile(options().path, readFile(options().path) + "{\"torn");
  std::vector<std::string> ls = writeEvents(1);
  ls.erase(ls.begin() + 2);
  VerifyResult r = verifyWithKey(join(ls));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3u);
  EXPECT_NE(r.problem.find("no torn bytes"), std::string::npos) << r.problem;
}

TEST_F(ChainTest, RefusesToContinueAfterAnEditedLastRecord) {
  // Continuing after a last record that fails its checks would bury the tampering.
  std::vector<std::string> ls = writeEvents(2);
  ls.back().replace(ls.back().find("checkpoint"), 10, "checkpoinT");
  writeFile(options().path, join(ls));
  auto log = openAuditLog(options(), clock_);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, static_cast<int>(AuditError::CannotContinue));
}

TEST_F(ChainTest, CallerCannotForgeReservedFieldsOrTypes) {
  // An event's own seq/hash and a "checkpoint" type are kept under other names.
  {
    auto log = openAuditLog(options(), clock_);
    ASSERT_TRUE(log);
    log.value()->record({{"type", "checkpoint"}, {"seq", 99}, {"hash", "x"}, {"sig", "y"}});
    log.value()->record({{"tool", "no type"}});
  }
  std::vector<std::string> ls = lines(readFile(options().path));
  ASSERT_EQ(ls.size(), 3u);
  const boost::json::object r1 = parsed(ls[0]);
  EXPECT_EQ(r1.at("type"), "event_checkpoint");
  EXPECT_EQ(r1.at("event_seq").as_int64(), 99);
  EXPECT_EQ(r1.at("event_hash"), "x");
  EXPECT_EQ(r1.at("seq").as_int64(), 1);
  EXPECT_EQ(parsed(ls[1]).at("type"), "event");
  EXPECT_TRUE(verifyWithKey(join(ls)).ok);
}

TEST_F(ChainTest, UnrepresentableValuesStillVerify) {
  // Invalid UTF-8, control characters and doubles are made representable; the line verifies.
  {
    auto log = openAuditLog(options(), clock_);
    ASSERT_TRUE(log);
    log.value()->record({{"type", "auth"},
                         {"sub", std::string("bad\xff\xfe utf8 \x01\n\"q\"")},
                         {std::string("k\xc3"), 1.5}});
  }
  VerifyResult r = verifyWithKey(readFile(options().path));
  EXPECT_TRUE(r.ok) << r.bad_line << ": " << r.problem;
}

TEST_F(ChainTest, UnkeyedLogHasNoCheckpoints) {
  // Without key_path no checkpoint is written and the chain still verifies.
  AuditOptions o = options();
  o.key_path.clear();
  {
    auto log = openAuditLog(o, clock_);
    ASSERT_TRUE(log);
    log.value()->record({{"type", "config_load"}});
  }
  VerifyResult r = verifyLog(readFile(o.path), {});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.records, 1u);
  EXPECT_EQ(r.checkpoints, 0u);
}

TEST_F(ChainTest, EmptyFileVerifies) {
  // Nothing recorded yet is a valid (empty) log.
  VerifyResult r = verifyLog("", {});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.records, 0u);
}

}  // namespace
}  // namespace bastion::audit
