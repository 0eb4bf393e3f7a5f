// The address per-IP throttles count under: X-Forwarded-For believed only from trusted proxies,
// and only its rightmost untrusted hop; Retry-After figures of the window counters.

#include "oauth/client_address.h"

#include <gtest/gtest.h>

#include "oauth/throttle.h"

namespace bastion::oauth {
namespace {

TrustedProxies proxies(std::vector<std::string> entries) {
  auto parsed = TrustedProxies::parse(entries);
  EXPECT_TRUE(parsed.has_value());
  return parsed.value();
}

web::Request from(std::string peer, std::vector<std::string> forwarded = {}) {
  web::Request r;
  r.method = "POST";
  r.target = "/token";
  r.remote_address = std::move(peer);
  for (auto& value : forwarded) {
    r.headers.emplace_back("x-forwarded-for", std::move(value));
  }
  return r;
}

TEST(ClientAddress, SpoofedForwardedForFromUntrustedPeerIsIgnored) {
  // A client talking to us directly cannot pick its throttling key with a forged header.
  const auto trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(clientAddress(from("203.0.113.9", {"198.51.100.1"}), trusted), "203.0.113.9");
  EXPECT_EQ(clientAddress(from("203.0.113.9", {"10.0.0.1, 198.51.100.1"}), trusted), "203.0.113.9");
}

TEST(ClientAddress, NoTrustedProxiesMeansThePeer) {
  // The default trusts nobody: the header is never read.
  EXPECT_EQ(clientAddress(from("10.0.0.5", {"198.51.100.1"}), TrustedProxies()), "10.0.0.5");
}

TEST(ClientAddress, TrustedProxyForwardsTheClient) {
  // Behind one trusted proxy the address it appended is the client.
  const auto trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"198.51.100.1"}), trusted), "198.51.100.1");
}

TEST(ClientAddress, ClientPrependedEntriesAreNeverRead) {
  // The client sends its own X-Forwarded-For; the proxy appends the real address. Only the
  // rightmost untrusted hop counts, so the forged left part changes nothing.
  const auto trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"1.1.1.1, 2.2.2.2, 198.51.100.1"}), trusted),
            "198.51.100.1");
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"1.1.1.1", "198.51.100.1"}), trusted),
            "198.51.100.1");  // several headers are one list, in order
}

TEST(ClientAddress, ChainOfTrustedProxiesIsWalked) {
  // Two trusted hops (CDN, then load balancer): the first untrusted one from the right counts.
  const auto trusted = proxies({"10.0.0.0/8", "192.0.2.10"});
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"9.9.9.9, 198.51.100.1, 192.0.2.10"}), trusted),
            "198.51.100.1");
}

TEST(ClientAddress, GarbageHopStopsAtTheLastBelievableHop) {
  // A trusted proxy that passes a non-address on: the attacker cannot choose a key with it.
  const auto trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"evil-key-123"}), trusted), "10.1.2.3");
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"198.51.100.1, evil, 10.9.9.9"}), trusted), "10.9.9.9");
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"198.51.100.1,"}), trusted), "10.1.2.3");
}

TEST(ClientAddress, AllHopsTrustedMeansTheLeftmostHop) {
  // Only proxies in the chain (an internal health check): the leftmost one reached is used.
  const auto trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(clientAddress(from("10.1.2.3", {"10.0.0.7, 10.0.0.8"}), trusted), "10.0.0.7");
  EXPECT_EQ(clientAddress(from("10.1.2.3"), trusted), "10.1.2.3");
}

TEST(ClientAddress, PortsBracketsAndMappedFormsAreNormalised) {
  // "ip:port", "[v6]:port" and IPv4-mapped IPv6 are read as the address they name.
  const auto trusted = proxies({"10.0.0.0/8", "::1"});
  EXPECT_EQ(clientAddress(from("10.0.0.1", {"198.51.100.1:4711"}), trusted), "198.51.100.1");
  EXPECT_EQ(clientAddress(from("10.0.0.1", {"[2001:db8::1]:443"}), trusted), "2001:db8::1");
  EXPECT_EQ(clientAddress(from("10.0.0.1", {" 2001:db8::2 "}), trusted), "2001:db8::2");
  EXPECT_EQ(clientAddress(from("10.0.0.1", {"::ffff:198.51.100.7"}), trusted), "198.51.100.7");
  EXPECT_EQ(clientAddress(from("::1", {"198.51.100.1"}), trusted), "198.51.100.1");
  EXPECT_EQ(clientAddress(from("::ffff:10.0.0.1", {"198.51.100.1"}), trusted), "198.51.100.1");
}

