// Cost of auditing one tool call: building the record (digest of the arguments) and record()
// as the caller sees it in each fsync mode (the writer thread formats, chains and writes
// concurrently; a full queue makes record() wait, so sustained rates include the writer).
// Also the verifier's speed per record.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/audit_log.h"
#include "audit/verify.h"

namespace {

namespace audit = bastion::audit;

const boost::json::object& arguments() {
  static const boost::json::object args =
      boost::json::parse(R"({"path":"docs/design/rate-limits.md","max_bytes":65536,)"
                         R"("encoding":"utf-8","lines":{"from":1,"to":200}})")
          .as_object();
  return args;
}

boost::json::object sampleEvent() {
  static const std::vector<std::string> identifiers{"path"};
  audit::ToolCallEvent e;
  e.request_id = "7f3c2a";
  e.sub = "alice@example.com";
  e.client_id = "bc_4f2a9c0d1e";
  e.tool = "files.read";
  e.arguments = &arguments();
  e.identifiers = &identifiers;
  e.outcome = "ok";
  e.latency = std::chrono::microseconds(87);
  return audit::toolCallRecord(e);
}

struct TempLog {
  TempLog() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/bench-audit-XXXXXX";
    dir = mkdtemp(tmpl.data());
  }
  ~TempLog() { std::filesystem::remove_all(dir); }
  std::string dir;
};

void BM_ToolCallRecord(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(sampleEvent());
  }
}
BENCHMARK(BM_ToolCallRecord);

// One shared log per benchmark run; threads (when > 1) record concurrently.
std::shared_ptr<audit::AuditLog> g_log;
std::unique_ptr<TempLog> g_dir;

void BM_Record(benchmark::State& state) {
  const auto mode = static_cast<audit::Fsync>(state.range(0));
  if (state.thread_index() == 0) {
    g_dir = std::make_unique<TempLog>();
    audit::AuditOptions o;
    o.path = g_dir->dir + "/audit.log";
    o.key_path = g_dir->dir + "/audit.key";
    o.fsync = mode;
    o.checkpoint_every = 1000;
    g_log = audit::AuditLog::open(o, bastion::systemClock()).value();
  }
  const boost::json::object event = sampleEvent();
  for (auto _ : state) {
    g_log->record(event);
  }
  if (state.thread_index() == 0) {
    g_log->flush();
    const audit::AuditLog::Stats s = g_log->stats();
    state.counters["records_per_write"] =
        static_cast<double>(s.records) / static_cast<double>(std::max<std::uint64_t>(s.writes, 1));
    state.counters["fsyncs"] = static_cast<double>(s.fsyncs);
    g_log.reset();
    g_dir.reset();
  }
}
// 0 Always, 1 Batch, 2 Never (enum order).
BENCHMARK(BM_Record)->Arg(0)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_Record)->Arg(0)->Arg(1)->Threads(4)->UseRealTime();

void BM_VerifyPerRecord(benchmark::State& state) {
  TempLog dir;
  audit::AuditOptions o;
  o.path = dir.dir + "/audit.log";
  o.key_path = dir.dir + "/audit.key";
  o.fsync = audit::Fsync::Never;
  constexpr int kRecords = 10000;
  {
    auto log = audit::AuditLog::open(o, bastion::systemClock()).value();
    const boost::json::object event = sampleEvent();
    for (int i = 0; i < kRecords; ++i) {
      log->record(event);
    }
  }
  std::ifstream f(o.path, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  const std::string bytes = text.str();
  auto key = audit::VerifyKey::load(o.key_path + ".pub").value();
  for (auto _ : state) {
    const audit::VerifyResult r = audit::verifyLog(bytes, audit::onlyKey(&key));
    if (!r.ok) {
      state.SkipWithError("log does not verify");
    }
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_VerifyPerRecord)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
