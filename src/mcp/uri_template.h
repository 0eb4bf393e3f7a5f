#pragma once
// RFC 6570 level-1 URI templates ({var} only), as resource templates use them. Matching is
// strict: each {var} binds a non-empty run of characters without '/', literal text must match
// exactly, and the whole URI must be consumed. Values are returned as they appear in the URI
// (not percent-decoded); handlers must treat them as untrusted input.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mcp/types.h"

namespace bastion::mcp {

class UriTemplate {
 public:
  // Fails on operators ({+x}, {#x}, ...), modifiers, empty or unterminated expressions,
  // adjacent expressions ("{a}{b}", ambiguous) and repeated variable names.
  [[nodiscard]] static Result<UriTemplate> parse(std::string_view text);

  std::optional<TemplateVars> match(std::string_view uri) const;
  const std::vector<std::string>& variables() const { return variables_; }

 private:
  struct Part {
    bool is_var = false;
    std::string text;  // literal text or variable name
  };
  UriTemplate() = default;
  std::vector<Part> parts_;
  std::vector<std::string> variables_;
};

}  // namespace bastion::mcp
