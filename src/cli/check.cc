// `bastion check`: load and validate a configuration, print a short summary or every error.

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"
#include "config/units.h"

namespace bastion::cli {
namespace {

void printSummary(const config::Config& c, std::ostream& out) {
  const config::ServerConfig& s = c.server;
  out << c.source << ": OK\n";
  if (s.listen) {
    out << "  listen:     " << (s.tls ? "https://" : "http://") << s.listen->toString()
        << s.endpoint << (s.tls ? " (TLS)" : "") << "\n";
  } else {
    out << "  listen:     stdio only\n";
  }
  auto list = [](const std::vector<std::string>& items, std::string_view fallback) {
    std::string joined;
    for (const std::string& item : items) {
      joined += (joined.empty() ? "" : ", ") + item;
    }
    return joined.empty() ? std::string(fallback) : joined;
  };
  if (s.listen) {
    out << "  hosts:      " << list(s.allowed_hosts, "localhost, 127.0.0.1, [::1] (default)")
        << "\n";
    out << "  origins:    " << list(s.allowed_origins, "loopback origins (default)") << "\n";
  }
  out << "  auth:       none (loopback/stdio only)\n";
  out << "  max body:   " << config::formatSize(s.max_body) << "\n";
  out << "  sessions:   at most " << s.max_sessions << ", idle timeout "
      << config::formatDuration(s.session_idle_timeout) << "\n";
  out << "  log:        " << c.log.level << " to " << (c.log.file.empty() ? "stderr" : c.log.file)
      << "\n";
  out << "  demo tools: " << (c.demo.tools ? "on" : "off") << "\n";
}

}  // namespace

CLI::App* addCheckCommand(CLI::App& app, CheckOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Validate a configuration file: exit 0 with a summary, or 1 with each error as "
      "file:line:column: key: message");
  cmd->add_option("-c,--config", options.config,
                  "TOML configuration file (default: the embedded default)");
  return cmd;
}

int runCheck(const CheckOptions& options) {
  auto loaded =
      options.config.empty() ? config::loadEmbeddedDefault() : config::loadFile(options.config);
  if (!loaded) {
    std::cerr << loaded.error().toString();
    return kExitInvalid;
  }
  printSummary(**loaded, std::cout);
  return kExitOk;
}

}  // namespace bastion::cli
