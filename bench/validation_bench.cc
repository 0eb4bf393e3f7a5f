// Cost of validating one realistic tool-call argument object against a compiled schema.
#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>

#include <cstdlib>

#include "json/schema.h"

namespace {

// A search tool's input: typical of what a model sends on every call.
constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "query": {"type": "string", "minLength": 1, "maxLength": 500},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "sort": {"enum": ["relevance", "date", "name"]},
    "filters": {
      "type": "object",
      "properties": {
        "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9-]{1,32}$"},
                 "maxItems": 10, "uniqueItems": true},
        "after": {"type": "string", "format": "date"},
        "owner": {"type": "string", "format": "email"}
      },
      "additionalProperties": false
    }
  },
  "required": ["query"],
  "additionalProperties": false
})";

constexpr const char* kInstance = R"({
  "query": "rate limiter design", "limit": 20, "sort": "date",
  "filters": {"tags": ["security", "mcp", "gcra"], "after": "2026-01-31",
              "owner": "alice@example.com"}
})";

std::shared_ptr<const bastion::json::CompiledSchema> compiled(bool formats) {
  bastion::json::CompileOptions opts;
  opts.assert_formats = formats;
  auto schema = bastion::json::CompiledSchema::compile(boost::json::parse(kSchema), nullptr, opts);
  if (!schema) {
    std::abort();
  }
  return *schema;
}

void BM_ValidateToolArguments(benchmark::State& state) {
  const auto schema = compiled(state.range(0) != 0);
  const auto instance = boost::json::parse(kInstance);
  for (auto _ : state) {
    auto r = schema->validate(instance);
    benchmark::DoNotOptimize(r);
    if (!r.valid) {
      state.SkipWithError("instance unexpectedly invalid");
      break;
    }
  }
}
BENCHMARK(BM_ValidateToolArguments)->Arg(0)->Arg(1)->ArgName("formats");

void BM_ParseAndValidate(benchmark::State& state) {
  const auto schema = compiled(false);
  for (auto _ : state) {
    auto r = schema->validate(boost::json::parse(kInstance));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseAndValidate);

void BM_CompileSchema(benchmark::State& state) {
  const auto doc = boost::json::parse(kSchema);
  for (auto _ : state) {
    auto s = bastion::json::CompiledSchema::compile(doc);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_CompileSchema);

}  // namespace

BENCHMARK_MAIN();
