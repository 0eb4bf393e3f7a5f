#pragma once
// Randomness is injected: production code uses the CSPRNG, tests may substitute their own.

#include <cstddef>
#include <memory>
#include <string>

namespace bastion {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` with `n` bytes. Aborts if the kernel CSPRNG fails: no fallback is safe.
  virtual void fill(unsigned char* out, std::size_t n) = 0;
};

// The process-wide CSPRNG (OpenSSL RAND_bytes, seeded from the kernel). Thread-safe.
RandomSource& systemRandom();

// `bytes` random bytes as unpadded base64url: for session ids, CSRF tokens, cursors.
std::string randomToken(RandomSource& rng, std::size_t bytes = 32);

}  // namespace bastion
