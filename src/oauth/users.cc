#include "oauth/users.h"

#include <argon2.h>

#include <algorithm>
#include <array>
#include <vector>

namespace bastion::oauth {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '+' || c == '-';
}

}  // namespace

Result<void> checkUserName(std::string_view name) {
  if (name.empty() || name.size() > kMaxUserNameBytes ||
      !std::all_of(name.begin(), name.end(), isNameChar)) {
    return Error(UserError::BadName,
                 "a user name is 1 to 64 characters from A-Z a-z 0-9 . _ @ + -");
  }
  return {};
}

Result<std::string> hashPassword(std::string_view password, RandomSource& rng,
                                 const PasswordParams& params) {
  if (password.empty() || password.size() > kMaxPasswordBytes) {
    return Error(UserError::BadPassword, "a password is 1 to 1024 bytes");
  }
  std::array<unsigned char, kSaltBytes> salt{};
  rng.fill(salt.data(), salt.size());
  std::vector<char> encoded(argon2_encodedlen(params.t_cost, params.m_cost_kib, params.lanes,
                                              kSaltBytes, kHashBytes, Argon2_id) +
                            1);
  const int rc = argon2id_hash_encoded(params.t_cost, params.m_cost_kib, params.lanes,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Error(UserError::HashFailed,
                 std::string("password hashing failed: ") + argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

bool verifyPassword(std::string_view encoded, std::string_view password) {
  if (password.size() > kMaxPasswordBytes || !encoded.starts_with("$argon2id$")) {
    return false;
  }
  const std::string z(encoded);  // libargon2 wants a NUL-terminated string
  return argon2id_verify(z.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace bastion::oauth
