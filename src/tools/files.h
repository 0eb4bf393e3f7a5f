#pragma once
// Tool kind `files.*`: read, list, search and (only when declared) write files confined to one
// root directory.
//
//   files.read    {path}                                   -> the file as UTF-8 text
//   files.list    {path?, recursive?}                      -> entries (name order)
//   files.search  {path?, name_glob?, text?, max_results?} -> names matching a glob, lines
//                                                             holding a text
//   files.write   {path, content, create_only?}            -> atomic replace or create
//
// Confinement (tools/confined_root.h): the root is opened once; every access is an openat2
// below it with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (| RESOLVE_NO_SYMLINKS). Path arguments
// are relative: absolute paths, '~', '..' and NUL bytes are refused; nothing is decoded.
// Deny globs hide matching entries (and everything below them) from every kind: reads and
// writes answer "not found", listings and searches leave them out. Files over max_bytes and
// files that are not UTF-8 text ("binary file") are refused. Messages name the path as the
// caller gave it, never the root's host path. The audit log should record the path: declare
// `identifiers = ["path"]` on the tool (not done implicitly; identity is used as configured).

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "mcp/types.h"
#include "tools/files_error.h"
#include "tools/tool_common.h"

namespace bastion::tools {

// Upper bounds of the options (config refuses larger values).
inline constexpr std::size_t kMaxFilesBytes = std::size_t{1} << 30;
inline constexpr std::size_t kMaxFilesResults = 100'000;
inline constexpr int kMaxFilesDepth = 64;

struct FilesToolOptions {
  enum class Operation { Read, List, Search, Write };
  Operation operation = Operation::Read;
  std::string root;  // the confinement root (absolute after load)
  // Globs over path components (tools/path_rules.h DenyList), matched case-insensitively.
  std::vector<std::string> deny{".env*", "*.pem", "*.key", "id_*", ".git/"};
  bool no_symlinks = false;  // refuse every symlink, even one that stays inside the root
  // read: largest file returned; search: largest file searched (larger ones are skipped);
  // write: largest content accepted.
  std::size_t max_bytes = std::size_t{1} << 20;
  std::size_t max_results = 1000;  // list and search: most entries/matches in one result
  int max_depth = 16;              // list (recursive) and search: directory levels walked
  bool overwrite = true;           // write: false makes every write create-only
  RandomSource* rng = nullptr;     // write: temporary file names; null = systemRandom()
};

// Opens the root (fails if it is missing or not a directory, or the options are out of range)
// and builds the tool. The spec's handler owns the open root.
[[nodiscard]] Result<mcp::ToolSpec> makeFilesTool(const ToolIdentity& identity,
                                                  const FilesToolOptions& options);

}  // namespace bastion::tools
