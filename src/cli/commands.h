#pragma once
// The subcommands of `bastion`. Each file registers its options on the CLI11 app and runs.
// Exit codes: 0 success; 1 the checked thing is invalid (config errors, instance invalid);
// 2 unusable input (unreadable file, unusable schema, bad usage); 74 (EX_IOERR) `serve` stopped
// because its audit log could not be written.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace bastion::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUnusable = 2;
inline constexpr int kExitAuditFailed = 74;

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

// Where the embedded authorization server keeps clients, users, grants and signing keys when
// neither the configuration nor --store says otherwise.
inline constexpr std::string_view kDefaultStoreUrl = "sqlite://./bastion-data/bastion.db";

struct TokenOptions {  // bastion token issue
  std::string config;     // empty: the embedded default
  std::string store_url;  // empty: the configuration's [store] url
  std::string sub;
  std::string scope;  // space-separated
  std::string ttl;    // "10m"
  std::string client_id;
};
CLI::App* addTokenCommand(CLI::App& app, TokenOptions& options);
int runTokenIssue(const TokenOptions& options);

struct ClientsOptions {  // bastion clients add|list|remove
  enum class Action { Add, List, Remove };
  Action action = Action::List;
  std::string config;     // empty: the embedded default
  std::string store_url;  // empty: the configuration's [store] url
  std::string name;       // add
  std::vector<std::string> redirect_uris;
  bool confidential = false;
  std::vector<std::string> scopes;
  std::string client_id;  // remove
};
CLI::App* addClientsCommand(CLI::App& app, ClientsOptions& options);
int runClients(const ClientsOptions& options);

struct UsersOptions {  // bastion users add|remove|revoke-consent (as-web)
  enum class Action { Add, Remove, RevokeConsent };
  Action action = Action::Add;
  std::string store_url;
  std::string name;
  std::string client_id;  // revoke-consent
};
CLI::App* addUsersCommand(CLI::App& app, UsersOptions& options);
int runUsers(const UsersOptions& options);

struct AuditVerifyOptions {  // bastion audit verify FILE [--key PUB ...]
  std::string file;
  std::vector<std::string> keys;  // oldest first; empty: checkpoint signatures are not checked
};
CLI::App* addAuditCommand(CLI::App& app, AuditVerifyOptions& options);
int runAuditVerify(const AuditVerifyOptions& options);

struct SandboxOptions {  // bastion sandbox probe [--json]
  bool json = false;
};
CLI::App* addSandboxCommand(CLI::App& app, SandboxOptions& options);
int runSandboxProbe(const SandboxOptions& options);

}  // namespace bastion::cli
