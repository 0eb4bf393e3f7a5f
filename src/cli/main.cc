// bastion: a hardened MCP server. `bastion --help` lists the subcommands; each has --help.

#include <CLI/CLI.hpp>
#include <sys/resource.h>

#include <csignal>
#include <iostream>

#include "cli/commands.h"

namespace {

constexpr const char* kVersion = BASTION_VERSION;

}  // namespace

int main(int argc, char** argv) {
  // A client that closes its end of a pipe or socket must become a failed write, not a signal
  // that kills the server mid-response.
  std::signal(SIGPIPE, SIG_IGN);
  // No core files: this process holds secrets (downstream API keys, signing keys, tokens), and a
  // core dump would write them to disk. systemd-coredump honours the limit too.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);

  CLI::App app{"Bastion: a hardened Model Context Protocol server", "bastion"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("bastion ") + kVersion);

  bastion::cli::ServeOptions serve;
  bastion::cli::CheckOptions check;
  bastion::cli::ValidateOptions validate;
  bastion::cli::TokenOptions token;
  bastion::cli::ClientsOptions clients;
  bastion::cli::UsersOptions users;
  bastion::cli::AuditVerifyOptions audit;
  bastion::cli::SandboxOptions sandbox;
  CLI::App* serve_cmd = bastion::cli::addServeCommand(app, serve);
  CLI::App* check_cmd = bastion::cli::addCheckCommand(app, check);
  CLI::App* validate_cmd = bastion::cli::addValidateCommand(app, validate);
  CLI::App* token_cmd = bastion::cli::addTokenCommand(app, token);
  CLI::App* clients_cmd = bastion::cli::addClientsCommand(app, clients);
  CLI::App* users_cmd = bastion::cli::addUsersCommand(app, users);
  CLI::App* audit_cmd = bastion::cli::addAuditCommand(app, audit);
  CLI::App* sandbox_cmd = bastion::cli::addSandboxCommand(app, sandbox);
  CLI::App* version_cmd = app.add_subcommand("version", "Print the version and exit");

  // CLI11 reports usage problems by exception; this is the one place they are caught.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? bastion::cli::kExitOk : bastion::cli::kExitUnusable;
  }

  if (serve_cmd->parsed()) {
    return bastion::cli::runServe(serve);
  }
  if (check_cmd->parsed()) {
    return bastion::cli::runCheck(check);
  }
  if (validate_cmd->parsed()) {
    return bastion::cli::runValidate(validate);
  }
  if (token_cmd->parsed()) {
    return bastion::cli::runTokenIssue(token);
  }
  if (clients_cmd->parsed()) {
    return bastion::cli::runClients(clients);
  }
  if (users_cmd->parsed()) {
    return bastion::cli::runUsers(users);
  }
  if (audit_cmd->parsed()) {
    return bastion::cli::runAuditVerify(audit);
  }
  if (sandbox_cmd->parsed()) {
    return bastion::cli::runSandboxProbe(sandbox);
  }
  if (version_cmd->parsed()) {
    std::cout << "bastion " << kVersion << "\n";
  }
  return bastion::cli::kExitOk;
}
