#pragma once
// Small, strict text utilities behind the demo tools: hex, base64 (RFC 4648), UTF-8 checks,
// UUIDv4 and RFC 3339 timestamps. Pure functions (randomness injected), unit-tested directly.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/random.h"

namespace bastion::tools {

enum class TextError {
  InvalidBase64 = 1,
};

std::string toHex(std::span<const unsigned char> bytes);  // lowercase

// Standard alphabet with '=' padding, or (url_safe) the base64url alphabet without padding.
std::string base64Encode(std::string_view bytes, bool url_safe);
// Strict: only the chosen alphabet, no whitespace, canonical padding ('=' required for the
// standard alphabet, optional for base64url), zero unused bits in the last character.
[[nodiscard]] Result<std::string> base64Decode(std::string_view text, bool url_safe);

// Well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool isUtf8(std::string_view bytes);
// `bytes` with each byte that does not start a well-formed sequence replaced by U+FFFD (program
// output that must travel as a JSON string).
std::string toValidUtf8(std::string_view bytes);

// A random (version 4, RFC 9562) UUID in lowercase 8-4-4-4-12 form.
std::string uuidV4(RandomSource& rng);

// "2026-11-27T01:02:03Z".
std::string rfc3339(std::chrono::sys_seconds t);

struct TextCounts {
  std::uint64_t characters = 0;  // Unicode code points (input is valid UTF-8)
  std::uint64_t words = 0;       // maximal runs of non-whitespace (ASCII whitespace)
  std::uint64_t lines = 0;       // newline-terminated lines, plus an unterminated last one
  std::uint64_t bytes = 0;
};
TextCounts countText(std::string_view text);

}  // namespace bastion::tools
