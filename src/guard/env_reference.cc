// `${env:NAME}` references: finding them in configuration strings.

#include <cctype>

#include "guard/secrets.h"

namespace bastion::guard {
namespace {

bool nameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool nameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

}  // namespace

Result<std::vector<std::string>> envReferences(std::string_view text) {
  constexpr std::string_view kOpen = "${env:";
  std::vector<std::string> names;
  for (std::size_t at = text.find(kOpen); at != std::string_view::npos;
       at = text.find(kOpen, at)) {
    const std::size_t begin = at + kOpen.size();
    std::size_t end = begin;
    while (end < text.size() && nameChar(text[end])) {
      ++end;
    }
    if (end == begin || !nameStart(text[begin]) || end >= text.size() || text[end] != '}') {
      return Error(SecretError::BadReference,
                   "malformed ${env:NAME} reference (NAME is letters, digits and _)");
    }
    names.emplace_back(text.substr(begin, end - begin));
    at = end + 1;
  }
  return names;
}

}  // namespace bastion::guard
