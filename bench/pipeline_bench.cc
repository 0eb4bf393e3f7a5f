// What the guards add to one tools/call, measured through the real Dispatcher: the same call of
// a tool returning 1 KiB of text, with every guard off ("bare") and with all of them on the way
// `bastion serve` configures them ("guarded": a per-caller-and-tool rate limit plus a per-client
// one, the redactor with one registered secret and the credential shapes, the output cap, and
// the audit log in each fsync mode). The difference between the two is the guard overhead the
// README quotes; everything else (JSON-RPC handling, schema validation, the tool) is common.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "core/random.h"
#include "guard/redactor.h"
#include "mcp/dispatcher.h"
#include "mcp/server.h"
#include "mcp/session.h"
#include "policy/rate_limit.h"

namespace {

namespace json = boost::json;
namespace mcp = bastion::mcp;

std::shared_ptr<const mcp::Server> makeServer() {
  mcp::ServerInfo info;
  info.name = "bench";
  info.version = "1";
  auto server = std::make_shared<mcp::Server>(std::move(info));
  const std::string body(1024, 'x');
  auto added = server->addTool(
      mcp::ToolBuilder("read")
          .description("Returns 1 KiB of text")
          .input(json::parse(R"({"type":"object","properties":{"path":{"type":"string",
                 "maxLength":4096}},"required":["path"]})"))
          .readOnly()
          .handler([body](const json::object&, mcp::CallContext&)
                       -> bastion::Result<mcp::ToolResult> { return mcp::ToolResult::text(body); })
          .build());
  if (!added) {
    abort();
  }
  return server;
}

json::value callMessage() {
  return json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
      "name":"read","arguments":{"path":"docs/notes.txt"},
      "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
               "io.modelcontextprotocol/clientCapabilities":{}}}})");
}

bastion::auth::Principal caller() {
  bastion::auth::Principal p;
  p.iss = "https://as.example";
  p.sub = "alice";
  p.client_id = "bc_bench";
  p.scopes = {"files:read"};
  return p;
}

struct TempDir {
  TempDir() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/bench-pipe-XXXXXX";
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

void run(benchmark::State& state, mcp::DispatcherOptions options) {
  auto sessions =
      std::make_shared<mcp::SessionStore>(mcp::SessionLimits{}, bastion::systemRandom());
  auto dispatcher = mcp::Dispatcher::create(makeServer(), sessions, std::move(options));
  const json::value message = callMessage();
  const bastion::auth::Principal principal = caller();
  for (auto _ : state) {
    mcp::Inbound in;
    in.message = message;
    in.principal = principal;
    auto result = dispatcher->handle(std::move(in));
    if (!result.response || result.response->as_object().contains("error")) {
      state.SkipWithError("the call failed");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}

void BM_ToolsCallBare(benchmark::State& state) { run(state, {}); }
BENCHMARK(BM_ToolsCallBare);

// range(0): the audit log's fsync mode (0 always, 1 batch, 2 never); -1: every guard but the audit
// log.
void BM_ToolsCallGuarded(benchmark::State& state) {
  namespace policy = bastion::policy;
  const TempDir dir;
  mcp::DispatcherOptions o;
  policy::RateLimitRules rules;
  // Generous: the benchmark measures the decision, not refusals.
  rules.per_principal_tool.emplace("read", policy::Rate{1'000'000'000, std::chrono::seconds(1), 0});
  rules.per_client = policy::Rate{1'000'000'000, std::chrono::seconds(1), 0};
  o.rate_limits = std::make_shared<const policy::RateLimits>(
      std::move(rules), policy::makeMemoryRateBackend(), bastion::systemClock());
  o.redactor = bastion::guard::makeRedactor({"sk_live_0123456789abcdefghij"});
  std::shared_ptr<bastion::audit::AuditLog> log;
  if (state.range(0) >= 0) {
    bastion::audit::AuditOptions a;
    a.path = dir.path + "/audit.jsonl";
    a.key_path = dir.path + "/audit.key";
    a.fsync = static_cast<bastion::audit::Fsync>(state.range(0));
    auto opened = bastion::audit::AuditLog::open(a, bastion::systemClock());
    if (!opened) {
      state.SkipWithError(opened.error().message.c_str());
      return;
    }
    log = std::move(opened).value();
    o.audit = log;
  }
  run(state, std::move(o));
  if (log) {
    log->flush();
  }
}
BENCHMARK(BM_ToolsCallGuarded)->Arg(-1)->Arg(0)->Arg(1)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
