// `bastion check`: load and validate a configuration, print a short summary or every error.

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"
#include "config/lint.h"
#include "config/units.h"
#include "sandbox/sandbox.h"
#include "tools/exec.h"

namespace bastion::cli {
namespace {

// The auth summary. Names the secret's variable, never its value.
template <class List>
void printAuth(const config::Config& c, std::ostream& out, const List& list) {
  const config::AuthConfig& a = c.auth;
  out << "  auth:       " << config::authModeName(a.mode);
  switch (a.mode) {
    case config::AuthMode::None:
      out << " (loopback/stdio only; the local principal holds every scope)\n";
      break;
    case config::AuthMode::Embedded:
      out << " (authorization server at " << c.server.public_url << ", store " << c.store.url
          << "; access tokens " << config::formatDuration(a.embedded.access_token_ttl)
          << ", registration " << (a.embedded.dynamic_registration ? "on" : "off")
          << ", metadata documents " << (a.embedded.metadata_documents ? "on" : "off") << ")\n";
      break;
    case config::AuthMode::Jwt:
      out << " (issuer " << a.jwt.issuer << ", keys "
          << (a.jwt.jwks_uri.empty() ? "by discovery" : a.jwt.jwks_uri) << ", "
          << list(a.jwt.algorithms, "") << ", skew " << config::formatDuration(a.jwt.skew) << ")\n";
      break;
    case config::AuthMode::Introspection:
      out << " (" << a.introspection.endpoint << " as " << a.introspection.client_id
          << ", secret from $" << a.introspection.client_secret_env << ")\n";
      break;
  }
  if (a.mode != config::AuthMode::None) {
    if (!c.server.public_url.empty()) {
      out << "  resource:   " << c.server.public_url << "\n";
    }
    out << "  scopes:     " << list(a.scopes_supported, "(none)") << " (baseline)\n";
    for (const auto& [scope, implied] : a.scope_implications) {
      out << "  implies:    " << scope << " => " << list(implied, "") << "\n";
    }
    if (!a.stdio.token_env.empty()) {
      out << "  stdio:      token from $" << a.stdio.token_env << "\n";
    } else if (!a.stdio.subject.empty()) {
      out << "  stdio:      local subject " << a.stdio.subject << "\n";
    }
  }
}

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
  printAuth(c, out, list);
  out << "  max body:   " << config::formatSize(s.max_body) << "\n";
  out << "  sessions:   at most " << s.max_sessions << ", idle timeout "
      << config::formatDuration(s.session_idle_timeout) << "\n";
  out << "  log:        " << c.log.level << " to " << (c.log.file.empty() ? "stderr" : c.log.file)
      << "\n";
  out << "  demo tools: " << (c.demo.tools ? "on" : "off");
  if (c.demo.tools) {
    out << " (require " << list(c.demo.scopes, "no scope") << ")";
  }
  out << "\n";
  out << "  tools:      " << c.tools.size() << " configured\n";
  for (const config::ToolConfig& t : c.tools) {
    out << "    " << t.identity.name << " (" << t.kind << "), requires "
        << list(t.identity.scopes, "no scope");
    if (t.rate) {
      out << ", rate " << t.rate->count << " per "
          << config::formatDuration(
                 std::chrono::duration_cast<std::chrono::milliseconds>(t.rate->period));
    }
    out << "\n";
  }
  out << "  audit:      "
      << (c.audit.path.empty() ? "off" : c.audit.path + " (fsync " + c.audit.fsync + ")") << "\n";
}

// What lint cannot know: whether this host offers every sandbox layer each exec tool requires.
// `serve` refuses to start without them; `check` reports them as errors where they are
// configured, so a deployment learns it before it starts.
std::vector<config::Finding> hostFindings(const config::Config& c) {
  std::vector<config::Finding> findings;
  for (std::size_t i = 0; i < c.tools.size(); ++i) {
    const config::ToolConfig& t = c.tools[i];
    const auto* exec = std::get_if<tools::ExecToolOptions>(&t.options);
    if (exec == nullptr) {
      continue;
    }
    if (auto ok = sandbox::checkPolicy(tools::execPolicy(*exec)); !ok) {
      auto at = t.key_positions.find("sandbox");
      const config::SourcePosition pos = at != t.key_positions.end() ? at->second : t.position;
      findings.push_back(config::Finding{config::Severity::Error, "sandbox-unavailable", c.source,
                                         pos.line, pos.column,
                                         "tools[" + std::to_string(i) + "].sandbox",
                                         "cannot run on this host: " + ok.error().message});
    }
  }
  return findings;
}

}  // namespace

CLI::App* addCheckCommand(CLI::App& app, CheckOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Validate and lint a configuration file: a summary and every security finding as\n"
      "file:line:column: severity: key: message [rule]; exit 1 on any error or error finding");
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
  // Through .value(): GCC 12 -O2 sees a null path in `**loaded` (-Wnull-dereference).
  const config::Config& config = *loaded.value();
  printSummary(config, std::cout);
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::vector<config::Finding> findings = config::lint(config);
  for (config::Finding& f : hostFindings(config)) {
    findings.push_back(std::move(f));
  }
  for (const config::Finding& f : findings) {
    std::cout << f.toString() << "\n";
    (f.severity == config::Severity::Error ? errors : warnings)++;
  }
  std::cout << errors << " error(s), " << warnings << " warning(s)\n";
  return errors == 0 ? kExitOk : kExitInvalid;
}

}  // namespace bastion::cli
