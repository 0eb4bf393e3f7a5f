#include "unit/json/suite_runner.h"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bastion::json::testing {
namespace {

boost::json::value readJson(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = boost::json::parse(ss.str(), ec);
  if (ec) throw std::runtime_error("cannot parse " + path.string() + ": " + ec.message());
  return v;
}

}  // namespace

SchemaRegistry loadRemotes(const std::filesystem::path& suite_root) {
  SchemaRegistry registry;
  const auto remotes = suite_root / "remotes";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(remotes)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const auto rel = std::filesystem::relative(entry.path(), remotes).generic_string();
    if (auto r = registry.add("http://localhost:1234/" + rel, readJson(entry.path())); !r) {
      throw std::runtime_error("registry rejected remote " + rel + ": " + r.error().message);
    }
  }
  return registry;
}

std::vector<std::string> listFiles(const std::filesystem::path& dir, bool include_optional) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    auto rel = std::filesystem::relative(entry.path(), dir).generic_string();
    if (rel.starts_with("optional/") != include_optional) continue;
    files.push_back(std::move(rel));
  }
  std::sort(files.begin(), files.end());
  return files;
}

FileOutcome runFile(const std::filesystem::path& file, const std::string& relative,
                    const SchemaRegistry& registry, bool assert_formats) {
  FileOutcome out;
  out.file = relative;
  CompileOptions options;
  options.assert_formats = assert_formats;
  const auto document = readJson(file);
  for (const auto& group_value : document.as_array()) {
    const auto& group = group_value.as_object();
    const std::string description(group.at("description").as_string());
    const auto& tests = group.at("tests").as_array();
    auto compiled = CompiledSchema::compile(group.at("schema"), &registry, options);
    for (const auto& test_value : tests) {
      const auto& test = test_value.as_object();
      const std::string name(test.at("description").as_string());
      const bool expected = test.at("valid").as_bool();
      ++out.total;
      if (!compiled) {
        out.failures.push_back({description, name, "schema rejected: " + compiled.error().message});
        continue;
      }
      const auto result = (*compiled)->validate(test.at("data"));
      if (result.valid == expected) {
        ++out.passed;
        continue;
      }
      std::string reason = expected ? "rejected a valid instance" : "accepted an invalid instance";
      if (!result.errors.empty()) {
        reason += " (" + result.errors.front().schema_pointer + ": " +
                  result.errors.front().message + ")";
      }
      out.failures.push_back({description, name, reason});
    }
  }
  return out;
}

}  // namespace bastion::json::testing
