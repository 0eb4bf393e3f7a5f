#pragma once
// Local users of the embedded authorization server's login page: name rules and argon2id
// password hashing (libargon2). `bastion users add` hashes here; POST /login verifies here.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/random.h"

namespace bastion::oauth {

enum class UserError {
  BadName = 1,  // empty, too long, or characters outside [A-Za-z0-9._@+-]
  BadPassword,  // empty or longer than kMaxPasswordBytes
  HashFailed,   // libargon2 refused (out of memory)
};

inline constexpr std::size_t kMaxUserNameBytes = 64;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// argon2id cost. The default is RFC 9106 §4's second recommendation (t=3, 64 MiB) with one lane:
// the login handler runs on a shared worker pool and must not fan out threads per attempt.
struct PasswordParams {
  std::uint32_t t_cost = 3;
  std::uint32_t m_cost_kib = 64 * 1024;
  std::uint32_t lanes = 1;
};

[[nodiscard]] Result<void> checkUserName(std::string_view name);

// A new argon2id encoded hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash) with a 16-byte salt
// from `rng`. Refuses passwords failing the length rules.
[[nodiscard]] Result<std::string> hashPassword(std::string_view password, RandomSource& rng,
                                               const PasswordParams& params = {});

// True only if `encoded` is a well-formed argon2id hash of `password` (libargon2 compares in
// constant time). A malformed hash, or a password over kMaxPasswordBytes, is false.
bool verifyPassword(std::string_view encoded, std::string_view password);

}  // namespace bastion::oauth
