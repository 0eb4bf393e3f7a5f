// isPublicAddress: the SSRF guard's verdict on every special-purpose range, v4 and v6.

#include <gtest/gtest.h>

#include <string>

#include "net/fetcher.h"

namespace bastion::net {
namespace {

// Addresses an attacker would aim a metadata or key URL at; each must be refused.
class ForbiddenAddressTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ForbiddenAddressTest, IsNotPublic) {
  // Each special-purpose address is refused by the SSRF guard.
  EXPECT_FALSE(isPublicAddress(GetParam())) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Ipv4, ForbiddenAddressTest,
    ::testing::Values("0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1",
                      "100.127.255.254", "127.0.0.1", "127.1.2.3", "169.254.169.254", "169.254.0.1",
                      "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1",
                      "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
                      "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255"));

INSTANTIATE_TEST_SUITE_P(
    Ipv6, ForbiddenAddressTest,
    ::testing::Values("::", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254",
                      "::ffff:10.1.2.3", "::127.0.0.1", "::8.8.8.8", "64:ff9b::127.0.0.1",
                      "64:ff9b::a9fe:a9fe", "64:ff9b:1::8.8.8.8", "2002:7f00:1::1",
                      "2002:a9fe:a9fe::", "2002:0a00:0001::1", "fc00::1", "fd12:3456::1", "fe80::1",
                      "febf::1", "fec0::1", "ff02::1", "ff05::2", "2001:db8::1", "2001::1",
                      "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:2::1", "3fff::1", "100::1",
                      "::ffff:0:127.0.0.1"));

// Ordinary public addresses pass.
class PublicAddressTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PublicAddressTest, IsPublic) {
  // A public unicast address is allowed.
  EXPECT_TRUE(isPublicAddress(GetParam())) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(All, PublicAddressTest,
                         ::testing::Values("8.8.8.8", "1.1.1.1", "93.184.216.34", "9.255.255.255",
                                           "11.0.0.0", "100.63.255.255", "100.128.0.0",
                                           "172.15.255.255", "172.32.0.0", "192.0.1.1",
                                           "192.169.0.1", "198.17.255.255", "198.20.0.0",
                                           "223.255.255.255", "169.253.255.255",
                                           "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
                                           "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
                                           "2002:0808:0808::1", "2001:200::1", "3fff:1000::1"));

TEST(AddressPolicyTest, RefusesMalformedAndScopedLiterals) {
  // Anything that is not a plain IP literal is refused, including zone ids and octal forms.
  for (const char* s :
       {"", "localhost", "127.1", "0x7f.0.0.1", "017.0.0.1", "2130706433", "fe80::1%eth0", "[::1]",
        " 8.8.8.8", "8.8.8.8 ", "8.8.8.8/32", "2606:4700:4700::1111%1"}) {
    EXPECT_FALSE(isPublicAddress(s)) << s;
  }
}

TEST(AddressPolicyTest, RefusesAddressWithEmbeddedNul) {
  // "8.8.8.8\0..." must not pass as 8.8.8.8 through a C string conversion.
  EXPECT_FALSE(isPublicAddress(std::string("8.8.8.8\0garbage", 15)));
}

}  // namespace
}  // namespace bastion::net
