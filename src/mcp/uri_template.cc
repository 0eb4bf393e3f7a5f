#include "mcp/uri_template.h"

#include <algorithm>

#include "mcp/server.h"

namespace bastion::mcp {
namespace {

bool validVarChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

Error bad(std::string message) {
  return Error(RegistrationError::InvalidTemplate, std::move(message));
}

}  // namespace

Result<UriTemplate> UriTemplate::parse(std::string_view text) {
  UriTemplate t;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('{', pos);
    const auto close_stray = text.find('}', pos);
    if (close_stray != std::string_view::npos && close_stray < open) {
      return bad("unmatched '}' in URI template");
    }
    if (open == std::string_view::npos) {
      t.parts_.push_back({false, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) {
      t.parts_.push_back({false, std::string(text.substr(pos, open - pos))});
    } else if (!t.parts_.empty() && t.parts_.back().is_var) {
      return bad("adjacent expressions in URI template are ambiguous");
    }
    const auto close = text.find('}', open);
    if (close == std::string_view::npos) {
      return bad("unterminated expression in URI template");
    }
    const auto name = text.substr(open + 1, close - open - 1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), validVarChar)) {
      return bad("URI template expressions must be level 1: {name} with [A-Za-z0-9_]");
    }
    if (std::find(t.variables_.begin(), t.variables_.end(), name) != t.variables_.end()) {
      return bad("repeated variable in URI template");
    }
    t.parts_.push_back({true, std::string(name)});
    t.variables_.emplace_back(name);
    pos = close + 1;
  }
  if (t.parts_.empty()) {
    return bad("empty URI template");
  }
  return t;
}

std::optional<TemplateVars> UriTemplate::match(std::string_view uri) const {
  TemplateVars vars;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const Part& part = parts_[i];
    if (!part.is_var) {
      if (uri.substr(pos, part.text.size()) != part.text) {
        return std::nullopt;
      }
      pos += part.text.size();
      continue;
    }
    // A variable ends at the next literal (which never starts with '{') or at a '/'.
    std::size_t end = uri.find('/', pos);
    if (end == std::string_view::npos) {
      end = uri.size();
    }
    if (i + 1 < parts_.size()) {
      const std::string& next = parts_[i + 1].text;
      const auto lit = uri.substr(0, end).find(next, pos);
      if (lit == std::string_view::npos) {
        // The next literal may begin with '/', just past this segment.
        if (uri.substr(end, next.size()) != next) {
          return std::nullopt;
        }
      } else {
        end = lit;
      }
    }
    if (end == pos) {
      return std::nullopt;
    }
    vars.emplace(part.text, std::string(uri.substr(pos, end - pos)));
    pos = end;
  }
  if (pos != uri.size()) {
    return std::nullopt;
  }
  return vars;
}

}  // namespace bastion::mcp
