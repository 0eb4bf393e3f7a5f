// Link-local addresses (where cloud metadata services answer) stay refused when a fetcher allows
// private addresses, unless it allows link-local as well; numeric hosts are refused before any
// connection, so these tests need no network.

// GCC 12 at -O2 reports checked results' operator-> as a potential null dereference.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "net/address_policy.h"
#include "net/fetcher.h"

namespace bastion::net {
namespace {

std::array<std::uint8_t, 4> v4(const char* text) {
  std::array<std::uint8_t, 4> b{};
  EXPECT_EQ(::inet_pton(AF_INET, text, b.data()), 1) << text;
  return b;
}
std::array<std::uint8_t, 16> v6(const char* text) {
  std::array<std::uint8_t, 16> b{};
  EXPECT_EQ(::inet_pton(AF_INET6, text, b.data()), 1) << text;
  return b;
}

TEST(LinkLocal, ClassifiesDirectAndEmbeddedForms) {
  // 169.254/16 and fe80::/10, also inside mapped, NAT64 and 6to4 forms; nothing else.
  for (const char* a : {"169.254.169.254", "169.254.0.1", "169.254.255.255"}) {
    EXPECT_TRUE(isLinkLocalV4(v4(a))) << a;
  }
  for (const char* a : {"10.0.0.1", "127.0.0.1", "169.253.1.1", "169.255.0.1", "8.8.8.8"}) {
    EXPECT_FALSE(isLinkLocalV4(v4(a))) << a;
  }
  for (const char* a : {"fe80::1", "febf::1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",
                        "2002:a9fe:a9fe::1"}) {
    EXPECT_TRUE(isLinkLocalV6(v6(a))) << a;
  }
  for (const char* a : {"fec0::1", "fd00::1", "::1", "::ffff:127.0.0.1", "2001:4860::8888"}) {
    EXPECT_FALSE(isLinkLocalV6(v6(a))) << a;
  }
}

TEST(LinkLocal, MetadataAddressRefusedEvenWhenPrivateAllowed) {
  // allow_private_addresses opens loopback and RFC 1918, not the metadata service.
  auto fetcher = makeHttpFetcher(
      FetchPolicy{.allow_http = true, .allow_private_addresses = true, .ca_file = ""});
  for (const char* url : {"http://169.254.169.254/latest/meta-data/",
                          "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/"}) {
    auto r = fetcher->fetch({.url = url, .timeout = std::chrono::seconds(2)});
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, static_cast<int>(FetchError::ForbiddenAddress)) << url;
  }
}

}  // namespace
}  // namespace bastion::net
