#pragma once
// Base64 (RFC 4648) for the dispatcher's own needs: opaque cursors and MRTR request state
// (url alphabet, unpadded) and the `=?base64?...?=` header sentinel (standard alphabet, padded).

#include <optional>
#include <string>
#include <string_view>

namespace bastion::mcp {

enum class Base64Alphabet { Standard, Url };

std::string base64Encode(std::string_view bytes, Base64Alphabet alphabet);
// Strict: rejects characters outside the alphabet, bad padding and non-zero trailing bits.
// Standard requires padding to a multiple of 4; Url accepts only unpadded input.
std::optional<std::string> base64Decode(std::string_view text, Base64Alphabet alphabet);

}  // namespace bastion::mcp
