// Per-IP request limits on the authorization server's endpoints: 429 with Retry-After, JSON for
// the back channel and a page for the browser; X-Forwarded-For counts only from trusted proxies.

#include <gtest/gtest.h>

#include "as_fixture.h"

namespace bastion::oauth::testing {
namespace {

class EndpointLimits : public AsFixture {
 protected:
  // 2 requests at once per address, then one per 30 s; `trusted` proxies.
  void limitTo2(std::vector<std::string> trusted = {}) {
    AsOptions o = options();
    o.requests_per_ip = {2, std::chrono::minutes(1), 1};
    auto proxies = TrustedProxies::parse(trusted);
    ASSERT_TRUE(proxies.has_value());
    o.trusted_proxies = proxies.value();
    createServer(std::move(o));
  }

  web::Response request(const std::string& path, const std::string& peer,
                        const std::string& forwarded = "") {
    web::Request r;
    r.method = path == "/token" ? "POST" : "GET";
    r.target = path;
    r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    if (!forwarded.empty()) {
      r.headers.emplace_back("x-forwarded-for", forwarded);
    }
    r.body = "grant_type=client_credentials";
    r.remote_address = peer;
    return as_->handle(r);
  }

  static std::string header(const web::Response& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) {
        return v;
      }
    }
    return "";
  }
};

TEST_F(EndpointLimits, TokenFloodFromOneAddressGets429WithRetryAfter) {
  // The third request at once is refused with the exact wait; another address is unaffected.
  limitTo2();
  EXPECT_NE(request("/token", "198.51.100.1").status, 429);
  EXPECT_NE(request("/token", "198.51.100.1").status, 429);
  const web::Response refused = request("/token", "198.51.100.1");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(header(refused, "retry-after"), "30");
  EXPECT_NE(refused.body.find("\"error\""), std::string::npos);
  EXPECT_NE(request("/token", "198.51.100.2").status, 429);
  clock_.advance(std::chrono::seconds(30));
  EXPECT_NE(request("/token", "198.51.100.1").status, 429);
}

TEST_F(EndpointLimits, BrowserEndpointsAnswerWithAPage) {
  // /authorize over the limit is an HTML page with Retry-After, not a JSON error.
  limitTo2();
  request("/authorize", "198.51.100.1");
  request("/authorize", "198.51.100.1");
  const web::Response refused = request("/authorize", "198.51.100.1");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(header(refused, "retry-after"), "30");
  EXPECT_NE(header(refused, "content-type").find("text/html"), std::string::npos);
}

TEST_F(EndpointLimits, MetadataAndJwksAreNotLimited) {
  // Discovery documents are public and cacheable: never refused per IP.
  limitTo2();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(request("/.well-known/oauth-authorization-server", "198.51.100.1").status, 200);
    EXPECT_EQ(request("/jwks", "198.51.100.1").status, 200);
  }
}

TEST_F(EndpointLimits, SpoofedForwardedForFromUntrustedPeerIsIgnored) {
  // A client cannot escape its limit by inventing a new X-Forwarded-For for each request.
  limitTo2();
  EXPECT_NE(request("/token", "203.0.113.9", "192.0.2.1").status, 429);
  EXPECT_NE(request("/token", "203.0.113.9", "192.0.2.2").status, 429);
  EXPECT_EQ(request("/token", "203.0.113.9", "192.0.2.3").status, 429);
}

TEST_F(EndpointLimits, TrustedProxyClientsAreCountedApart) {
  // Behind a trusted proxy each forwarded client has its own budget, and a client that
  // prepends forged entries is still counted under the address the proxy saw.
  limitTo2({"10.0.0.0/8"});
  EXPECT_NE(request("/token", "10.0.0.1", "198.51.100.1").status, 429);
  EXPECT_NE(request("/token", "10.0.0.1", "198.51.100.1").status, 429);
  EXPECT_EQ(request("/token", "10.0.0.1", "198.51.100.1").status, 429);
  EXPECT_EQ(request("/token", "10.0.0.1", "192.0.2.99, 198.51.100.1").status, 429);
  EXPECT_NE(request("/token", "10.0.0.1", "198.51.100.2").status, 429);
}

TEST_F(EndpointLimits, ZeroCountTurnsTheLimitOff) {
  // requests_per_ip.count = 0: no per-IP limit at all.
  AsOptions o = options();
  o.requests_per_ip.count = 0;
  createServer(std::move(o));
  for (int i = 0; i < 300; ++i) {
    ASSERT_NE(request("/token", "198.51.100.1").status, 429) << i;
  }
}

TEST_F(EndpointLimits, DefaultAllowsABurstOfAHundred) {
  // The default (600/minute, burst 100) lets 101 requests through at once.
  for (int i = 0; i < 101; ++i) {
    ASSERT_NE(request("/token", "198.51.100.1").status, 429) << i;
  }
  EXPECT_EQ(request("/token", "198.51.100.1").status, 429);
}

}  // namespace
}  // namespace bastion::oauth::testing
