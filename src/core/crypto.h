#pragma once
// Small cryptographic building blocks over OpenSSL 3, shared by the resource server, the
// embedded authorization server and the store. Heavier pieces (JWK, JWT) live in auth/.
// No OpenSSL header appears here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bastion::crypto {

// RFC 4648 §5 base64url without padding. decode refuses padding, whitespace and any character
// outside the alphabet, and non-canonical trailing bits (so one token has one encoding).
std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

// SHA-256 of `data`, raw (32 bytes) or lower-case hex (64 chars).
std::string sha256(std::string_view data);
std::string sha256Hex(std::string_view data);
// HMAC-SHA-256, raw 32 bytes.
std::string hmacSha256(std::string_view key, std::string_view data);

// Constant-time equality for secrets of possibly different lengths (length leaks, content not).
bool constantTimeEqual(std::string_view a, std::string_view b);

// PKCE S256 (RFC 7636): base64url(SHA-256(verifier)). Checks nothing about the verifier.
std::string pkceChallenge(std::string_view verifier);

}  // namespace bastion::crypto
