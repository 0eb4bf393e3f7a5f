#include "tools/text.h"

#include <array>
#include <cstdio>

namespace bastion::tools {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c, std::string_view alphabet) {
  std::size_t i = alphabet.find(c);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

bool isSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::string toHex(std::span<const unsigned char> bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string base64Encode(std::string_view bytes, bool url_safe) {
  std::string_view alphabet = url_safe ? kUrlSafe : kStandard;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&bytes](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (unsigned{byte(i)} << 16) | (unsigned{byte(i + 1)} << 8) | byte(i + 2);
    for (int shift : {18, 12, 6, 0}) {
      out += alphabet[(v >> shift) & 63];
    }
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = unsigned{byte(i)} << 16;
    if (rest == 2) {
      v |= unsigned{byte(i + 1)} << 8;
    }
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) {
      out += alphabet[(v >> 6) & 63];
    }
    if (!url_safe) {
      out.append(rest == 1 ? "==" : "=");
    }
  }
  return out;
}

Result<std::string> base64Decode(std::string_view text, bool url_safe) {
  const Error bad(TextError::InvalidBase64,
                  url_safe ? "the text is not valid base64url" : "the text is not valid base64");
  std::string_view alphabet = url_safe ? kUrlSafe : kStandard;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 0 && text.size() % 4 != 0) {
    return bad;
  }
  if (!url_safe && text.size() % 4 != 0) {
    return bad;
  }
  if (body.size() % 4 == 1) {
    return bad;
  }
  std::string out;
  out.reserve(body.size() / 4 * 3 + 2);
  unsigned acc = 0;
  int bits = 0;
  for (char c : body) {
    int v = sextet(c, alphabet);
    if (v < 0) {
      return bad;
    }
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Non-canonical encodings (leftover bits set) are refused, so one text decodes one way.
  if ((acc & ((1u << bits) - 1)) != 0) {
    return bad;
  }
  return out;
}

namespace {

// The length of the well-formed UTF-8 sequence at bytes[i], or 0 if there is none (no
// overlongs, no surrogates, nothing past U+10FFFF).
std::size_t sequenceAt(std::string_view bytes, std::size_t i) {
  auto at = [&bytes](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  unsigned char c = at(i);
  std::size_t len = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
  if (len == 0 || i + len > bytes.size()) {
    return 0;
  }
  std::uint32_t cp = len == 1 ? c : c & (0xFFu >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    if ((at(i + k) & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (at(i + k) & 0x3Fu);
  }
  constexpr std::array<std::uint32_t, 5> kMin{0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

}  // namespace

bool isUtf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = sequenceAt(bytes, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string toValidUtf8(std::string_view bytes) {
  if (isUtf8(bytes)) {
    return std::string(bytes);
  }
  std::string out;
  out.reserve(bytes.size() + 16);
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = sequenceAt(bytes, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    out.append(bytes.substr(i, len));
    i += len;
  }
  return out;
}

std::string uuidV4(RandomSource& rng) {
  std::array<unsigned char, 16> b{};
  rng.fill(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 9562 variant
  std::string hex = toHex(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string rfc3339(std::chrono::sys_seconds t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  std::array<char, 32> out{};
  std::snprintf(out.data(), out.size(), "%04d-%02u-%02uT%02d:%02d:%02dZ", int{ymd.year()},
                unsigned{ymd.month()}, unsigned{ymd.day()}, static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return out.data();
}

TextCounts countText(std::string_view text) {
  TextCounts counts;
  counts.bytes = text.size();
  bool in_word = false;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) {
      ++counts.characters;
    }
    if (c == '\n') {
      ++counts.lines;
    }
    bool space = isSpace(c);
    if (!space && !in_word) {
      ++counts.words;
    }
    in_word = !space;
  }
  if (!text.empty() && text.back() != '\n') {
    ++counts.lines;
  }
  return counts;
}

}  // namespace bastion::tools
