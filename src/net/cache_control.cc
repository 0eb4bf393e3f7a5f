// Response helpers that need no socket: header lookup and Cache-Control's freshness lifetime.

#include <algorithm>
#include <charconv>
#include <string>

#include "net/fetcher.h"

namespace bastion::net {
namespace {

// Caps max-age so callers adding it to a time point cannot overflow (about 68 years).
constexpr long long kMaxAgeCap = 0x7fffffffLL;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
           return low(x) == low(y);
         });
}

// delta-seconds (RFC 9111 §1.2.2), optionally quoted; -1 if malformed. Overlong values cap.
long long parseDeltaSeconds(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  long long n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc::result_out_of_range) {
    return kMaxAgeCap;
  }
  return (ec == std::errc() && ptr == v.data() + v.size()) ? std::min(n, kMaxAgeCap) : -1;
}

}  // namespace

std::string_view FetchResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) {
      return value;
    }
  }
  return {};
}

// Conservative on every doubt, since a longer lifetime than meant is the harmful direction:
// no-store or no-cache anywhere -> 0; a malformed max-age -> 0 (RFC 9111 §4.2.1 says treat the
// response as stale); several max-age values -> the smallest. s-maxage and private are ignored
// (Bastion is the response's only user, not a shared cache).
long long cacheMaxAgeSeconds(std::string_view cache_control) {
  long long result = -1;
  while (!cache_control.empty()) {
    const auto comma = cache_control.find(',');
    const std::string_view item = trim(cache_control.substr(0, comma));
    cache_control =
        comma == std::string_view::npos ? std::string_view{} : cache_control.substr(comma + 1);
    const auto eq = item.find('=');
    const std::string_view name = trim(item.substr(0, eq));
    if (equalsIgnoreCase(name, "no-store") || equalsIgnoreCase(name, "no-cache")) {
      return 0;
    }
    if (equalsIgnoreCase(name, "max-age")) {
      const long long age =
          eq == std::string_view::npos ? -1 : parseDeltaSeconds(trim(item.substr(eq + 1)));
      const long long fresh = age < 0 ? 0 : age;
      result = result < 0 ? fresh : std::min(result, fresh);
    }
  }
  return result;
}

}  // namespace bastion::net
