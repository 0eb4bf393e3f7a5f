#pragma once
// ECMA-262 patterns (the JSON Schema regex dialect) translated to RE2. What RE2 cannot express
// (backreferences, lookaround) is refused with a message, never approximated.

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace re2 {
class RE2;
}

namespace bastion::json {

class Regex {
 public:
  // Translates and compiles `ecma`; the error names the construct that was refused.
  [[nodiscard]] static Result<Regex> compile(std::string_view ecma);

  // Unanchored search, as JSON Schema's `pattern` requires. Thread-safe.
  [[nodiscard]] bool search(std::string_view text) const;

  // The RE2 syntax the pattern became (for tests and diagnostics).
  [[nodiscard]] const std::string& translated() const { return translated_; }

 private:
  Regex(std::shared_ptr<const re2::RE2> re, std::string translated)
      : re_(std::move(re)), translated_(std::move(translated)) {}
  std::shared_ptr<const re2::RE2> re_;
  std::string translated_;
};

enum class RegexMode {
  Match,       // the result must match exactly what ECMA-262 matches
  SyntaxOnly,  // only well-formedness matters: backreferences and lookaround become no-ops
};

// The translation step alone: ECMA-262 syntax to RE2 syntax, or the reason it is refused.
[[nodiscard]] Result<std::string> translateEcmaRegex(std::string_view ecma, RegexMode mode);

// The `regex` format: is `ecma` a well-formed ECMA-262 pattern (as far as RE2 can tell)?
[[nodiscard]] bool isEcmaRegexSyntax(std::string_view ecma);

}  // namespace bastion::json
