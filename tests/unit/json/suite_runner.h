#pragma once
// Runs files of the official JSON-Schema-Test-Suite (draft 2020-12) against bastion::json.

#include <filesystem>
#include <string>
#include <vector>

#include "json/schema.h"

namespace bastion::json::testing {

struct SuiteFailure {
  std::string group;
  std::string test;  // empty when the group's schema did not compile
  std::string reason;
};

struct FileOutcome {
  std::string file;  // relative to tests/draft2020-12/
  int passed = 0;
  int total = 0;
  std::vector<SuiteFailure> failures;
};

// Every document of `remotes/`, under http://localhost:1234/<relative path>.
SchemaRegistry loadRemotes(const std::filesystem::path& suite_root);

FileOutcome runFile(const std::filesystem::path& file, const std::string& relative,
                    const SchemaRegistry& registry, bool assert_formats);

// The test files below `dir` (recursively), sorted, as relative paths.
std::vector<std::string> listFiles(const std::filesystem::path& dir, bool include_optional);

}  // namespace bastion::json::testing
