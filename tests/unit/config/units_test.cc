#include "config/units.h"

#include <gtest/gtest.h>

namespace bastion::config {
namespace {

// Sizes accept exactly the binary units and compute exact byte counts.
TEST(ParseSize, AcceptsBinaryUnits) {
  EXPECT_EQ(parseSize("1B").value(), 1u);
  EXPECT_EQ(parseSize("512KiB").value(), 512u * 1024u);
  EXPECT_EQ(parseSize("4MiB").value(), 4u * 1024u * 1024u);
  EXPECT_EQ(parseSize("2GiB").value(), 2ULL << 30);
}

// Anything but "<digits><unit>" is refused with the same message, including decimal units.
TEST(ParseSize, RejectsOtherShapes) {
  for (const char* text :
       {"", "MiB", "4", "4 MiB", "4mib", "4MB", "-4MiB", "+4MiB", "4.5MiB", "0x10B", "4MiBB"}) {
    auto r = parseSize(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().message,
              "expected a size such as \"4MiB\" (a whole number and B, KiB, MiB or GiB)");
  }
}

// A size that overflows 64 bits is an error, not a wrapped small number.
TEST(ParseSize, RejectsOverflow) {
  EXPECT_FALSE(parseSize("17179869184GiB"));  // 2^34 GiB = 2^64 bytes
  EXPECT_FALSE(parseSize("99999999999999999999B"));
  EXPECT_EQ(parseSize("17179869183GiB").value(), 17179869183ULL << 30);
}

// Durations read ms, s, m and h, with "ms" not mistaken for minutes.
TEST(ParseDuration, AcceptsUnits) {
  using std::chrono::milliseconds;
  EXPECT_EQ(parseDuration("250ms").value(), milliseconds(250));
  EXPECT_EQ(parseDuration("10s").value(), milliseconds(10000));
  EXPECT_EQ(parseDuration("30m").value(), milliseconds(1800000));
  EXPECT_EQ(parseDuration("2h").value(), milliseconds(7200000));
  EXPECT_EQ(parseDuration("0s").value(), milliseconds(0));
}

// Compound, fractional, signed or unit-less durations are refused.
TEST(ParseDuration, RejectsOtherShapes) {
  for (const char* text : {"", "s", "30", "1h30m", "1.5s", "-1s", "10 s", "10sec", "10S"}) {
    auto r = parseDuration(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().message,
              "expected a duration such as \"30s\" (a whole number and ms, s, m or h)");
  }
  EXPECT_FALSE(parseDuration("9223372036854775808ms"));
}

// Formatting picks the largest exact unit, so summaries round-trip through the parser.
TEST(FormatUnits, RoundTrip) {
  EXPECT_EQ(formatSize(4u << 20), "4MiB");
  EXPECT_EQ(formatSize(1536), "1536B");
  EXPECT_EQ(formatSize(3072), "3KiB");
  EXPECT_EQ(formatDuration(std::chrono::minutes(30)), "30m");
  EXPECT_EQ(formatDuration(std::chrono::milliseconds(1500)), "1500ms");
  EXPECT_EQ(formatDuration(std::chrono::hours(2)), "2h");
  for (std::uint64_t n : {1ULL, 1023ULL, 1024ULL, 5ULL << 30, 12345678ULL}) {
    EXPECT_EQ(parseSize(formatSize(n)).value(), n);
  }
}

}  // namespace
}  // namespace bastion::config
