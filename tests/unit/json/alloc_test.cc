// A valid instance is validated without any heap allocation (validate() runs on every call).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "json/schema.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Counting replacements of the global allocation functions (this test binary only).
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace bastion::json {
namespace {

// Intent: the success path of a realistic tool-argument schema performs no allocation.
TEST(SchemaAllocation, ValidInstanceCostsNoAllocation) {
  CompileOptions options;
  options.assert_formats = true;
  auto compiled = CompiledSchema::compile(boost::json::parse(R"({
    "type": "object",
    "properties": {
      "query": {"type": "string", "minLength": 1, "maxLength": 500},
      "limit": {"type": "integer", "minimum": 1, "maximum": 100},
      "sort": {"enum": ["relevance", "date", "name"]},
      "filters": {"$ref": "#/$defs/filters"}},
    "$defs": {"filters": {"type": "object", "additionalProperties": false, "properties": {
      "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9-]{1,32}$"},
               "maxItems": 10, "uniqueItems": true},
      "after": {"type": "string", "format": "date"},
      "owner": {"type": "string", "format": "email"}}}},
    "required": ["query"],
    "additionalProperties": false})"), nullptr, options);
  ASSERT_TRUE(compiled.has_value());
  const auto instance = boost::json::parse(R"({"query": "rate limiter", "limit": 20,
      "sort": "date", "filters": {"tags": ["security", "mcp"], "after": "2026-01-31",
      "owner": "alice@example.com"}})");
  ASSERT_TRUE((*compiled)->validate(instance).valid);  // warms the per-thread scratch
  const long before = g_allocations.load();
  const auto result = (*compiled)->validate(instance);
  const long after = g_allocations.load();
  EXPECT_TRUE(result.valid);
  EXPECT_EQ(after - before, 0);
  // The failure path does allocate (the report), which the counter must be able to see.
  const auto bad = boost::json::parse(R"({"limit": 0})");
  EXPECT_FALSE((*compiled)->validate(bad).valid);
  EXPECT_GT(g_allocations.load(), after);
}

}  // namespace
}  // namespace bastion::json