TEST(TrustedProxies, ContainsAddressesAndNetworks) {
  // Single addresses, IPv4 and IPv6 networks; IPv4 and its mapped form are the same.
  const auto trusted = proxies({"192.0.2.7", "10.0.0.0/8", "fd00::/8", "172.16.0.0/12"});
  EXPECT_TRUE(trusted.contains("192.0.2.7"));
  EXPECT_TRUE(trusted.contains("::ffff:192.0.2.7"));
  EXPECT_FALSE(trusted.contains("192.0.2.8"));
  EXPECT_TRUE(trusted.contains("10.255.255.255"));
  EXPECT_FALSE(trusted.contains("11.0.0.0"));
  EXPECT_TRUE(trusted.contains("172.31.0.1"));
  EXPECT_FALSE(trusted.contains("172.32.0.1"));
  EXPECT_TRUE(trusted.contains("fdff::1"));
  EXPECT_FALSE(trusted.contains("fe00::1"));
  EXPECT_FALSE(trusted.contains(""));
  EXPECT_FALSE(trusted.contains("not-an-ip"));
}

TEST(TrustedProxies, MalformedEntriesAreRefusedByName) {
  // Configuration mistakes are errors naming the entry, not silently trusted or ignored.
  for (const std::string bad : {"", "proxy.internal", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x",
                                "::/129", "10.1.2.3/8", "10.0.0.0/8/8", "1.2.3.4:80"}) {
    auto parsed = TrustedProxies::parse({bad});
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_NE(parsed.error().message.find("\"" + bad + "\""), std::string::npos)
        << parsed.error().message;
  }
  EXPECT_TRUE(TrustedProxies::parse({"0.0.0.0/0", "::/0", "2001:db8::/32"}).has_value());
}

TEST(WindowCounterRetryAfter, TellsWhenTheWindowReopens) {
  // Retry-After is the rest of the key's window, rounded up; zero when not limited.
  WindowCounter counter;
  const WindowCounter::TimePoint t0{std::chrono::seconds(1'800'000'000)};
  const std::chrono::seconds window(900);
  EXPECT_TRUE(counter.tryAcquire("ip:1", 2, window, t0));
  EXPECT_EQ(counter.retryAfter("ip:1", 2, window, t0), std::chrono::seconds(0));
  EXPECT_TRUE(counter.tryAcquire("ip:1", 2, window, t0));
  EXPECT_FALSE(counter.tryAcquire("ip:1", 2, window, t0 + std::chrono::seconds(100)));
  EXPECT_EQ(counter.retryAfter("ip:1", 2, window, t0 + std::chrono::milliseconds(100'500)),
            std::chrono::seconds(800));
  EXPECT_EQ(counter.retryAfter("ip:1", 2, window, t0 + window), std::chrono::seconds(0));
  EXPECT_EQ(counter.retryAfter("ip:unknown", 2, window, t0), std::chrono::seconds(0));
}

TEST(WindowCounterRetryAfter, FullTableRefusalWaitsAWholeWindow) {
  // A key refused because the table is full of live keys is told to wait a whole window.
  WindowCounter counter(1);
  const WindowCounter::TimePoint t0{std::chrono::seconds(1'800'000'000)};
  const std::chrono::seconds window(60);
  EXPECT_TRUE(counter.tryAcquire("a", 5, window, t0));
  EXPECT_FALSE(counter.tryAcquire("b", 5, window, t0));
  EXPECT_EQ(counter.retryAfter("b", 5, window, t0), window);
}

}  // namespace
}  // namespace bastion::oauth
