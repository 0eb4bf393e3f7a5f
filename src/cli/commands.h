#pragma once
// The subcommands of `bastion`. Each file registers its options on the CLI11 app and runs.
// Exit codes: 0 success; 1 the checked thing is invalid (config errors, instance invalid);
// 2 unusable input (unreadable file, unusable schema, bad usage).

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace bastion::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUnusable = 2;

struct ServeOptions {
  std::string config;  // empty: the embedded default
  bool stdio = false;
  std::string listen;  // empty: from the config
};
CLI::App* addServeCommand(CLI::App& app, ServeOptions& options);
int runServe(const ServeOptions& options);

struct CheckOptions {
  std::string config;  // empty: the embedded default
};
CLI::App* addCheckCommand(CLI::App& app, CheckOptions& options);
int runCheck(const CheckOptions& options);

struct ValidateOptions {
  std::string schema;
  std::string instance;  // empty: only check the schema; "-": standard input
  bool formats = false;
};
CLI::App* addValidateCommand(CLI::App& app, ValidateOptions& options);
int runValidate(const ValidateOptions& options);

}  // namespace bastion::cli
