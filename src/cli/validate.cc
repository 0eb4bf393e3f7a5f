// `bastion validate`: check a JSON instance against a JSON Schema (draft 2020-12) with the same
// validator the server uses for tool arguments. Exit 0 valid, 1 invalid, 2 unusable input.

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "json/schema.h"

namespace bastion::cli {
namespace {

// Files here are the user's own; the depth bound only keeps the parser's memory sane. The
// validator applies its own, stricter limits.
constexpr std::size_t kMaxFileDepth = 10000;

// Reads and parses a JSON file ("-" is standard input); prints why not and returns nullopt.
std::optional<boost::json::value> readJson(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file.is_open()) {
      std::cerr << path << ": cannot read the file\n";
      return std::nullopt;
    }
    text << file.rdbuf();  // an empty file reads as "" and fails to parse below
  }
  boost::json::parse_options options;
  options.max_depth = kMaxFileDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text.str(), ec, {}, options);
  if (ec) {
    std::cerr << (path == "-" ? "<stdin>" : path) << ": not JSON: " << ec.message() << "\n";
    return std::nullopt;
  }
  return value;
}

}  // namespace

CLI::App* addValidateCommand(CLI::App& app, ValidateOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Validate a JSON instance against a JSON Schema (draft 2020-12).\n"
      "Exit 0 valid, 1 invalid (each failure printed as 'pointer: reason'), 2 unusable schema\n"
      "or unreadable input. Without INSTANCE only the schema is checked.");
  cmd->add_option("-s,--schema", options.schema, "The JSON Schema file")->required();
  cmd->add_option("instance", options.instance, "The JSON instance file, or - for stdin");
  cmd->add_flag("--formats", options.formats,
                "Assert `format` (email, uri, date-time, uuid, ipv4, ...) instead of annotating");
  return cmd;
}

int runValidate(const ValidateOptions& options) {
  auto schema_json = readJson(options.schema);
  if (!schema_json) {
    return kExitUnusable;
  }
  json::CompileOptions compile;
  compile.assert_formats = options.formats;
  auto schema = json::CompiledSchema::compile(*schema_json, nullptr, compile);
  if (!schema) {
    std::cerr << options.schema << ": unusable schema: " << schema.error().message << "\n";
    return kExitUnusable;
  }
  if (options.instance.empty()) {
    std::cout << "schema OK\n";
    return kExitOk;
  }
  auto instance = readJson(options.instance);
  if (!instance) {
    return kExitUnusable;
  }
  json::ValidationResult result = (*schema)->validate(*instance);
  if (result.valid) {
    std::cout << "valid\n";
    return kExitOk;
  }
  std::cout << "invalid\n";
  for (const json::ValidationError& e : result.errors) {
    std::cout << (e.instance_pointer.empty() ? "(root)" : e.instance_pointer) << ": " << e.message
              << "\n";
  }
  if (result.limit_exceeded) {
    std::cout << "(validation stopped at a limit)\n";
  }
  return kExitInvalid;
}

}  // namespace bastion::cli
