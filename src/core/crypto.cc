#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdlib>

namespace bastion::crypto {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Value of one base64url character, or -1 for anything outside the alphabet (including '=',
// '+', '/', whitespace and NUL).
constexpr std::array<signed char, 256> makeDecodeTable() {
  std::array<signed char, 256> table{};
  for (auto &v : table) {
    v = -1;
  }
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  }
  return table;
}
constexpr auto kDecode = makeDecodeTable();

const unsigned char *bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char *>(s.data());
}

}  // namespace

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  const unsigned char *in = bytesOf(bytes);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (unsigned{in[i]} << 16) | (unsigned{in[i + 1]} << 8) | in[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const unsigned v = unsigned{in[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const unsigned v = (unsigned{in[i]} << 16) | (unsigned{in[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

// Strict: a length of 1 mod 4 cannot come from any byte string, and the unused low bits of the
// last character must be zero, so every byte string has exactly one accepted encoding (a token
// cannot be altered into a different string that still verifies).
std::optional<std::string> base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = kDecode[static_cast<unsigned char>(c)];
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFFu);
    }
  }
  if ((acc & ((1u << bits) - 1u)) != 0) {
    return std::nullopt;  // non-canonical trailing bits
  }
  return out;
}

namespace {

// SHA-256 fetched from the default provider once: EVP_sha256() makes OpenSSL 3 look the
// algorithm up again on every digest, which shows on the token cache's hot path.
const EVP_MD *fetchedSha256() {
  static EVP_MD *const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) {
    std::abort();  // no SHA-256 in the default provider: nothing here can work safely
  }
  return md;
}

}  // namespace

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  // A digest failure over memory is a broken invariant (OpenSSL cannot fetch SHA-256).
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char *>(out.data()), &len,
                 fetchedSha256(), nullptr) != 1 ||
      len != 32) {
    std::abort();
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  const std::string raw = sha256(data);
  std::string out;
  out.reserve(64);
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const unsigned char *k = key.empty() ? &kEmpty : bytesOf(key);
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), bytesOf(data), data.size(),
           reinterpret_cast<unsigned char *>(out.data()), &len) == nullptr ||
      len != 32) {
    std::abort();
  }
  return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string pkceChallenge(std::string_view verifier) { return base64UrlEncode(sha256(verifier)); }

}  // namespace bastion::crypto
