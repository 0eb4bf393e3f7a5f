// Any bytes as a files-tool path argument, and as a glob pattern plus a name (split at the
// first newline): path splitting never yields a component that could climb or separate, and
// glob matching terminates, is anchored, and only widens under case folding (outside negated
// classes, which fold to exclude both cases).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/path_rules.h"
#include "tools/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bastion::tools;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto parts = splitRelativePath(input)) {
    if (input.starts_with('/') || input.starts_with('~') || input.size() > kMaxPathBytes) {
      __builtin_trap();
    }
    for (std::string_view c : parts.value()) {
      if (c.empty() || c == "." || c == ".." ||
          c.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
        __builtin_trap();
      }
    }
    const std::string joined = joinComponents(parts.value());
    auto again = splitRelativePath(joined);
    if (!again || again.value() != parts.value()) {
      __builtin_trap();
    }
  }
  const std::size_t newline = input.find('\n');
  const std::string_view pattern = input.substr(0, newline);
  const std::string_view name = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  auto exact = Glob::compile(pattern, false);
  auto folded = Glob::compile(pattern, true);
  if (exact.has_value() != folded.has_value()) {
    __builtin_trap();
  }
  // Folding widens what a pattern matches, except inside a negated class: folded "[!a-c]"
  // also excludes 'B', which the exact pattern admits.
  const bool negated_class = pattern.find("[!") != std::string_view::npos ||
                             pattern.find("[^") != std::string_view::npos;
  if (exact && !negated_class && exact.value().matches(name) && !folded.value().matches(name)) {
    __builtin_trap();
  }
  if (exact && pattern.find_first_of("*?[\\") == std::string_view::npos &&
      !exact.value().matches(pattern)) {
    __builtin_trap();  // a pattern without metacharacters is itself
  }
  if (auto deny = DenyList::create({std::string(pattern)})) {
    (void)deny.value().denies(name);
  }
  if (!looksBinary(name)) {
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, name.size() / 2, name.size()}) {
      if (!isUtf8(utf8Prefix(name, cut))) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
