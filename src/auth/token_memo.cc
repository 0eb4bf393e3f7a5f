#include "auth/token_memo.h"

#include <openssl/crypto.h>

#include <cstring>

namespace bastion::auth {
namespace {

// Compares equal-length strings in time that depends on the length only: the differences are
// OR-ed together a word at a time and tested once at the end. Not CRYPTO_memcmp, which goes a
// byte at a time: 0.2 us for a typical 450-byte token, half of what the memo saves.
bool sameBytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  std::uint64_t diff = 0;
  std::size_t i = 0;
  for (; i + sizeof diff <= a.size(); i += sizeof diff) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a.data() + i, sizeof x);
    std::memcpy(&y, b.data() + i, sizeof y);
    diff |= x ^ y;
    // Opaque to the optimiser: it cannot stop the loop early once `diff` is non-zero.
    __asm__ volatile("" : "+r"(diff));
  }
  for (; i < a.size(); ++i) {
    diff |= static_cast<std::uint64_t>(static_cast<unsigned char>(a[i]) ^
                                       static_cast<unsigned char>(b[i]));
    __asm__ volatile("" : "+r"(diff));
  }
  return diff == 0;
}

}  // namespace

TokenMemo::~TokenMemo() { forget(); }

bool TokenMemo::holds(std::string_view token) const {
  return epoch_ != 0 && sameBytes(token_, token);
}

void TokenMemo::forget() {
  OPENSSL_cleanse(token_.data(), token_.size());
  token_.clear();
  verified_ = {};
  good_until_ = {};
  epoch_ = 0;
}

const VerifiedToken* TokenMemo::answer(std::string_view token, Clock::time_point now,
                                       std::uint64_t epoch) const {
  // The cheap, public conditions first; the token comparison never stops early on content.
  if (epoch_ != epoch || now >= good_until_ || !holds(token)) {
    return nullptr;
  }
  return &verified_;
}

void TokenMemo::remember(std::string_view token, const VerifiedToken& verified,
                         Clock::time_point good_until, std::uint64_t epoch) {
  forget();
  token_.assign(token);
  verified_ = verified;
  good_until_ = good_until;
  epoch_ = epoch;
}

}  // namespace bastion::auth
