// The writer: fsync modes and group commit, many threads, back-pressure, files and keys created
// owner-only, one writer per file, and failing closed when the disk refuses a write.

#include "audit/audit_log.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <map>
#include <thread>

#include "audit/memory_sink.h"
#include "audit/verify.h"
#include "unit/audit/audit_test_util.h"

namespace bastion::audit {
namespace {

using testing::lines;
using testing::parsed;
using testing::readFile;

class AuditLogTest : public ::testing::Test {
 protected:
  AuditOptions options(Fsync mode) {
    AuditOptions o;
    o.path = dir_.file("audit.log");
    o.key_path = dir_.file("audit.key");
    o.fsync = mode;
    o.batch_interval = std::chrono::hours(1);
    return o;
  }

  std::shared_ptr<AuditLog> open(const AuditOptions& o) {
    auto log = AuditLog::open(o, clock_);
    EXPECT_TRUE(log) << log.error().message;
    return log ? log.value() : nullptr;
  }

  VerifyResult verifyFile() {
    auto key = VerifyKey::load(dir_.file("audit.key.pub"));
    EXPECT_TRUE(key);
    auto r = verifyLogFile(dir_.file("audit.log"), onlyKey(&key.value()));
    EXPECT_TRUE(r);
    return r.value();
  }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(AuditLogTest, AlwaysMakesEachRecordDurableBeforeRecordReturns) {
  // fsync=always: when record() returns the record is written and fsynced (one fsync per group).
  auto log = open(options(Fsync::Always));
  ASSERT_TRUE(log);
  for (int i = 1; i <= 5; ++i) {
    log->record({{"type", "tool_call"}, {"n", i}});
    const AuditLog::Stats s = log->stats();
    EXPECT_EQ(s.records, static_cast<std::uint64_t>(i));
    EXPECT_EQ(s.fsyncs, s.writes);
    EXPECT_EQ(lines(readFile(dir_.file("audit.log"))).size(), static_cast<std::size_t>(i));
  }
}

TEST_F(AuditLogTest, BatchDefersFsyncToTheInterval) {
  // fsync=batch with a long interval: writes happen, fsync only when a flush asks for it.
  auto log = open(options(Fsync::Batch));
  ASSERT_TRUE(log);
  for (int i = 0; i < 50; ++i) {
    log->record({{"type", "tool_call"}, {"n", i}});
  }
  log->flush();
  const AuditLog::Stats s = log->stats();
  EXPECT_EQ(s.records, 50u);
  EXPECT_GE(s.writes, 1u);
  EXPECT_EQ(s.fsyncs, 1u);
}

TEST_F(AuditLogTest, BatchGathersRecordsIntoOneWriteUntilTheWriteDelay) {
  // With a long write_delay the writer, woken by the first record, waits for more: the records
  // of a burst leave in one write (one wake-up), at the latest when a flush asks for them.
  AuditOptions o = options(Fsync::Batch);
  o.write_delay = std::chrono::hours(1);
  auto log = open(o);
  ASSERT_TRUE(log);
  for (int i = 0; i < 10; ++i) {
    log->record({{"type", "tool_call"}, {"n", i}});
  }
  log->flush();
  const AuditLog::Stats s = log->stats();
  EXPECT_EQ(s.records, 10u);
  EXPECT_EQ(s.writes, 1u);
  EXPECT_EQ(lines(readFile(dir_.file("audit.log"))).size(), 10u);
}

TEST_F(AuditLogTest, BatchWithZeroIntervalFsyncsEveryGroup) {
  // An interval of zero makes batch behave like always for durability, without the waiting.
  AuditOptions o = options(Fsync::Batch);
  o.batch_interval = std::chrono::milliseconds(0);
  auto log = open(o);
  ASSERT_TRUE(log);
  for (int i = 0; i < 20; ++i) {
    log->record({{"type", "tool_call"}, {"n", i}});
  }
  log->flush();
  const AuditLog::Stats s = log->stats();
  EXPECT_EQ(s.records, 20u);
  EXPECT_EQ(s.fsyncs, s.writes);
}

TEST_F(AuditLogTest, NeverDoesNotFsync) {
  // fsync=never: records are written, never fsynced, not even on flush.
  auto log = open(options(Fsync::Never));
  ASSERT_TRUE(log);
  for (int i = 0; i < 20; ++i) {
    log->record({{"type", "tool_call"}, {"n", i}});
  }
  log->flush();
  EXPECT_EQ(log->stats().records, 20u);
  EXPECT_EQ(log->stats().fsyncs, 0u);
  EXPECT_EQ(lines(readFile(dir_.file("audit.log"))).size(), 20u);
}

TEST_F(AuditLogTest, ManyThreadsRecordWithoutLossOrDisorder) {
  // 8 threads x 400 events: every event once, each thread's in its call order, chain intact.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 400;
  AuditOptions o = options(Fsync::Batch);
  o.checkpoint_every = 100;
  {
    auto log = open(o);
    ASSERT_TRUE(log);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kPerThread; ++i) {
          log->record({{"type", "tool_call"}, {"thread", t}, {"i", i}});
        }
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
  }
  std::map<std::int64_t, std::int64_t> next;  // thread -> next expected i
  for (const std::string& line : lines(readFile(dir_.file("audit.log")))) {
    const boost::json::object r = parsed(line);
    if (r.at("type") == "tool_call") {
      const std::int64_t t = r.at("thread").as_int64();
      EXPECT_EQ(r.at("i").as_int64(), next[t]++);
    }
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(next[t], kPerThread);
  }
  const VerifyResult v = verifyFile();
  EXPECT_TRUE(v.ok) << v.bad_line << ": " << v.problem;
  EXPECT_EQ(v.checkpoints, static_cast<std::size_t>(kThreads * kPerThread / 100));
}

TEST_F(AuditLogTest, ManyThreadsWithAlwaysShareFsyncs) {
  // Group commit: concurrent callers under fsync=always all get durable records.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  auto log = open(options(Fsync::Always));
  ASSERT_TRUE(log);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kPerThread; ++i) {
        log->record({{"type", "tool_call"}, {"thread", t}, {"i", i}});
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  const AuditLog::Stats s = log->stats();
  EXPECT_EQ(s.records, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(s.fsyncs, s.writes);
  EXPECT_LE(s.writes, s.records);
}

TEST_F(AuditLogTest, FullQueueBlocksInsteadOfDropping) {
  // A queue of one: callers wait for the writer; nothing is lost.
  AuditOptions o = options(Fsync::Never);
  o.queue_capacity = 1;
  {
    auto log = open(o);
    ASSERT_TRUE(log);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&log] {
        for (int i = 0; i < 250; ++i) {
          log->record({{"type", "tool_call"}});
        }
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
  }
  const VerifyResult v = verifyFile();
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.records, 1001u);  // + the closing checkpoint
}

TEST_F(AuditLogTest, LogAndKeyAreOwnerOnlyAndPublicKeyIsWritten) {
  // The log and the private key are created 0600; the public key lands beside the key.
  ::umask(022);
  auto log = open(options(Fsync::Never));
  ASSERT_TRUE(log);
  struct stat st {};
  ASSERT_EQ(::stat(dir_.file("audit.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.file("audit.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(VerifyKey::load(dir_.file("audit.key.pub")));
  EXPECT_NE(readFile(dir_.file("audit.key")).find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST_F(AuditLogTest, RefusesAGroupReadableSigningKey) {
  // A signing key others can read could forge checkpoints: refused, as ssh refuses such keys.
  { ASSERT_TRUE(open(options(Fsync::Never))); }
  ASSERT_EQ(::chmod(dir_.file("audit.key").c_str(), 0640), 0);
  auto log = AuditLog::open(options(Fsync::Never), clock_);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, static_cast<int>(AuditError::BadKey));
  EXPECT_NE(log.error().message.find("chmod 600"), std::string::npos);
}

TEST_F(AuditLogTest, RefusesAKeyThatIsNotEd25519) {
  // A PEM file of another kind is not used as the signing key.
  testing::writeFile(dir_.file("audit.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n");
  ASSERT_EQ(::chmod(dir_.file("audit.key").c_str(), 0600), 0);
  auto log = AuditLog::open(options(Fsync::Never), clock_);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, static_cast<int>(AuditError::BadKey));
}

TEST_F(AuditLogTest, ReopeningKeepsTheSameKey) {
  // The key is created once; a second open loads it (same key_id in both checkpoints).
  for (const char* type : {"a", "b"}) {
    auto log = open(options(Fsync::Never));
    ASSERT_TRUE(log);
    log->record({{"type", type}});
  }
  const std::vector<std::string> ls = lines(readFile(dir_.file("audit.log")));
  ASSERT_EQ(ls.size(), 4u);
  EXPECT_EQ(parsed(ls[1]).at("key_id"), parsed(ls[3]).at("key_id"));
  EXPECT_TRUE(verifyFile().ok);
}

TEST_F(AuditLogTest, SecondWriterOnTheSameFileIsRefused) {
  // Two writers would interleave two chains; the second open is refused while the first lives.
  auto first = open(options(Fsync::Never));
  ASSERT_TRUE(first);
  auto second = AuditLog::open(options(Fsync::Never), clock_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, static_cast<int>(AuditError::InUse));
}

TEST_F(AuditLogTest, RefusesANonRegularFile) {
  // A directory (or a device) is not an audit log.
  AuditOptions o = options(Fsync::Never);
  o.path = dir_.file("");
  auto log = AuditLog::open(o, clock_);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, static_cast<int>(AuditError::CannotOpen));
}

// Runs in a forked child: a file size limit makes the writer's write() fail with EFBIG.
void recordPastTheFileSizeLimit(const AuditOptions& o, const Clock& clock) {
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{4096, 4096};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  auto log = AuditLog::open(o, clock);
  if (!log) {
    _exit(10);
  }
  const std::string big(1024, 'x');
  for (int i = 0; i < 64; ++i) {
    log.value()->record({{"type", "tool_call"}, {"pad", big}});
  }
  log.value()->flush();
  _exit(11);  // not reached when the failure is handled
}

TEST_F(AuditLogTest, WriteFailureCallsOnFailure) {
  // The disk refusing a write reaches the owner's callback with the reason.
  AuditOptions o = options(Fsync::Always);
  o.on_failure = [](const Error& e) {
    _exit(e.code == static_cast<int>(AuditError::WriteFailed) ? 3 : 4);
  };
  EXPECT_EXIT(recordPastTheFileSizeLimit(o, clock_), ::testing::ExitedWithCode(3), "");
}

TEST_F(AuditLogTest, WriteFailureWithoutOnFailureAborts) {
  // Fail closed: with nobody to tell, the process stops rather than run unaudited.
  EXPECT_DEATH(recordPastTheFileSizeLimit(options(Fsync::Batch), clock_), "write failed");
}

TEST(ParseFsyncTest, AcceptsExactlyTheThreeModes) {
  // The config strings map to modes; anything else (case included) is refused.
  EXPECT_EQ(parseFsync("always"), Fsync::Always);
  EXPECT_EQ(parseFsync("batch"), Fsync::Batch);
  EXPECT_EQ(parseFsync("never"), Fsync::Never);
  EXPECT_FALSE(parseFsync("Always"));
  EXPECT_FALSE(parseFsync(""));
}

TEST(MemorySinkTest, KeepsEventsInOrder) {
  // The test sink returns exactly what was recorded, in order.
  MemorySink sink;
  AuditSink& as_sink = sink;
  as_sink.record({{"type", "a"}});
  as_sink.record({{"type", "b"}, {"x", 1}});
  ASSERT_EQ(sink.size(), 2u);
  EXPECT_EQ(sink.events()[1].at("x").as_int64(), 1);
  sink.clear();
  EXPECT_EQ(sink.size(), 0u);
}

}  // namespace
}  // namespace bastion::audit
