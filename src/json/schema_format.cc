// Format assertions (used when CompileOptions::assert_formats or the format-assertion
// vocabulary is on). Each check is syntactic and allocation-free where it can be.
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "json/pointer.h"
#include "json/regex.h"
#include "json/schema_internal.h"

namespace bastion::json::detail {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Reads exactly `n` digits at s[pos] into `out`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!isDigit(s[pos + i])) return false;
    out = out * 10 + (s[pos + i] - '0');
  }
  pos += n;
  return true;
}

bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool fullDate(std::string_view s, std::size_t& pos) {
  int y = 0, m = 0, d = 0;
  if (!digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, m) ||
      pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, d)) {
    return false;
  }
  static constexpr std::array<int, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[static_cast<std::size_t>(m - 1)]) return false;
  return !(m == 2 && d == 29 && !isLeap(y));
}

// RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); a leap second only at 23:59 UTC.
bool fullTime(std::string_view s, std::size_t& pos) {
  int h = 0, m = 0, sec = 0;
  if (!digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' || !digits(s, pos, 2, m) ||
      pos >= s.size() || s[pos++] != ':' || !digits(s, pos, 2, sec)) {
    return false;
  }
  if (h > 23 || m > 59 || sec > 60) return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && isDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  int off_h = 0, off_m = 0, sign = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    if (!digits(s, pos, 2, off_h) || pos >= s.size() || s[pos++] != ':' ||
        !digits(s, pos, 2, off_m) || off_h > 23 || off_m > 59) {
      return false;
    }
  } else {
    return false;
  }
  if (sec == 60) {
    int utc = (h * 60 + m - sign * (off_h * 60 + off_m)) % 1440;
    if (utc < 0) utc += 1440;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

bool isDate(std::string_view s) {
  std::size_t pos = 0;
  return fullDate(s, pos) && pos == s.size();
}

bool isTime(std::string_view s) {
  std::size_t pos = 0;
  return fullTime(s, pos) && pos == s.size();
}

bool isDateTime(std::string_view s) {
  std::size_t pos = 0;
  if (!fullDate(s, pos) || pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return false;
  ++pos;
  return fullTime(s, pos) && pos == s.size();
}

// ISO 8601 duration as RFC 3339 appendix A: P[nY][nM][nD][T[nH][nM][nS]] or PnW.
bool isDuration(std::string_view s) {
  if (s.size() < 2 || s[0] != 'P') return false;
  std::size_t pos = 1;
  const auto units = [&](std::string_view order) {
    bool any = false;
    std::size_t next = 0;
    while (pos < s.size() && isDigit(s[pos])) {
      while (pos < s.size() && isDigit(s[pos])) ++pos;
      if (pos >= s.size()) return std::make_pair(false, any);
      // Units appear in order without gaps (RFC 3339 appendix A: "P1Y2D" is not a duration).
      const auto at = order.find(s[pos], next);
      if (at == std::string_view::npos || (any && at != next)) return std::make_pair(false, any);
      next = at + 1;
      ++pos;
      any = true;
    }
    return std::make_pair(true, any);
  };
  if (s.size() >= 3 && s.back() == 'W') {
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      if (!isDigit(s[i])) return false;
    }
    return true;
  }
  const auto [date_ok, date_any] = units("YMD");
  if (!date_ok) return false;
  if (pos == s.size()) return date_any;
  if (s[pos] != 'T') return false;
  ++pos;
  const auto [time_ok, time_any] = units("HMS");
  return time_ok && time_any && pos == s.size();
}

bool isIpv4(std::string_view s) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t start = pos;
    int value = 0;
    while (pos < s.size() && isDigit(s[pos]) && pos - start < 3) value = value * 10 + (s[pos++] - '0');
    const std::size_t len = pos - start;
    if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) return false;
    if (++parts == 4) return pos == s.size();
    if (pos >= s.size() || s[pos++] != '.') return false;
  }
}

