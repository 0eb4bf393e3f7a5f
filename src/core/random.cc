#include "core/random.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <vector>

namespace bastion {
namespace {

// The kernel CSPRNG through getrandom(2): no user-space generator state to reseed or to
// duplicate across fork, and nothing to initialise at start (OpenSSL's DRBG would pull in its
// provider machinery, about 3 MiB of resident pages, before the first request needs it).
class KernelRandom final : public RandomSource {
 public:
  void fill(unsigned char* out, std::size_t n) override {
    while (n > 0) {
      const ssize_t got = getrandom(out, n, 0);
      if (got < 0 && errno == EINTR) {
        continue;
      }
      // A CSPRNG failure is a broken invariant: continuing would hand out guessable ids.
      if (got <= 0) {
        std::abort();
      }
      out += got;
      n -= static_cast<std::size_t>(got);
    }
  }
};

constexpr std::array<char, 64> kBase64Url = {
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
    'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'a', 'b', 'c', 'd', 'e', 'f',
    'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v',
    'w', 'x', 'y', 'z', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-', '_'};

}  // namespace

RandomSource& systemRandom() {
  static KernelRandom rng;
  return rng;
}

std::string randomToken(RandomSource& rng, std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  rng.fill(raw.data(), raw.size());
  std::string out;
  out.reserve((bytes * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes; i += 3) {
    const unsigned v = (unsigned{raw[i]} << 16) | (unsigned{raw[i + 1]} << 8) | raw[i + 2];
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += kBase64Url[v & 63];
  }
  if (bytes - i == 1) {
    const unsigned v = unsigned{raw[i]} << 16;
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
  } else if (bytes - i == 2) {
    const unsigned v = (unsigned{raw[i]} << 16) | (unsigned{raw[i + 1]} << 8);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
  }
  return out;
}

}  // namespace bastion
