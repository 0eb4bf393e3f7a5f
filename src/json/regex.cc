#include "json/regex.h"

#include <re2/re2.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "json/schema.h"

namespace bastion::json {
namespace {

// ECMA-262 \s: ASCII whitespace plus the Unicode space separators, NBSP, BOM and the line and
// paragraph separators. RE2's \s is ASCII only, so it is spelled out (class body, no brackets).
constexpr std::string_view kEcmaSpace =
    R"(\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF})";

// Unicode property long names ECMA-262 accepts and RE2 knows only by their short name.
struct PropertyAlias {
  std::string_view ecma;
  std::string_view re2;
};
constexpr std::array<PropertyAlias, 18> kPropertyAliases{{
    {"Letter", "L"},           {"Lowercase_Letter", "Ll"}, {"Uppercase_Letter", "Lu"},
    {"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"},  {"Other_Letter", "Lo"},
    {"Mark", "M"},             {"Number", "N"},            {"Decimal_Number", "Nd"},
    {"digit", "Nd"},           {"Letter_Number", "Nl"},    {"Other_Number", "No"},
    {"Punctuation", "P"},      {"Symbol", "S"},            {"Separator", "Z"},
    {"Space_Separator", "Zs"}, {"Other", "C"},             {"Control", "Cc"},
}};

Error refuse(std::string_view what) {
  return Error(SchemaError::BadPattern,
               "pattern uses " + std::string(what) + ", which the RE2 engine cannot express");
}

void appendCodePoint(std::string& out, std::uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%X}", cp);
  out += buf;
}

bool parseHex(std::string_view s, std::uint32_t& cp) {
  if (s.empty() || s.size() > 6) return false;
  cp = 0;
  for (const char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
    const int d = std::isdigit(static_cast<unsigned char>(c)) != 0
                      ? c - '0'
                      : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    cp = cp * 16 + static_cast<std::uint32_t>(d);
  }
  return cp <= 0x10FFFF;
}

// Translates the escape starting at ecma[i] == '\\'; advances i past it.
Result<void> translateEscape(std::string_view ecma, std::size_t& i, bool in_class,
                             RegexMode mode, std::string& out) {
  if (i + 1 >= ecma.size()) return Error(SchemaError::BadPattern, "pattern ends with '\\'");
  const char c = ecma[i + 1];
  i += 2;
  switch (c) {
    case 's':
      if (in_class) {
        out += kEcmaSpace;
      } else {
        out += "[";
        out += kEcmaSpace;
        out += "]";
      }
      return {};
    case 'S':
      if (in_class) return refuse("\\S inside a character class");
      out += "[^";
      out += kEcmaSpace;
      out += "]";
      return {};
    case 'd': case 'D': case 'w': case 'W': case 'b': case 'B':
    case 't': case 'n': case 'r': case 'f': case 'v':
      out.push_back('\\');
      out.push_back(c);
      if (c == 'b' && in_class) out.back() = 'x', out += "{8}";  // [\b] is backspace
      return {};
    case '0':
      if (i < ecma.size() && std::isdigit(static_cast<unsigned char>(ecma[i])) != 0) {
        return refuse("an octal escape");
      }
      out += "\\x{0}";
      return {};
    case 'c': {
      if (i >= ecma.size() || std::isalpha(static_cast<unsigned char>(ecma[i])) == 0) {
        return refuse("an incomplete \\c control escape");
      }
      appendCodePoint(out, static_cast<std::uint32_t>(ecma[i]) % 32);
      ++i;
      return {};
    }
    case 'x': {
      std::uint32_t cp = 0;
      if (i + 2 > ecma.size() || !parseHex(ecma.substr(i, 2), cp)) return refuse("a bad \\x escape");
      appendCodePoint(out, cp);
      i += 2;
      return {};
    }
    case 'u': {
      std::uint32_t cp = 0;
      if (i < ecma.size() && ecma[i] == '{') {
        const std::size_t close = ecma.find('}', i);
        if (close == std::string_view::npos || !parseHex(ecma.substr(i + 1, close - i - 1), cp)) {
          return refuse("a bad \\u{...} escape");
        }
        i = close + 1;
      } else {
        if (i + 4 > ecma.size() || !parseHex(ecma.substr(i, 4), cp)) return refuse("a bad \\u escape");
        i += 4;
        // A UTF-16 surrogate pair written as two escapes is one code point.
        std::uint32_t low = 0;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= ecma.size() && ecma[i] == '\\' &&
            ecma[i + 1] == 'u' && parseHex(ecma.substr(i + 2, 4), low) && low >= 0xDC00 &&
            low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) return refuse("a lone UTF-16 surrogate");
      appendCodePoint(out, cp);
      return {};
    }
    case 'p': case 'P': {
      if (i >= ecma.size() || ecma[i] != '{') return refuse("a bad \\p escape");
      const std::size_t close = ecma.find('}', i);
      if (close == std::string_view::npos) return refuse("a bad \\p escape");
      std::string_view name = ecma.substr(i + 1, close - i - 1);
      if (const auto eq = name.find('='); eq != std::string_view::npos) {
        const auto key = name.substr(0, eq);
        if (key != "General_Category" && key != "gc" && key != "Script" && key != "sc") {
          return refuse("an unsupported Unicode property");
        }
        name = name.substr(eq + 1);
      }
      for (const auto& alias : kPropertyAliases) {
        if (alias.ecma == name) name = alias.re2;
      }
      out.push_back('\\');
      out.push_back(c);
      out.push_back('{');
      out += name;
      out.push_back('}');
      i = close + 1;
      return {};
    }
    case 'k': {
      const std::size_t close = ecma.find('>', i);
      if (mode == RegexMode::Match || i >= ecma.size() || ecma[i] != '<' ||
          close == std::string_view::npos) {
        return refuse("a named backreference");
      }
      i = close + 1;
      out += "(?:)";
      return {};
    }
    default:
      break;
  }
  if (c >= '1' && c <= '9') {
    if (mode == RegexMode::Match) return refuse("a backreference");
    while (i < ecma.size() && std::isdigit(static_cast<unsigned char>(ecma[i])) != 0) ++i;
    out += "(?:)";
    return {};
  }
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return refuse("an unknown escape");
  // Identity escape of punctuation: RE2 accepts the same spelling.
  out.push_back('\\');
  out.push_back(c);
  return {};
}

}  // namespace