bool isIpv6(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t pos = 0;
  if (s.starts_with("::")) {
    compressed = true;
    pos = 2;
    if (pos == s.size()) return true;
  } else if (s.front() == ':') {
    return false;
  }
  while (pos < s.size()) {
    const std::size_t start = pos;
    while (pos < s.size() && isHex(s[pos])) ++pos;
    const std::size_t len = pos - start;
    if (pos < s.size() && s[pos] == '.') {  // embedded IPv4 ends the address
      if (!isIpv4(s.substr(start))) return false;
      groups += 2;
      pos = s.size();
      break;
    }
    if (len == 0 || len > 4) return false;
    ++groups;
    if (pos == s.size()) break;
    if (s[pos] != ':') return false;
    ++pos;
    if (pos < s.size() && s[pos] == ':') {
      if (compressed) return false;
      compressed = true;
      ++pos;
      if (pos == s.size()) break;
    } else if (pos == s.size()) {
      return false;
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

bool isHostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (label == 0 || s[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (!isAlpha(c) && !isDigit(c) && c != '-') return false;
    if (c == '-' && label == 0) return false;
    if (++label > 63) return false;
  }
  if (label == 0 || s.back() == '-') return false;
  // "xn--" labels are A-labels: punycode must not carry "--" at positions 3-4 otherwise.
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    const auto l = s.substr(start, end - start);
    if (l.size() >= 4 && l[2] == '-' && l[3] == '-' &&
        !(std::tolower(static_cast<unsigned char>(l[0])) == 'x' &&
          std::tolower(static_cast<unsigned char>(l[1])) == 'n')) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

bool isEmail(std::string_view s) {
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  const auto local = s.substr(0, at);
  const auto domain = s.substr(at + 1);
  if (local.size() > 64) return false;
  if (local.front() == '"') {
    if (local.size() < 2 || local.back() != '"') return false;
  } else {
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
      return false;
    }
    for (const char c : local) {
      if (!isAlpha(c) && !isDigit(c) &&
          std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) == std::string_view::npos) {
        return false;
      }
    }
  }
  if (domain.front() == '[' && domain.back() == ']') {
    const auto literal = domain.substr(1, domain.size() - 2);
    return literal.starts_with("IPv6:") ? isIpv6(literal.substr(5)) : isIpv4(literal);
  }
  return isHostname(domain);
}

bool isUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isHex(s[i])) return false;
  }
  return true;
}

bool isAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// What the generic parser lets through: the authority holds at most one '@' and a port is
// digits only.
bool authorityOk(std::string_view s) {
  const auto start = s.find("//");
  const auto first_delim = s.find_first_of("/?#");
  if (start == std::string_view::npos || start != first_delim) return true;
  auto authority = s.substr(start + 2);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const auto at = authority.find('@');
  if (at != std::string_view::npos) {
    if (authority.find('@', at + 1) != std::string_view::npos) return false;
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    authority.remove_prefix(close + 1);
    if (authority.empty()) return true;
    if (authority.front() != ':') return false;
  }
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) return true;
  if (authority.find(':') != colon) return false;  // an unbracketed IPv6 address
  const auto port = authority.substr(colon + 1);
  return std::all_of(port.begin(), port.end(), isDigit);
}

bool isUri(std::string_view s) {
  return isAscii(s) && boost::urls::parse_uri(s).has_value() && authorityOk(s);
}
bool isUriReference(std::string_view s) {
  return isAscii(s) && boost::urls::parse_uri_reference(s).has_value() && authorityOk(s);
}
// IRIs: non-ASCII code points are allowed where URIs allow unreserved characters; checked by
// parsing with every non-ASCII byte replaced by an unreserved one.
std::string asciiFolded(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) >= 0x80) c = 'a';
  }
  return out;
}
bool isIri(std::string_view s) {
  return boost::urls::parse_uri(asciiFolded(s)).has_value() && authorityOk(s);
}
bool isIriReference(std::string_view s) {
  return boost::urls::parse_uri_reference(asciiFolded(s)).has_value() && authorityOk(s);
}

