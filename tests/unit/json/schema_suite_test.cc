// The official JSON-Schema-Test-Suite, draft 2020-12: every required test must pass.
#include <gtest/gtest.h>

#include <sstream>

#include "unit/json/suite_runner.h"

namespace bastion::json::testing {
namespace {

const std::filesystem::path kSuite = BASTION_JSON_SCHEMA_SUITE_DIR;

// Intent: 100% of the required draft2020-12 tests pass with remotes served from the registry.
TEST(JsonSchemaSuite, EveryRequiredTestPasses) {
  ASSERT_TRUE(std::filesystem::is_directory(kSuite / "tests/draft2020-12")) << kSuite;
  const auto registry = loadRemotes(kSuite);
  int passed = 0;
  int total = 0;
  std::ostringstream failures;
  for (const auto& rel : listFiles(kSuite / "tests/draft2020-12", false)) {
    const auto outcome = runFile(kSuite / "tests/draft2020-12" / rel, rel, registry, false);
    passed += outcome.passed;
    total += outcome.total;
    for (const auto& f : outcome.failures) {
      failures << rel << " | " << f.group << " | " << f.test << " | " << f.reason << "\n";
    }
  }
  EXPECT_GT(total, 1000);
  EXPECT_EQ(passed, total) << "failing required tests:\n" << failures.str();
}

// Intent: the optional tests run to completion (no crash); their results are only reported.
TEST(JsonSchemaSuite, OptionalTestsRunAndAreReported) {
  const auto registry = loadRemotes(kSuite);
  int passed = 0;
  int total = 0;
  for (const auto& rel : listFiles(kSuite / "tests/draft2020-12", true)) {
    const auto outcome = runFile(kSuite / "tests/draft2020-12" / rel, rel, registry,
                                 rel.starts_with("optional/format/"));
    passed += outcome.passed;
    total += outcome.total;
  }
  EXPECT_GT(total, 0);
  RecordProperty("optional_passed", passed);
  RecordProperty("optional_total", total);
}

}  // namespace
}  // namespace bastion::json::testing
