// cacheMaxAgeSeconds and FetchResponse::header.

#include <gtest/gtest.h>

#include "net/fetcher.h"

namespace bastion::net {
namespace {

TEST(CacheControlTest, ReadsMaxAge) {
  // max-age is read whatever the case and spacing.
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=300"), 300);
  EXPECT_EQ(cacheMaxAgeSeconds("public, Max-Age = 60 "), 60);
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=\"120\""), 120);
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=0"), 0);
}

TEST(CacheControlTest, AbsentIsMinusOne) {
  // No max-age and nothing forbidding caching: the caller picks its default.
  EXPECT_EQ(cacheMaxAgeSeconds(""), -1);
  EXPECT_EQ(cacheMaxAgeSeconds("public, must-revalidate"), -1);
}

TEST(CacheControlTest, NoStoreAndNoCacheWin) {
  // no-store / no-cache mean "do not reuse", wherever they appear.
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=600, no-store"), 0);
  EXPECT_EQ(cacheMaxAgeSeconds("no-cache, max-age=600"), 0);
  EXPECT_EQ(cacheMaxAgeSeconds("NO-STORE"), 0);
  EXPECT_EQ(cacheMaxAgeSeconds("no-cache=\"set-cookie\""), 0);
}

TEST(CacheControlTest, DoubtMeansShorter) {
  // Malformed values count as stale; duplicates take the smallest; huge values are capped.
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=abc"), 0);
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=-5"), 0);
  EXPECT_EQ(cacheMaxAgeSeconds("max-age"), 0);
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=600, max-age=30"), 30);
  EXPECT_EQ(cacheMaxAgeSeconds("max-age=99999999999999999999999"), 0x7fffffffLL);
  EXPECT_EQ(cacheMaxAgeSeconds("s-maxage=100"), -1);
}

TEST(FetchResponseTest, HeaderFindsFirstLowerCaseName) {
  // header() returns the first value, or empty.
  FetchResponse r;
  r.headers = {{"content-type", "application/json"}, {"x", "1"}, {"x", "2"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x"), "1");
  EXPECT_EQ(r.header("missing"), "");
}

}  // namespace
}  // namespace bastion::net