bool isJsonPointer(std::string_view s) { return pointer::isWellFormed(s); }

bool isRelativeJsonPointer(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size() && isDigit(s[pos])) ++pos;
  if (pos == 0 || (pos > 1 && s[0] == '0')) return false;
  const auto rest = s.substr(pos);
  return rest == "#" || pointer::isWellFormed(rest);
}

// RFC 6570: literals exclude CTL, SP, DQUOTE, <, >, \\, ^, `, {, |, }; an expression is
// "{" [op] varspec *("," varspec) "}" with varspec = varname [":" 1-9999 / "*"].
bool pctEncoded(std::string_view s, std::size_t& i) {
  if (s[i] != '%') return false;
  if (i + 2 >= s.size() || !isHex(s[i + 1]) || !isHex(s[i + 2])) return false;
  i += 3;
  return true;
}

bool varspec(std::string_view s, std::size_t& i) {
  bool need_char = true;
  while (i < s.size()) {
    const char c = s[i];
    if (isAlpha(c) || isDigit(c) || c == '_') {
      ++i;
      need_char = false;
    } else if (c == '%') {
      if (!pctEncoded(s, i)) return false;
      need_char = false;
    } else if (c == '.' && !need_char) {
      ++i;
      need_char = true;
    } else {
      break;
    }
  }
  if (need_char) return false;
  if (i < s.size() && s[i] == '*') {
    ++i;
  } else if (i < s.size() && s[i] == ':') {
    ++i;
    const std::size_t start = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i == start || i - start > 4 || s[start] == '0') return false;
  }
  return true;
}

bool isUriTemplate(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '{') {
      ++i;
      if (i < s.size() && std::string_view("+#./;?&").find(s[i]) != std::string_view::npos) ++i;
      while (true) {
        if (i >= s.size() || !varspec(s, i)) return false;
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
      if (i >= s.size() || s[i] != '}') return false;
      ++i;
    } else if (c == '%') {
      if (!pctEncoded(s, i)) return false;
    } else if (c <= 0x20 || c == 0x7F ||
               std::string_view("\"<>\\^`|}").find(s[i]) != std::string_view::npos) {
      return false;
    } else {
      ++i;
    }
  }
  return true;
}

bool isRegex(std::string_view s) { return isEcmaRegexSyntax(s); }

bool isIdnHostname(std::string_view s) {
  if (isAscii(s)) return isHostname(s);
  return !s.empty() && s.size() <= 253 * 4 && s.front() != '.' && s.back() != '.' &&
         s.find("..") == std::string_view::npos;
}
bool isIdnEmail(std::string_view s) {
  const auto at = s.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
         isIdnHostname(s.substr(at + 1));
}

struct NamedFormat {
  std::string_view name;
  FormatCheck check;
};
constexpr NamedFormat kFormats[] = {
    {"date-time", isDateTime}, {"date", isDate},
    {"time", isTime},          {"duration", isDuration},
    {"email", isEmail},        {"idn-email", isIdnEmail},
    {"hostname", isHostname},  {"idn-hostname", isIdnHostname},
    {"ipv4", isIpv4},          {"ipv6", isIpv6},
    {"uri", isUri},            {"uri-reference", isUriReference},
    {"iri", isIri},            {"iri-reference", isIriReference},
    {"uuid", isUuid},          {"uri-template", isUriTemplate},
    {"json-pointer", isJsonPointer}, {"relative-json-pointer", isRelativeJsonPointer},
    {"regex", isRegex},
};

}  // namespace

FormatCheck findFormat(std::string_view name) {
  for (const auto& f : kFormats) {
    if (f.name == name) return f.check;
  }
  return nullptr;
}

}  // namespace bastion::json::detail
