// `bastion clients add|list|remove`: pre-registered OAuth clients of the embedded authorization
// server, kept in the store. A confidential client's secret is printed once and stored only as
// its SHA-256 hash.

#include "oauth/clients.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"
#include "core/crypto.h"
#include "core/random.h"
#include "store/store.h"

namespace bastion::cli {
namespace {

constexpr std::size_t kSecretBytes = 32;

std::vector<std::string> splitScopes(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& arg : args) {
    std::size_t start = 0;
    while (start < arg.size()) {
      const std::size_t end = std::min(arg.find(' ', start), arg.size());
      if (end > start) {
        std::string scope = arg.substr(start, end - start);
        if (std::find(out.begin(), out.end(), scope) == out.end()) {
          out.push_back(std::move(scope));
        }
      }
      start = end + 1;
    }
  }
  return out;
}

// The scope-token syntax of RFC 6749 §3.3.
bool validScope(const std::string& scope) {
  return !scope.empty() && std::all_of(scope.begin(), scope.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && c != '"' && c != '\\';
  });
}

// --store, else the configuration's [store] url (the embedded default's without --config).
std::shared_ptr<store::Store> openOrReport(const ClientsOptions& o) {
  std::string url = o.store_url;
  if (url.empty()) {
    auto loaded = o.config.empty() ? config::loadEmbeddedDefault() : config::loadFile(o.config);
    if (!loaded) {
      std::cerr << loaded.error().toString();
      return nullptr;
    }
    url = (*loaded)->store.url;
  }
  auto store = store::openStore(url);
  if (!store) {
    std::cerr << "bastion: cannot open the store: " << store.error().message << "\n";
    return nullptr;
  }
  return *store;
}

int addClient(const ClientsOptions& o) {
  if (o.redirect_uris.empty() && !o.confidential) {
    std::cerr << "bastion: a public client needs at least one --redirect-uri\n";
    return kExitUnusable;
  }
  for (const auto& uri : o.redirect_uris) {
    if (auto ok = oauth::checkRedirectUri(uri, false); !ok) {
      std::cerr << "bastion: --redirect-uri " << uri << ": " << ok.error().message << "\n";
      return kExitUnusable;
    }
  }
  store::Client c;
  c.client_name = o.name;
  c.client_id = oauth::newClientId(systemRandom());
  c.redirect_uris = o.redirect_uris;
  c.scopes = splitScopes(o.scopes);
  for (const auto& scope : c.scopes) {
    if (!validScope(scope)) {
      std::cerr << "bastion: --scope: invalid scope " << scope << "\n";
      return kExitUnusable;
    }
  }
  if (!c.redirect_uris.empty()) {
    c.grant_types = {"authorization_code", "refresh_token"};
  }
  std::string secret;
  if (o.confidential) {
    secret = randomToken(systemRandom(), kSecretBytes);
    c.secret_hash = crypto::sha256Hex(secret);
    c.token_endpoint_auth_method = "client_secret_basic";
    c.grant_types.push_back("client_credentials");
  }
  c.source = store::ClientSource::Preregistered;
  c.created = c.last_used = systemClock().now();
  auto store = openOrReport(o);
  if (!store) {
    return kExitUnusable;
  }
  if (auto r = store->putClient(c); !r) {
    std::cerr << "bastion: cannot add the client: " << r.error().message << "\n";
    return kExitInvalid;
  }
  std::cout << "client_id: " << c.client_id << "\n";
  if (o.confidential) {
    std::cout << "client_secret: " << secret << "\n";
    std::cerr << "The secret is shown only this once; Bastion keeps only its hash.\n";
  }
  return kExitOk;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : std::string(sep)) + item;
  }
  return out;
}

std::string_view sourceName(store::ClientSource s) {
  switch (s) {
    case store::ClientSource::Preregistered:
      return "pre-registered";
    case store::ClientSource::Dynamic:
      return "dynamic";
    case store::ClientSource::MetadataDocument:
      return "metadata-document";
  }
  return "unknown";
}

int listClients(const ClientsOptions& o) {
  auto store = openOrReport(o);
  if (!store) {
    return kExitUnusable;
  }
  auto clients = store->listClients();
  if (!clients) {
    std::cerr << "bastion: cannot list clients: " << clients.error().message << "\n";
    return kExitUnusable;
  }
  for (const auto& c : *clients) {
    std::cout << c.client_id << "\n"
              << "  name:          " << c.client_name << "\n"
              << "  type:          " << (c.secret_hash.empty() ? "public" : "confidential") << ", "
              << sourceName(c.source) << "\n"
              << "  redirect URIs: " << join(c.redirect_uris, " ") << "\n"
              << "  grant types:   " << join(c.grant_types, " ") << "\n"
              << "  scopes:        " << join(c.scopes, " ") << "\n";
  }
  return kExitOk;
}

int removeClient(const ClientsOptions& o) {
  auto store = openOrReport(o);
  if (!store) {
    return kExitUnusable;
  }
  if (auto r = store->deleteClient(o.client_id); !r) {
    std::cerr << "bastion: cannot remove " << o.client_id << ": " << r.error().message << "\n";
    return kExitInvalid;
  }
  std::cerr << "Removed " << o.client_id << " and its refresh tokens.\n";
  return kExitOk;
}

}  // namespace

CLI::App* addClientsCommand(CLI::App& app, ClientsOptions& options) {
  CLI::App* cmd =
      app.add_subcommand("clients", "Manage OAuth clients of the embedded authorization server");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --store may follow the action: `bastion clients add NAME --store URL`
  cmd->add_option("--store", options.store_url,
                  "Store URL (default: [store] url of the configuration)");
  cmd->add_option("-c,--config", options.config,
                  "TOML configuration file (default: the embedded default)");

  CLI::App* add = cmd->add_subcommand("add", "Register a client; prints its client_id");
  add->add_option("name", options.name, "Human-readable client name")->required();
  add->add_option("--redirect-uri", options.redirect_uris,
                  "Allowed redirect URI (repeatable; exact match, loopback on any port)");
  add->add_flag("--confidential", options.confidential,
                "Issue a client secret (printed once); allows client_credentials");
  add->add_option("--scope", options.scopes, "Scopes the client may ask for (space-separated)");
  add->callback([&options] { options.action = ClientsOptions::Action::Add; });

  CLI::App* list = cmd->add_subcommand("list", "List registered clients");
  list->callback([&options] { options.action = ClientsOptions::Action::List; });

  CLI::App* remove = cmd->add_subcommand("remove", "Remove a client and its grants");
  remove->add_option("client_id", options.client_id, "The client_id to remove")->required();
  remove->callback([&options] { options.action = ClientsOptions::Action::Remove; });
  return cmd;
}

int runClients(const ClientsOptions& options) {
  switch (options.action) {
    case ClientsOptions::Action::Add:
      return addClient(options);
    case ClientsOptions::Action::List:
      return listClients(options);
    case ClientsOptions::Action::Remove:
      return removeClient(options);
  }
  return kExitUnusable;
}

}  // namespace bastion::cli
