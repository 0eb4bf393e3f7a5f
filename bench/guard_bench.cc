// Per-call cost of the guards around a tool call: redaction of a 1 KiB result holding (or not)
// 5 registered secrets, and rate-limit admission with all three rules (one key per rule, one
// caller or 10,000 callers, 1 or 2 threads).
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "guard/redactor.h"
#include "policy/rate_limit.h"

namespace {

using namespace bastion;

const std::vector<std::string> kSecrets = {
    "sk_live_51H8x2eZvKYlo2C0a1b2c3d4", "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "xoxb-123456789012-abcdefghijklmno", "postgres-password-Sup3rS3cret!",
    "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"};

// A 1 KiB JSON-ish tool result; with `secrets`, each secret appears once in it.
std::string result(bool secrets) {
  std::string text = R"({"rows":[)";
  for (int i = 0; text.size() < 1000; ++i) {
    text += R"({"id":)" + std::to_string(i) + R"(,"name":"customer )" + std::to_string(i) +
            R"(","email":"user)" + std::to_string(i) + R"(@example.com","note":")";
    text += secrets && i < 5 ? kSecrets[static_cast<std::size_t>(i)] : "nothing to see here";
    text += R"("},)";
  }
  text.resize(1021);
  return text + "]}";
}

void redactText(benchmark::State& state) {
  const auto redactor = guard::makeRedactor(kSecrets, {.shapes = true});
  const std::string input = result(state.range(0) != 0);
  for (auto _ : state) {
    std::string text = input;
    benchmark::DoNotOptimize(redactor->redact(text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(input.size()));
}
BENCHMARK(redactText)->ArgName("with_secrets")->Arg(0)->Arg(1);

// Cost per KiB as the number of registered secrets grows (and with shapes off), no match.
void redactTextScaling(benchmark::State& state) {
  std::vector<std::string> secrets = kSecrets;
  for (std::int64_t i = 5; i < state.range(0); ++i) {
    secrets.push_back("generated-secret-value-" + std::to_string(i * 7919));
  }
  const auto redactor = guard::makeRedactor(secrets, {.shapes = state.range(1) != 0});
  const std::string input = result(false);
  for (auto _ : state) {
    std::string text = input;
    benchmark::DoNotOptimize(redactor->redact(text));
  }
}
BENCHMARK(redactTextScaling)
    ->ArgNames({"secrets", "shapes"})
    ->Args({5, 0})
    ->Args({50, 1})
    ->Args({200, 1});

void redactJson(benchmark::State& state) {
  const auto redactor = guard::makeRedactor(kSecrets, {.shapes = true});
  const std::string input = result(state.range(0) != 0);
  boost::json::object rows;
  for (int i = 0; i < 20; ++i) {
    rows["field" + std::to_string(i)] = input.substr(static_cast<std::size_t>(i) * 50, 50);
  }
  const boost::json::value original = rows;
  for (auto _ : state) {
    boost::json::value v = original;
    benchmark::DoNotOptimize(redactor->redact(v));
  }
}
BENCHMARK(redactJson)->ArgName("with_secrets")->Arg(0)->Arg(1);

// The copy of the value that redactJson makes each iteration, to subtract from it.
void copyJsonBaseline(benchmark::State& state) {
  const std::string input = result(false);
  boost::json::object rows;
  for (int i = 0; i < 20; ++i) {
    rows["field" + std::to_string(i)] = input.substr(static_cast<std::size_t>(i) * 50, 50);
  }
  const boost::json::value original = rows;
  for (auto _ : state) {
    boost::json::value v = original;
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(copyJsonBaseline);

struct Limits {
  policy::RateLimits limits;
  static policy::RateLimitRules rules() {
    policy::RateLimitRules r;
    const policy::Rate generous{1'000'000'000, std::chrono::seconds(1), 1'000'000};
    r.per_principal_tool.emplace("sql.query", generous);
    r.per_tool.emplace("sql.query", generous);
    r.per_client = generous;
    return r;
  }
  Limits() : limits(rules(), policy::makeMemoryRateBackend(), systemClock()) {}
};

void admit(benchmark::State& state) {
  static Limits shared;  // one table for all threads of a run
  std::vector<auth::Principal> callers;
  const auto count = static_cast<int>(state.range(0));
  for (int i = 0; i < count; ++i) {
    callers.push_back({"https://issuer.example",
                       "user-" + std::to_string(i) + "-" + std::to_string(state.thread_index()),
                       "client-" + std::to_string(i % 50),
                       {}});
  }
  std::size_t next = 0;
  for (auto _ : state) {
    const auto d = shared.limits.admit(callers[next], "sql.query");
    benchmark::DoNotOptimize(d);
    next = next + 1 == callers.size() ? 0 : next + 1;
  }
}
BENCHMARK(admit)->ArgName("callers")->Arg(1)->Arg(10'000)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
