// `bastion token issue`: mint an access token from the embedded authorization server, for
// scripts and tests. It opens the same store as `bastion serve` (so the signing keys are the
// same) and prints the token alone on stdout.

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/embedded_auth.h"
#include "config/config.h"
#include "config/units.h"
#include "oauth/authorization_server.h"
#include "store/store.h"

namespace bastion::cli {
namespace {

std::vector<std::string> splitScope(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    const std::size_t end = std::min(s.find(' ', start), s.size());
    if (end > start) {
      out.push_back(s.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

CLI::App* addTokenCommand(CLI::App& app, TokenOptions& options) {
  CLI::App* cmd = app.add_subcommand("token", "Tokens of the embedded authorization server");
  cmd->require_subcommand(1);
  CLI::App* issue = cmd->add_subcommand("issue", "Mint an access token and print it on stdout");
  issue->add_option("--sub", options.sub, "Subject (user or service name)")->required();
  issue->add_option("--scope", options.scope, "Space-separated scopes");
  issue->add_option("--ttl", options.ttl, "Lifetime, e.g. 10m, 1h")->default_val("10m");
  issue->add_option("--client-id", options.client_id, "client_id claim")
      ->default_val("bastion-cli");
  issue->add_option("-c,--config", options.config,
                    "TOML configuration file (default: the embedded default)");
  issue->add_option("--store", options.store_url,
                    "Store URL (default: [store] url of the configuration)");
  return cmd;
}

int runTokenIssue(const TokenOptions& options) {
  auto loaded =
      options.config.empty() ? config::loadEmbeddedDefault() : config::loadFile(options.config);
  if (!loaded) {
    std::cerr << loaded.error().toString();
    return kExitInvalid;
  }
  auto parsed_ttl = config::parseDuration(options.ttl);
  if (!parsed_ttl || parsed_ttl.value().count() < 1000) {
    std::cerr << "bastion: --ttl: expected a duration of at least 1s, such as 10m\n";
    return kExitUnusable;
  }
  const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(parsed_ttl.value());
  // Values moved out of the results (not operator-> / operator*): GCC 12 -O2 sees null paths
  // there. The loaders return a config made by make_shared, never null.
  const std::shared_ptr<const config::Config> config = std::move(loaded).value();
  const config::Config& c = *config;
  auto derived = embeddedAsOptions(c);
  if (!derived) {
    std::cerr << "bastion: " << derived.error().message << "\n";
    return kExitInvalid;
  }
  oauth::AsOptions as_options = std::move(derived).value();
  const std::string& store_url = options.store_url.empty() ? c.store.url : options.store_url;
  auto store = store::openStore(store_url);
  if (!store) {
    std::cerr << "bastion: cannot open the store: " << store.error().message << "\n";
    return kExitUnusable;
  }
  // The same lifetimes as `bastion serve` with this configuration (the key schedule uses them).
  as_options.access_token_ttl = c.auth.embedded.access_token_ttl;
  as_options.refresh_token_ttl = c.auth.embedded.refresh_token_ttl;
  oauth::AsDependencies deps;
  deps.store = std::move(store).value();
  auto created = oauth::AuthorizationServer::create(std::move(as_options), std::move(deps));
  if (!created) {
    std::cerr << "bastion: " << created.error().message << "\n";
    return kExitUnusable;
  }
  const std::shared_ptr<oauth::AuthorizationServer> server = std::move(created).value();
  auto token =
      server->issueAccessToken(options.sub, splitScope(options.scope), ttl, options.client_id);
  if (!token) {
    std::cerr << "bastion: cannot issue a token: " << token.error().message << "\n";
    return kExitUnusable;
  }
  std::cout << *token << "\n";
  return kExitOk;
}

}  // namespace bastion::cli
