#pragma once
// The pure checks behind the files tools: what a path argument may look like, and the glob
// language of deny lists and name searches. No system calls here; confined_root.h does the
// opening. Fuzzed by tests/fuzz/files_path_fuzz.cc.

#include <bitset>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "tools/files_error.h"

namespace bastion::tools {

// Longest path argument accepted (bytes), as PATH_MAX.
inline constexpr std::size_t kMaxPathBytes = 4096;

// Splits a caller's path into its components, relative to the root. Refused: NUL bytes,
// absolute paths, a first component starting with '~' (never expanded), any '..' component (even one that would stay
// inside: resolution below is done by the kernel, and a refused '..' cannot be combined with a
// symlink into an escape), and paths over kMaxPathBytes. Empty and '.' components are dropped,
// so "", "." and "./" give no components (the root). Nothing is decoded: "%2e%2e" and "\.."
// are names. Does not check deny globs or the filesystem.
[[nodiscard]] Result<std::vector<std::string_view>> splitRelativePath(std::string_view path);

// Components joined with '/' ("." for none): the form handed to openat2.
std::string joinComponents(const std::vector<std::string_view>& components);

// A shell-style glob over one path component: '*' (any run), '?' (any one byte), '[abc]',
// '[a-z]', '[!x]' or '[^x]' (a set), '\x' (a literal x). No '/' inside: it never matches a
// separator. Matching is linear in name size times pattern size at worst (no backtracking
// blow-up), so untrusted patterns are safe.
class Glob {
 public:
  // fold_case: ASCII letters match regardless of case.
  [[nodiscard]] static Result<Glob> compile(std::string_view pattern, bool fold_case);
  bool matches(std::string_view name) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    enum class Kind { Byte, AnyByte, Star, Set } kind = Kind::Byte;
    unsigned char byte = 0;
    std::bitset<256> set;
  };
  Glob(std::string pattern, std::vector<Token> tokens)
      : pattern_(std::move(pattern)), tokens_(std::move(tokens)) {}
  static bool tokenMatches(const Token& token, unsigned char c);

  std::string pattern_;
  std::vector<Token> tokens_;
};

// The deny list: globs matched against every component of a path, case-insensitively (so
// ".ENV" and "ID_RSA" are hidden too). A pattern may end in '/' (".git/"); it then means the
// same as without: a match on any component hides the entry and everything under it, file or
// directory. A '/' anywhere else is refused (patterns name components, not paths).
class DenyList {
 public:
  [[nodiscard]] static Result<DenyList> create(const std::vector<std::string>& patterns);
  bool denies(std::string_view component) const;
  bool deniesAny(const std::vector<std::string_view>& components) const;

 private:
  explicit DenyList(std::vector<Glob> globs) : globs_(std::move(globs)) {}
  std::vector<Glob> globs_;
};

// Text fit to return as such: no NUL in the first 8 KiB and valid UTF-8 throughout.
bool looksBinary(std::string_view bytes);

// `s` cut to at most `max_bytes` without splitting a UTF-8 sequence (s must be valid UTF-8).
std::string_view utf8Prefix(std::string_view s, std::size_t max_bytes);

// "'<path>'" for messages: the caller's own spelling (the transport JSON-escapes it).
std::string quotedPath(std::string_view path);

}  // namespace bastion::tools
