#pragma once
// JSON Pointer (RFC 6901) helpers: building instance locations and resolving schema fragments.

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace bastion::json::pointer {

// Appends "/" + `token` to `ptr`, escaping '~' as "~0" and '/' as "~1".
void appendToken(std::string& ptr, std::string_view token);
void appendIndex(std::string& ptr, std::size_t index);

// True when `ptr` is "" or a sequence of "/"-prefixed tokens whose '~' escapes are valid.
[[nodiscard]] bool isWellFormed(std::string_view ptr);

// The value `ptr` designates inside `root`, or nullptr when it is malformed or absent.
// `on_step` (may be empty) sees every value passed on the way, the target included.
template <class F>
const boost::json::value* resolve(const boost::json::value& root, std::string_view ptr, F&& on_step);
[[nodiscard]] const boost::json::value* resolve(const boost::json::value& root,
                                                std::string_view ptr);

// Decodes one escaped token ("a~1b" -> "a/b"); false when an escape is invalid.
[[nodiscard]] bool unescapeToken(std::string_view token, std::string& out);

// One step of resolve(): the child of `v` named by the unescaped `token`, or nullptr.
[[nodiscard]] const boost::json::value* child(const boost::json::value& v, std::string_view token);

template <class F>
const boost::json::value* resolve(const boost::json::value& root, std::string_view ptr,
                                  F&& on_step) {
  const boost::json::value* cur = &root;
  std::string token;
  while (!ptr.empty()) {
    if (ptr.front() != '/') return nullptr;
    ptr.remove_prefix(1);
    const std::size_t end = ptr.find('/');
    const std::string_view raw = ptr.substr(0, end);
    ptr.remove_prefix(end == std::string_view::npos ? ptr.size() : end);
    if (!unescapeToken(raw, token)) return nullptr;
    cur = child(*cur, token);
    if (cur == nullptr) return nullptr;
    on_step(*cur);
  }
  return cur;
}

}  // namespace bastion::json::pointer
