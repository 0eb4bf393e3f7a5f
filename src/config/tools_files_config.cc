// The keys of `files.*` tools (files.read, files.list, files.search, files.write):
//
//   root         (required) the directory the tool is confined to. A relative path is taken
//                relative to the config file's directory. It must exist and be a directory;
//                it is stored absolute with symlinks resolved (what `bastion check` lints).
//   deny         globs over path components added to the built-in list (".env*", "*.pem",
//                "*.key", "id_*", ".git/"); matched case-insensitively against every
//                component, so a denied directory hides everything under it. `*`, `?`,
//                `[a-z]`, `[!x]`, `\x`; a trailing "/" is allowed, any other "/" is refused.
//                Use ".*" to hide every dotfile.
//   default_deny (default true) false drops the built-in list; only `deny` then applies.
//   no_symlinks  (default false) refuse every symlink, even one that stays inside the root.
//   max_bytes    (default "1MiB", at most "1GiB") read: largest file returned; search: largest
//                file searched (larger ones are skipped); write: largest content accepted.
//   max_results  (files.list, files.search; default 1000, 1-100000) entries or matches in one
//                result; more are cut off and the result says "truncated".
//   max_depth    (files.list, files.search; default 16, 1-64) directory levels walked.
//   overwrite    (files.write; default true) false makes every write create-only.
//
// files.write exists only where a [[tools]] entry declares kind = "files.write". Recommended
// on every files tool: identifiers = ["path"], so the audit log records which path was used.

#include <filesystem>
#include <system_error>

#include "config/config_internal.h"
#include "tools/path_rules.h"

namespace bastion::config::detail {
namespace {

using Operation = tools::FilesToolOptions::Operation;

Operation operationOf(std::string_view kind) {
  if (kind == "files.list") {
    return Operation::List;
  }
  if (kind == "files.search") {
    return Operation::Search;
  }
  if (kind == "files.write") {
    return Operation::Write;
  }
  return Operation::Read;
}

// `root` made absolute (relative to the config file's directory), with symlinks resolved;
// empty (after reporting) if it is missing or not a directory.
std::string resolveRoot(TableReader& r, const std::string& root) {
  namespace fs = std::filesystem;
  const toml::node& where = *r.node().get("root");
  if (root.empty()) {
    r.error(where, "root", "must not be empty");
    return {};
  }
  fs::path path(root);
  if (path.is_relative()) {
    path = fs::path(r.diagnostics().file()).parent_path() / path;
  }
  std::error_code ec;
  fs::path canonical = fs::canonical(path, ec);
  if (ec) {
    r.error(where, "root", "cannot be used: " + ec.message());
    return {};
  }
  if (!fs::is_directory(canonical, ec)) {
    r.error(where, "root", "is not a directory");
    return {};
  }
  return canonical.string();
}

void readDeny(TableReader& r, tools::FilesToolOptions& out) {
  bool defaults = true;
  r.readBool("default_deny", defaults);
  std::vector<std::string> extra;
  r.readStrings("deny", extra);
  if (!defaults) {
    out.deny.clear();
  }
  for (std::size_t i = 0; i < extra.size(); ++i) {
    if (auto checked = tools::DenyList::create({extra[i]}); !checked) {
      const toml::node& item = (*r.node().get("deny")->as_array())[i];
      r.error(item, "deny[" + std::to_string(i) + "]", checked.error().message);
      continue;
    }
    out.deny.push_back(extra[i]);
  }
}

// Keys that only some kinds take are still read (so they are known), then refused elsewhere.
void refuseUnless(TableReader& r, bool allowed, std::string_view key, std::string_view kinds) {
  if (!allowed && r.node().get(key) != nullptr) {
    r.error(*r.node().get(key), key, "only for " + std::string(kinds));
  }
}

}  // namespace

void readFilesTool(TableReader& r, std::string_view kind, tools::FilesToolOptions& out) {
  out.operation = operationOf(kind);
  std::string root;
  if (!r.readString("root", root)) {
    if (r.node().get("root") == nullptr) {
      r.diagnostics().at(r.node().source(), r.keyPath("root"), "required");
    }
  } else {
    out.root = resolveRoot(r, root);
  }
  readDeny(r, out);
  r.readBool("no_symlinks", out.no_symlinks);
  r.readSize("max_bytes", out.max_bytes);
  if (out.max_bytes > tools::kMaxFilesBytes) {
    r.error(*r.node().get("max_bytes"), "max_bytes", "must be at most 1GiB");
  }
  const bool walks = out.operation == Operation::List || out.operation == Operation::Search;
  r.readInteger("max_results", out.max_results, 1, tools::kMaxFilesResults);
  r.readInteger("max_depth", out.max_depth, 1, tools::kMaxFilesDepth);
  refuseUnless(r, walks, "max_results", "files.list and files.search");
  refuseUnless(r, walks, "max_depth", "files.list and files.search");
  r.readBool("overwrite", out.overwrite);
  refuseUnless(r, out.operation == Operation::Write, "overwrite", "files.write");
}

}  // namespace bastion::config::detail
