// `bastion audit verify FILE [--key PUB ...]`: check an audit log's hash chain and checkpoint
// signatures (the logic is audit/verify.h). Exit 0 the chain verifies (a torn last line is a
// warning), 1 the first bad line is printed as FILE:LINE: problem, 2 unreadable file or key.

#include <CLI/CLI.hpp>
#include <iostream>
#include <vector>

#include "audit/signing_key.h"
#include "audit/verify.h"
#include "cli/commands.h"

namespace bastion::cli {
namespace {

void printSummary(const audit::VerifyResult& r) {
  std::cout << "ok: " << r.records << " records, " << r.checkpoints << " checkpoints "
            << (r.signatures_checked ? "verified" : "(signatures not checked: no --key)") << "\n";
}

}  // namespace

CLI::App* addAuditCommand(CLI::App& app, AuditVerifyOptions& options) {
  CLI::App* audit = app.add_subcommand("audit", "Work with the tamper-evident audit log");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Verify an audit log: hash chain, seq order and (with --key) checkpoint signatures.\n"
      "Exit 0 intact (a torn last line from a crash is a warning), 1 the first bad line is\n"
      "printed as FILE:LINE: problem, 2 unreadable file or key.");
  verify->add_option("file", options.file, "The audit log (JSON lines)")->required();
  verify->add_option("--key", options.keys,
                     "The Ed25519 public key (PEM; <key>.pub beside the signing key). After a key\n"
                     "rotation give each key, oldest first: --key old.pub --key new.pub");
  return audit;
}

int runAuditVerify(const AuditVerifyOptions& options) {
  std::vector<audit::VerifyKey> keys;
  for (const std::string& path : options.keys) {
    auto loaded = audit::VerifyKey::load(path);
    if (!loaded) {
      std::cerr << "bastion audit verify: " << loaded.error().message << "\n";
      return kExitUnusable;
    }
    keys.push_back(std::move(loaded).value());
  }
  auto result = audit::verifyLogFile(options.file, keys);
  if (!result) {
    std::cerr << "bastion audit verify: " << result.error().message << "\n";
    return kExitUnusable;
  }
  const audit::VerifyResult& r = result.value();
  if (!r.ok) {
    std::cerr << options.file << ":" << r.bad_line << ": " << r.problem << "\n";
    return kExitInvalid;
  }
  if (r.torn_line != 0) {
    std::cerr << options.file << ":" << r.torn_line << ": warning: line " << r.torn_line
              << " is incomplete (crash?); the chain verifies up to line " << r.last_good_line
              << "\n";
  }
  const std::uint64_t signed_through = r.checkpoints > 0 ? r.last_checkpoint_covers + 1 : 0;
  if (r.signatures_checked && r.last_seq > signed_through) {
    std::cerr << options.file << ": note: the last " << (r.last_seq - signed_through)
              << " records are not covered by a signed checkpoint yet\n";
  }
  printSummary(r);
  return kExitOk;
}

}  // namespace bastion::cli
