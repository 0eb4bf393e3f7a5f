// `bastion users add|remove|revoke-consent`: local users of the embedded authorization server's
// login page. The password is read from standard input: without echo, twice, when it is a
// terminal; the first line otherwise (a pipe). Only its argon2id hash is stored.

#include "oauth/users.h"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "core/clock.h"
#include "core/random.h"
#include "store/store.h"

namespace bastion::cli {
namespace {

// Turns terminal echo off for its lifetime.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~EchoOff() {
    if (active_) {
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

std::optional<std::string> readLine() {
  std::string line;
  if (!std::getline(std::cin, line)) {
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

std::optional<std::string> readPassword(const std::string& user) {
  if (isatty(STDIN_FILENO) == 0) {
    auto line = readLine();
    if (!line) {
      std::cerr << "bastion: no password on standard input\n";
    }
    return line;
  }
  EchoOff quiet;
  std::cerr << "Password for " << user << ": " << std::flush;
  auto first = readLine();
  std::cerr << "\nRepeat the password: " << std::flush;
  auto second = readLine();
  std::cerr << "\n";
  if (!first || !second || *first != *second) {
    std::cerr << "bastion: the passwords differ\n";
    return std::nullopt;
  }
  return first;
}

std::shared_ptr<store::Store> openOrReport(const std::string& url) {
  auto store = store::openStore(url);
  if (!store) {
    std::cerr << "bastion: cannot open the store: " << store.error().message << "\n";
    return nullptr;
  }
  return *store;
}

int addUser(const UsersOptions& o) {
  if (auto ok = oauth::checkUserName(o.name); !ok) {
    std::cerr << "bastion: " << ok.error().message << "\n";
    return kExitUnusable;
  }
  auto store = openOrReport(o.store_url);
  if (!store) {
    return kExitUnusable;
  }
  auto password = readPassword(o.name);
  if (!password) {
    return kExitUnusable;  // readPassword said why
  }
  auto hash = oauth::hashPassword(*password, systemRandom());
  if (!hash) {
    std::cerr << "bastion: " << hash.error().message << "\n";
    return kExitUnusable;
  }
  const bool existed = static_cast<bool>(store->getUser(o.name));
  if (auto r = store->putUser(store::User{o.name, *hash, systemClock().now()}); !r) {
    std::cerr << "bastion: cannot store the user: " << r.error().message << "\n";
    return kExitInvalid;
  }
  std::cerr << (existed ? "Replaced the password of " : "Added user ") << o.name << ".\n";
  return kExitOk;
}

int removeUser(const UsersOptions& o) {
  auto store = openOrReport(o.store_url);
  if (!store) {
    return kExitUnusable;
  }
  if (auto r = store->deleteUser(o.name); !r) {
    std::cerr << "bastion: cannot remove " << o.name << ": " << r.error().message << "\n";
    return kExitInvalid;
  }
  std::cerr << "Removed user " << o.name << ".\n";
  return kExitOk;
}

int revokeConsent(const UsersOptions& o) {
  auto store = openOrReport(o.store_url);
  if (!store) {
    return kExitUnusable;
  }
  if (auto r = store->revokeConsent(o.name, o.client_id); !r) {
    std::cerr << "bastion: cannot revoke: " << r.error().message << "\n";
    return kExitInvalid;
  }
  std::cerr << "The next authorization of " << o.client_id << " by " << o.name
            << " asks for consent again.\n";
  return kExitOk;
}

}  // namespace

CLI::App* addUsersCommand(CLI::App& app, UsersOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "users", "Manage the local users of the embedded authorization server's login page");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --store may follow the action
  cmd->add_option("--store", options.store_url, "Store URL")
      ->default_val(std::string(kDefaultStoreUrl));

  CLI::App* add =
      cmd->add_subcommand("add", "Add a user, or replace its password (read from standard input)");
  add->add_option("name", options.name, "User name")->required();
  add->callback([&options] { options.action = UsersOptions::Action::Add; });

  CLI::App* remove = cmd->add_subcommand("remove", "Remove a user");
  remove->add_option("name", options.name, "User name")->required();
  remove->callback([&options] { options.action = UsersOptions::Action::Remove; });

  CLI::App* revoke =
      cmd->add_subcommand("revoke-consent", "Forget a user's remembered consent for a client");
  revoke->add_option("name", options.name, "User name")->required();
  revoke->add_option("client_id", options.client_id, "The client_id")->required();
  revoke->callback([&options] { options.action = UsersOptions::Action::RevokeConsent; });
  return cmd;
}

int runUsers(const UsersOptions& options) {
  switch (options.action) {
    case UsersOptions::Action::Add:
      return addUser(options);
    case UsersOptions::Action::Remove:
      return removeUser(options);
    case UsersOptions::Action::RevokeConsent:
      return revokeConsent(options);
  }
  return kExitUnusable;
}

}  // namespace bastion::cli