Result<std::string> translateEcmaRegex(std::string_view ecma, RegexMode mode) {
  std::string out;
  out.reserve(ecma.size() + 8);
  bool in_class = false;
  std::size_t i = 0;
  while (i < ecma.size()) {
    const char c = ecma[i];
    if (c == '\\') {
      auto r = translateEscape(ecma, i, in_class, mode, out);
      if (!r) return r.error();
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      if (c == '[') {
        out += "\\[";
        ++i;
        continue;
      }
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '[' && (ecma.substr(i).starts_with("[\\s\\S]") ||
                     ecma.substr(i).starts_with("[\\S\\s]"))) {
      out += "[\\x{0}-\\x{10FFFF}]";  // the "any character" idiom (\S alone is refused in a class)
      i += 6;
      continue;
    }
    if (c == '.') {
      out += "[^\\n\\r\\x{2028}\\x{2029}]";  // ECMA-262 '.' excludes every line terminator
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.push_back(c);
      ++i;
      if (i < ecma.size() && ecma[i] == '^') {
        out.push_back('^');
        ++i;
      }
      // ECMA "[]" matches nothing and "[^]" anything; RE2 would read ']' as a literal.
      if (i < ecma.size() && ecma[i] == ']') {
        if (out.back() == '^') {
          out.pop_back();
          out += "\\x{0}-\\x{10FFFF}]";
        } else {
          out += "^\\x{0}-\\x{10FFFF}]";
        }
        in_class = false;
        ++i;
      }
      continue;
    }
    if (c == '(' && i + 1 < ecma.size() && ecma[i + 1] == '?') {
      const std::string_view rest = ecma.substr(i + 2);
      if (rest.starts_with("=") || rest.starts_with("!") || rest.starts_with("<=") ||
          rest.starts_with("<!")) {
        if (mode == RegexMode::Match) return refuse("lookaround");
        out += "(?:";  // syntax check only: the assertion's body must still parse
        i += rest.starts_with("<") ? std::size_t{4} : std::size_t{3};
        continue;
      }
      if (rest.starts_with("<")) {  // named group: RE2 of Debian 12 knows only (?P<name>
        out += "(?P<";
        i += 3;
        continue;
      }
      if (!rest.starts_with(":")) return refuse("an unsupported group modifier");
    }
    out.push_back(c);
    ++i;
  }
  if (in_class) return Error(SchemaError::BadPattern, "pattern has an unterminated character class");
  return out;
}

Result<Regex> Regex::compile(std::string_view ecma) {
  auto translated = translateEcmaRegex(ecma, RegexMode::Match);
  if (!translated) return translated.error();
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_max_mem(std::int64_t{4} << 20);  // bounds compile and match memory per pattern
  auto re = std::make_shared<const re2::RE2>(translated.value(), options);
  if (!re->ok()) {
    return Error(SchemaError::BadPattern, "pattern is not a valid regular expression: " + re->error());
  }
  return Regex(std::move(re), std::move(translated.value()));
}

bool isEcmaRegexSyntax(std::string_view ecma) {
  auto translated = translateEcmaRegex(ecma, RegexMode::SyntaxOnly);
  if (!translated) return false;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(std::int64_t{1} << 20);
  return re2::RE2(translated.value(), options).ok();
}

bool Regex::search(std::string_view text) const { return RE2::PartialMatch(text, *re_); }

}  // namespace bastion::json
