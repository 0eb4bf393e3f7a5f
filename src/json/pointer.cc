#include "json/pointer.h"

#include <boost/json/value.hpp>

#include <charconv>

namespace bastion::json::pointer {

void appendToken(std::string& ptr, std::string_view token) {
  ptr.push_back('/');
  for (const char c : token) {
    if (c == '~') {
      ptr += "~0";
    } else if (c == '/') {
      ptr += "~1";
    } else {
      ptr.push_back(c);
    }
  }
}

void appendIndex(std::string& ptr, std::size_t index) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, index);
  ptr.push_back('/');
  ptr.append(buf, res.ptr);
}

bool unescapeToken(std::string_view token, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] != '~') {
      out.push_back(token[i]);
      continue;
    }
    if (i + 1 >= token.size()) return false;
    if (token[i + 1] == '0') {
      out.push_back('~');
    } else if (token[i + 1] == '1') {
      out.push_back('/');
    } else {
      return false;
    }
    ++i;
  }
  return true;
}

bool isWellFormed(std::string_view ptr) {
  if (ptr.empty()) return true;
  if (ptr.front() != '/') return false;
  for (std::size_t i = 0; i < ptr.size(); ++i) {
    if (ptr[i] == '~' && (i + 1 >= ptr.size() || (ptr[i + 1] != '0' && ptr[i + 1] != '1'))) {
      return false;
    }
  }
  return true;
}

const boost::json::value* child(const boost::json::value& v, std::string_view token) {
  if (const auto* obj = v.if_object()) {
    const auto it = obj->find(token);
    return it == obj->end() ? nullptr : &it->value();
  }
  if (const auto* arr = v.if_array()) {
    // RFC 6901: array indices are decimal without leading zeros.
    if (token.empty() || (token.size() > 1 && token.front() == '0')) return nullptr;
    std::size_t index = 0;
    const auto res = std::from_chars(token.data(), token.data() + token.size(), index);
    if (res.ec != std::errc{} || res.ptr != token.data() + token.size()) return nullptr;
    return index < arr->size() ? &(*arr)[index] : nullptr;
  }
  return nullptr;
}

const boost::json::value* resolve(const boost::json::value& root, std::string_view ptr) {
  return resolve(root, ptr, [](const boost::json::value&) {});
}

}  // namespace bastion::json::pointer
