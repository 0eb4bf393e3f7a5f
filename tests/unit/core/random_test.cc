// Session ids and tokens come from the CSPRNG as unpadded base64url.
#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace bastion {
namespace {

TEST(RandomToken, Has256BitsAsUnpaddedBase64Url) {
  const std::string t = randomToken(systemRandom(), 32);
  EXPECT_EQ(t.size(), 43u);
  EXPECT_EQ(t.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(RandomToken, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(randomToken(systemRandom(), 16)).second);
  }
}

TEST(RandomToken, EncodesKnownBytesFromAnInjectedSource) {
  struct Fixed final : RandomSource {
    void fill(unsigned char* out, std::size_t n) override {
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(0xfb + i);
    }
  } fixed;
  // 0xfb 0xfc 0xfd -> "-_z9" ; 0xfe -> "_g"
  EXPECT_EQ(randomToken(fixed, 4), "-_z9_g");
}

}  // namespace
}  // namespace bastion
